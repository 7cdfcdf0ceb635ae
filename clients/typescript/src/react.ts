/**
 * The React hook of the realtime-rs client: `typed-realtime-client/react`.
 *
 * ```tsx
 * const { connectionStatus, runStatus, messages, streams, error } = useRealtime<PipelineTopics, "status" | "summary">({
 *   url: "https://realtime.example.com",
 *   channel: `pipeline:${runId}`,
 *   topics: ["status", "summary"],
 *   token: () => fetch(`/api/realtime-token?run=${runId}`).then((r) => r.text()),
 * });
 * messages.byTopic.status?.data.percent;   // typed by the topic map
 * streams.byTopic.summary?.chunks.join(""); // a data stream, as it arrives
 * ```
 *
 * React is a peer dependency (>= 18); this entry point is not part of the main bundle.
 */
import { useEffect, useRef, useState } from "react";
import { subscribe } from "./index.js";
import type {
  AnyTopics,
  ContinuityLost,
  DataMessage,
  DataStreamMessage,
  ErrorItem,
  FetchLike,
  Item,
  RunMessage,
  TokenSource,
  TopicMap,
  TopicName,
  WebSocketConstructor,
} from "./types.js";

/** The hook's view of the connection: `idle` while not enabled, then the subscription's. */
export type RealtimeConnectionStatus = "idle" | "connecting" | "open" | "reconnecting" | "closed";

/** The run's status, from its lifecycle messages: `unknown` until the first. */
export type RealtimeRunStatus = "unknown" | "running" | "completed" | "failed" | "cancelled";

/** A data stream as it arrives: the chunks so far, and whether (and how) it ended. */
export type RealtimeStream<Topics extends TopicMap, T extends TopicName<Topics> = TopicName<Topics>> = {
  [K in T]: {
    /** The stream's id. */
    id: string;
    topic: K;
    /** The chunks received so far, in order, each a payload of the topic. */
    chunks: Topics[K][];
    /** `open` while chunks may come, `finished` at its end, `failed` when it did not end well. */
    status: "open" | "finished" | "failed";
    /** Whether it has ended, well or not. */
    done: boolean;
    /** Whether the start was missed (the subscription joined mid-stream). */
    partial: boolean;
    /** Why it failed: a `DataStreamError` code (`aborted`, `interrupted`, `idle_timeout`, `closed`). */
    error: { code: string; message: string } | null;
    /** The id of the message that announced it. */
    startId: string;
  };
}[T];

/** What `useRealtime` returns. */
export interface RealtimeState<Topics extends TopicMap, T extends TopicName<Topics> = TopicName<Topics>> {
  connectionStatus: RealtimeConnectionStatus;
  runStatus: RealtimeRunStatus;
  /** The last run lifecycle message (with its `output` or `error`), or `null`. */
  run: RunMessage | null;
  messages: {
    /** The data messages received, oldest first (at most `maxMessages`, the newest kept). */
    all: DataMessage<Topics, T>[];
    /** The last data message of each topic. */
    byTopic: { [K in T]?: DataMessage<Topics, K> };
    /** The last data message of any topic, or `null`. */
    last: DataMessage<Topics, T> | null;
  };
  streams: {
    /** The data streams seen, in the order they started (at most `maxStreams`, the newest kept). */
    all: RealtimeStream<Topics, T>[];
    /** The latest data stream of each topic. */
    byTopic: { [K in T]?: RealtimeStream<Topics, K> };
    /** The streams by id. */
    byId: Record<string, RealtimeStream<Topics, T>>;
  };
  /** The last error item (refused token, lost connection, gateway or decode error); back to
   * `null` when a connection opens. The subscription keeps trying whatever it is. */
  error: ErrorItem | null;
  /** The last `continuity_lost` item, or `null`: messages were lost before what follows. */
  continuityLost: ContinuityLost | null;
  /** How many connections opened (one more per reconnection). */
  connections: number;
}

