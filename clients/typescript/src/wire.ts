/** What the gateway sends, decoded. Over WebSocket every text frame is JSON: an envelope,
 * or a notice whose `kind` is `position`, `continuity_lost`, `error`, `session_expiring` or
 * `closing` (replies to `sub` / `unsub` frames, which this client never sends, and to its
 * `refresh` frames are ignored). Over SSE an envelope is an
 * unnamed event; a notice is an event named after its kind. */
import type { SseEvent } from "./sse-parser.js";
import type { ContinuityLost, GapCause } from "./types.js";

/** An envelope as it travels. */
export interface WireEnvelope {
  id: string;
  channel: string;
  topic: string;
  data: unknown;
  kind: "data" | "run" | "datastream-start" | "chunk" | "datastream-end";
  run_id?: string;
  fn_id?: string;
  stream_id?: string;
  /** How a data stream ended (`datastream-end` only; its `data` is the stream id). */
  stream_end?: WireStreamEnd;
  created_at: string;
}

/** The `stream_end` of a `datastream-end`, as far as it could be read. */
export interface WireStreamEnd {
  status?: string;
  chunks?: number;
  error?: string;
}

export type Frame =
  | { type: "envelope"; envelope: WireEnvelope }
  /** The subscription of `channel` is confirmed: a reconnection resumes after `id`. */
  | { type: "position"; channel: string; id: string }
  | { type: "continuity_lost"; gap: ContinuityLost }
  | { type: "error"; code: string; message: string; topic?: string; id?: string }
  | { type: "closing"; reason?: string }
  | { type: "session_expiring" }
  | { type: "malformed"; reason: string }
  | { type: "ignored" };

type Json = Record<string, unknown>;

const KINDS = new Set(["data", "run", "datastream-start", "chunk", "datastream-end"]);
const CAUSES = new Set(["history_expired", "lagged", "backend_interrupted"]);

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parse(text: string, what: string): Json | string {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : `${what} is not a JSON object`;
  } catch (e) {
    return `${what} is not JSON: ${(e as Error).message}`;
  }
}

/** Decodes a WebSocket text frame. */
export function fromWsText(text: string): Frame {
  const value = parse(text, "a text frame");
  if (typeof value === "string") return { type: "malformed", reason: value };
  const kind = value["kind"];
  if (kind === "position" || kind === "continuity_lost" || kind === "error" || kind === "closing") {
    return notice(kind, value);
  }
  if (kind === "session_expiring") return { type: "session_expiring" };
  // A refused refresh needs nothing: the session then ends with `closing`, and the
  // reconnection asks the token function again.
  if (kind === "sub" || kind === "unsub" || kind === "refresh") return { type: "ignored" };
  return envelope(value);
}

/** Decodes a Server-Sent Event. */
export function fromSseEvent(event: SseEvent): Frame {
  const value = parse(event.data, `the data of a \`${event.event}\` event`);
  if (typeof value === "string") return { type: "malformed", reason: value };
  switch (event.event) {
    case "message":
      return envelope(value);
    case "position":
    case "continuity_lost":
    case "error":
    case "closing":
      return notice(event.event, value);
    case "session_expiring":
      return { type: "session_expiring" };
    default:
      return { type: "malformed", reason: `unknown event \`${event.event}\`` };
  }
}

function envelope(value: Json): Frame {
  const { id, channel, topic, kind, created_at } = value;
  if (typeof id !== "string" || typeof channel !== "string" || typeof topic !== "string") {
    return { type: "malformed", reason: "a frame is neither a notice nor a message envelope" };
  }
  const k = kind === undefined ? "data" : kind;
  if (typeof k !== "string" || !KINDS.has(k)) {
    return { type: "malformed", reason: `a message of unknown kind \`${String(kind)}\`` };
  }
  const env: WireEnvelope = {
    id,
    channel,
    topic,
    data: value["data"],
    kind: k as WireEnvelope["kind"],
    created_at: typeof created_at === "string" ? created_at : "",
  };
  for (const key of ["run_id", "fn_id", "stream_id"] as const) {
    const v = value[key];
    if (typeof v === "string") env[key] = v;
  }
  const end = value["stream_end"];
  if (isObject(end)) {
    const streamEnd: WireStreamEnd = {};
    if (typeof end["status"] === "string") streamEnd.status = end["status"];
    if (typeof end["chunks"] === "number") streamEnd.chunks = end["chunks"];
    if (typeof end["error"] === "string") streamEnd.error = end["error"];
    env.stream_end = streamEnd;
  }
  return { type: "envelope", envelope: env };
}

/** A notice: `{"kind", "channel", "topic"?, "data": {...}}`, or its bare data (SSE `closing`). */
function notice(kind: "position" | "continuity_lost" | "error" | "closing", value: Json): Frame {
  const wrapped = "kind" in value;
  const data = wrapped ? value["data"] : value;
  const d: Json = isObject(data) ? data : {};
  const text = (v: Json, key: string): string | undefined => {
    const s = v[key];
    return typeof s === "string" ? s : undefined;
  };
  switch (kind) {
    case "position": {
      const id = text(d, "id");
      if (id === undefined || splitId(id) === undefined) {
        return { type: "malformed", reason: "a `position` notice without a message id as `data.id`" };
      }
      return { type: "position", channel: text(value, "channel") ?? "", id };
    }
    case "continuity_lost": {
      const cause = d["cause"];
      const lastSeen = d["last_seen"];
      const missed = d["missed"];
      if (typeof cause !== "string" || !CAUSES.has(cause)) {
        return { type: "malformed", reason: "a `continuity_lost` notice with malformed data" };
      }
      return {
        type: "continuity_lost",
        gap: {
          kind: "continuity_lost",
          channel: text(value, "channel") ?? "",
          cause: cause as GapCause,
          last_seen: typeof lastSeen === "string" ? lastSeen : null,
          missed: typeof missed === "number" ? missed : null,
        },
      };
    }
    case "error": {
      const frame: Frame = { type: "error", code: text(d, "code") ?? "unknown", message: text(d, "error") ?? "" };
      const topic = text(value, "topic");
      const id = text(d, "id");
      if (topic !== undefined) frame.topic = topic;
      if (id !== undefined) frame.id = id;
      return frame;
    }
    case "closing": {
      const reason = text(d, "reason");
      return reason === undefined ? { type: "closing" } : { type: "closing", reason };
    }
  }
}

/** Orders two message ids (`<ms>-<seq>`); `undefined` when either does not parse. */
export function compareIds(a: string, b: string): number | undefined {
  const pa = splitId(a);
  const pb = splitId(b);
  if (!pa || !pb) return undefined;
  return pa[0] !== pb[0] ? Math.sign(pa[0] - pb[0]) : Math.sign(pa[1] - pb[1]);
}

function splitId(id: string): [number, number] | undefined {
  const m = /^(\d+)-(\d+)$/.exec(id);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** The gateway's error body `{"error", "code", "status", "data"}`, read leniently. */
export function rejection(status: number, statusText: string, body: string): { code: string; message: string } {
  let code = "unknown";
  let message = statusText || `HTTP ${status}`;
  try {
    const value: unknown = JSON.parse(body);
    if (isObject(value)) {
      if (typeof value["code"] === "string") code = value["code"];
      if (typeof value["error"] === "string") message = value["error"];
    }
  } catch {
    // not the gateway's JSON: keep the status
  }
  return { code, message };
}
