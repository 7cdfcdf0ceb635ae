import type { DataStream } from "./datastream.js";

/** A channel's topics: topic name → the type of its data. Generated bindings provide one
 * per channel, e.g. `interface PipelineTopics { status: Status; llm_tokens: Token }` (an
 * interface or a type alias; its string keys are the topic names). */
export type TopicMap = object;

/** The topic map when none is given: any topic, data of unknown type. */
export type AnyTopics = Record<string, unknown>;

/** The topic names of a map. */
export type TopicName<Topics> = keyof Topics & string;

/** The fields every envelope carries, as the gateway sends them. */
export interface EnvelopeMeta {
  /** The message id, `<milliseconds>-<sequence>`, increasing within the channel. */
  id: string;
  /** The concrete channel name. */
  channel: string;
  /** When the publisher created it (RFC 3339). */
  created_at: string;
  /** The run that published it, when known. */
  run_id?: string;
  /** The function that published it, when known. */
  fn_id?: string;
}

/** A message published to a topic: the gateway's `data` envelope, typed by topic. */
export type DataMessage<Topics extends TopicMap, T extends TopicName<Topics> = TopicName<Topics>> = {
  [K in T]: EnvelopeMeta & { kind: "data"; topic: K; data: Topics[K] };
}[T];

/** The status a run reports. */
export type RunStatus = "started" | "completed" | "failed" | "cancelled";

/** A run lifecycle update, the data of a `run` message. */
export interface RunUpdate {
  status: RunStatus;
  /** The output of a completed run. */
  output?: unknown;
  /** Why a run failed. */
  error?: string;
}

/** A run lifecycle message (kind `run`, on the reserved topic `run`): every subscriber of
 * the channel gets these, whatever its topics. */
export type RunMessage = EnvelopeMeta & { kind: "run"; topic: "run"; data: RunUpdate };

/** A data stream on a topic: one item when it starts (or, for a subscription that joins
 * mid-stream, at its first chunk: then `partial` is true), holding the stream of its
 * chunks. `id` and `created_at` are those of the envelope that announced it. */
export type DataStreamMessage<Topics extends TopicMap, T extends TopicName<Topics> = TopicName<Topics>> = {
  [K in T]: EnvelopeMeta & {
    kind: "datastream";
    topic: K;
    stream_id: string;
    /** Whether the start was missed: the stream holds only the chunks from here on. */
    partial: boolean;
    /** The chunks, each a payload of the topic, until the stream's end. */
    stream: DataStream<Topics[K]>;
  };
}[T];

/** Why messages were lost. */
export type GapCause = "history_expired" | "lagged" | "backend_interrupted";

/** The gateway could not deliver every message (the resume point is older than the
 * channel's history, the subscriber fell too far behind, the backend was away). What
 * history still holds follows, then live messages. Open data streams end with an
 * `interrupted` error. */
export interface ContinuityLost {
  kind: "continuity_lost";
  channel: string;
  cause: GapCause;
  /** The last message id seen before the gap, when known. */
  last_seen: string | null;
  /** How many messages were missed, when known. */
  missed: number | null;
}

/** The state of the connection. */
export type ConnectionStatus = "connecting" | "open" | "reconnecting" | "closed";

/** The connection's state changed. `reconnecting` carries the attempt number (from 1,
 * starting over after each successful connection) and the wait before it. */
export interface StatusChange {
  kind: "status";
  status: ConnectionStatus;
  /** For `reconnecting`: the number of the next attempt. */
  attempt?: number;
  /** For `reconnecting`: how long the subscription waits before it. */
  delayMs?: number;
}

/** Where an error comes from. */
export type ErrorSource =
  /** The token function threw or gave no string. */
  | "token"
  /** Connecting failed: the gateway refused (`status`, and its `code`), or was unreachable. */
  | "connect"
  /** An open connection was lost (`connection_lost`, `server_closing`, `idle_timeout`). */
  | "connection"
  /** The gateway reported a problem with a message (e.g. `schema_violation`). */
  | "gateway"
  /** A frame could not be understood. */
  | "decode";

/** An error, as an item: the subscription goes on (reconnecting, for `token`, `connect`
 * and `connection` errors) until it is closed. */
export interface ErrorItem {
  kind: "error";
  source: ErrorSource;
  /** A stable code: the gateway's (`token_expired`, `token_bad_signature`, ...) or the
   * client's (`network`, `connect_timeout`, `connection_lost`, ...). */
  code: string;
  message: string;
  /** The HTTP status of a refusal. */
  status?: number;
  /** The topic a gateway error is about. */
  topic?: string;
  /** The message id a gateway error is about. */
  id?: string;
}

/** Everything a subscription yields. Narrow on `kind`, then on `topic`. */
export type Item<Topics extends TopicMap, T extends TopicName<Topics> = TopicName<Topics>> =
  | DataMessage<Topics, T>
  | RunMessage
  | DataStreamMessage<Topics, T>
  | ContinuityLost
  | StatusChange
  | ErrorItem;

/** The part of the standard `WebSocket` this client uses; the browser's, Node 22's and
 * the `ws` package's all fit. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  close(code?: number, reason?: string): void;
  send(data: string): void;
}

/** A `WebSocket` constructor. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** A `fetch` function. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Where tokens come from: a token, or a function asked before every connection (so an
 * expiring token is refreshed on reconnect) and, over WebSocket, when the gateway says the
 * session is expiring (the fresh token is sent in band, keeping the connection open);
 * typically a call to your backend. */
export type TokenSource = string | (() => string | Promise<string>);

export interface SubscribeOptions<Topics extends TopicMap, T extends TopicName<Topics>> {
  /** The gateway's base URL, `http(s)://host[:port][/prefix]`. */
  url: string;
  /** The concrete channel name, e.g. `pipeline:abc123`; the token must be for it. */
  channel: string;
  /** The topics to receive (at least one); run messages come whatever the topics. */
  topics: readonly T[];
  /** A subscription token, or a function giving a fresh one for each connection and each
   * in-band refresh of a WebSocket's session. */
  token: TokenSource;
  /** `websocket` (the default) or `sse`. */
  transport?: "websocket" | "sse";
  /** Start after this message id (resume); later connections resume after the last id seen. */
  since?: string;
  /** The WebSocket constructor; defaults to `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** The fetch function for SSE; defaults to `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Reconnection waits: attempt n waits a random time between 0 and
   * `min(maxMs, initialMs × 2^(n-1))`. Defaults: 100 ms and 10 s. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Closes the subscription when aborted. */
  signal?: AbortSignal;
  /** Callback form: every item is given to this function as it arrives, and the
   * subscription is not iterable. */
  onItem?: (item: Item<Topics, T>) => void;
  /** How long opening a connection may take (after the token is given). Default 10 s. */
  connectTimeoutMs?: number;
  /** SSE only: an open stream that receives nothing (the gateway sends a keepalive every
   * 15 s by default) for this long is reconnected. Default 45 s; 0 turns it off. */
  idleTimeoutMs?: number;
  /** A data stream that receives no chunk for this long ends with `idle_timeout` (a writer
   * that died sends no end). Default 5 minutes; 0 turns it off. */
  streamIdleTimeoutMs?: number;
}