export interface UseRealtimeOptions<Topics extends TopicMap, T extends TopicName<Topics>> {
  /** The gateway's base URL, `http(s)://host[:port][/prefix]`. */
  url: string;
  /** The concrete channel name; a change closes the subscription and opens a new one. */
  channel: string;
  /** The topics to receive; a change (by value, not identity) resubscribes. */
  topics: readonly T[];
  /** A token, or a function asked before every connection. The latest one given is used;
   * a new function identity does not resubscribe. */
  token: TokenSource;
  /** `websocket` (the default) or `sse`. */
  transport?: "websocket" | "sse";
  /** `false` keeps the hook idle (no connection): e.g. until a run id is known. Default true. */
  enabled?: boolean;
  /** Start after this message id. */
  since?: string;
  /** The most data messages kept in `messages.all` (the oldest dropped). Default 1000. */
  maxMessages?: number;
  /** The most data streams kept in `streams` (the oldest dropped). Default 100. */
  maxStreams?: number;
  /** Every item as it arrives, before the state updates (the latest function given is used). */
  onItem?: (item: Item<Topics, T>) => void;
  backoff?: { initialMs?: number; maxMs?: number };
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  streamIdleTimeoutMs?: number;
  WebSocket?: WebSocketConstructor;
  fetch?: FetchLike;
}

const DEFAULT_MAX_MESSAGES = 1000;
const DEFAULT_MAX_STREAMS = 100;

function initialState<Topics extends TopicMap, T extends TopicName<Topics>>(
  connectionStatus: RealtimeConnectionStatus,
): RealtimeState<Topics, T> {
  return {
    connectionStatus,
    runStatus: "unknown",
    run: null,
    messages: { all: [], byTopic: {}, last: null },
    streams: { all: [], byTopic: {}, byId: {} },
    error: null,
    continuityLost: null,
    connections: 0,
  };
}

function runStatusOf(message: RunMessage): RealtimeRunStatus {
  return message.data.status === "started" ? "running" : message.data.status;
}

type AnyStream = { id: string; topic: string; chunks: unknown[]; status: "open" | "finished" | "failed"; done: boolean; partial: boolean; error: { code: string; message: string } | null; startId: string };

/** Replaces (or adds) a stream in the state's stream views. */
function withStream<Topics extends TopicMap, T extends TopicName<Topics>>(
  state: RealtimeState<Topics, T>,
  stream: AnyStream,
  maxStreams: number,
): RealtimeState<Topics, T> {
  const s = stream as unknown as RealtimeStream<Topics, T>;
  const exists = state.streams.byId[stream.id] !== undefined;
  let all = exists ? state.streams.all.map((x) => (x.id === stream.id ? s : x)) : [...state.streams.all, s];
  let byId = { ...state.streams.byId, [stream.id]: s };
  if (all.length > maxStreams) {
    const dropped = all.slice(0, all.length - maxStreams);
    all = all.slice(all.length - maxStreams);
    byId = { ...byId };
    for (const d of dropped) delete byId[d.id];
  }
  const current = (state.streams.byTopic as Record<string, AnyStream | undefined>)[stream.topic];
  const byTopic =
    !exists || current?.id === stream.id ? { ...state.streams.byTopic, [stream.topic]: s } : state.streams.byTopic;
  return { ...state, streams: { all, byTopic, byId } };
}

/**
 * Subscribes to `topics` of `channel` while the component is mounted (and `enabled`), and
 * returns what arrived: the connection's and the run's status, the data messages (all, by
 * topic, the last), the data streams as their chunks arrive, and the last error.
 *
 * It subscribes on mount and when `url`, `channel`, `topics` (by value), `transport`,
 * `enabled` or `since` change, closes the subscription on unmount, and never updates state
 * after that. Under StrictMode's double mount the first subscription is closed before it
 * connects. A token function is asked before every connection, so an expiring token is
 * refreshed on reconnect.
 */
export function useRealtime<Topics extends TopicMap = AnyTopics, T extends TopicName<Topics> = TopicName<Topics>>(
  options: UseRealtimeOptions<Topics, T>,
): RealtimeState<Topics, T> {
  const enabled = options.enabled ?? true;
  const [state, setState] = useState<RealtimeState<Topics, T>>(() => initialState(enabled ? "connecting" : "idle"));
  // The latest callbacks and options that do not resubscribe when their identity changes.
  const latest = useRef(options);
  latest.current = options;
  const topicsKey = JSON.stringify([...options.topics]);
  const { url, channel, transport, since } = options;

  useEffect(() => {
    if (!enabled) {
      setState(initialState("idle"));
      return;
    }
    const opts = latest.current;
    const maxMessages = Math.max(1, opts.maxMessages ?? DEFAULT_MAX_MESSAGES);
    const maxStreams = Math.max(1, opts.maxStreams ?? DEFAULT_MAX_STREAMS);
    let active = true;
    let current = initialState<Topics, T>("connecting");
    setState(current);
    const update = (next: RealtimeState<Topics, T>): void => {
      if (!active) return;
      current = next;
      setState(next);
    };
    const setStream = (stream: AnyStream): void => {
      if (!active) return;
      update(withStream(current, stream, maxStreams));
    };
    const readStream = async (item: DataStreamMessage<Topics, T>): Promise<void> => {
      let stream: AnyStream = {
        id: item.stream_id,
        topic: item.topic,
        chunks: [],
        status: "open",
        done: false,
        partial: item.partial,
        error: null,
        startId: item.id,
      };
      setStream(stream);
      try {
        for await (const chunk of item.stream as AsyncIterable<unknown>) {
          if (!active) return;
          stream = { ...stream, chunks: [...stream.chunks, chunk] };
          setStream(stream);
        }
        stream = { ...stream, status: "finished", done: true };
      } catch (error) {
        const e = error as { code?: unknown; message?: unknown };
        stream = {
          ...stream,
          status: "failed",
          done: true,
          error: { code: typeof e?.code === "string" ? e.code : "error", message: String(e?.message ?? error) },
        };
      }
      setStream(stream);
    };

    // The latest token (or token function) given, asked before every connection.
    const tokenSource = (): string | Promise<string> => {
      const token = latest.current.token;
      return typeof token === "string" ? token : token();
    };

    let sub: { close(): void } | undefined;
    // Subscribe a task later: StrictMode's double mount (mount, unmount, mount in one go)
    // then never opens a connection it closes at once.
    const start = (): void => {
      if (!active) return;
      try {
        sub = subscribe<Topics, T>({
          url,
          channel,
          topics: JSON.parse(topicsKey) as T[],
          token: tokenSource,
          ...(transport !== undefined ? { transport } : {}),
          ...(since !== undefined ? { since } : {}),
          ...(opts.backoff !== undefined ? { backoff: opts.backoff } : {}),
          ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
          ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
          ...(opts.streamIdleTimeoutMs !== undefined ? { streamIdleTimeoutMs: opts.streamIdleTimeoutMs } : {}),
          ...(opts.WebSocket !== undefined ? { WebSocket: opts.WebSocket } : {}),
          ...(opts.fetch !== undefined ? { fetch: opts.fetch } : {}),
          onItem: (item) => {
            if (!active) return;
            latest.current.onItem?.(item);
            if (!active) return;
            switch (item.kind) {
              case "data": {
                const all = current.messages.all.length >= maxMessages
                  ? [...current.messages.all.slice(current.messages.all.length - maxMessages + 1), item]
                  : [...current.messages.all, item];
                update({
                  ...current,
                  messages: { all, byTopic: { ...current.messages.byTopic, [item.topic]: item }, last: item },
                });
                return;
              }
              case "run":
                update({ ...current, run: item, runStatus: runStatusOf(item) });
                return;
              case "datastream":
                void readStream(item);
                return;
              case "continuity_lost":
                update({ ...current, continuityLost: item });
                return;
              case "status":
                update({
                  ...current,
                  connectionStatus: item.status,
                  ...(item.status === "open" ? { error: null, connections: current.connections + 1 } : {}),
                });
                return;
              case "error":
                update({ ...current, error: item });
                return;
            }
          },
        });
      } catch (error) {
        // Invalid options: reported as an error item, like everything after subscribe.
        update({
          ...current,
          connectionStatus: "closed",
          error: { kind: "error", source: "connect", code: "invalid_options", message: String((error as Error)?.message ?? error) },
        });
      }
    };
    const timer = setTimeout(start, 0);
    return () => {
      active = false;
      clearTimeout(timer);
      sub?.close();
    };
  }, [enabled, url, channel, topicsKey, transport, since]);

  return state;
}

export type { ConnectionStatus, DataMessage, ErrorItem, Item, RunMessage, RunStatus, TopicMap, TopicName } from "./types.js";
