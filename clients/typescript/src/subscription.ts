import { type Backoff, DEFAULT_BACKOFF, backoffDelay } from "./backoff.js";
import { type Connection, type EndReason, openSse, openWebSocket, probeSse } from "./connection.js";
import { DataStreamController } from "./datastream.js";
import { AsyncQueue } from "./queue.js";
import type {
  ConnectionStatus,
  ErrorItem,
  FetchLike,
  Item,
  SubscribeOptions,
  TopicMap,
  TopicName,
  WebSocketConstructor,
} from "./types.js";
import { type Frame, type WireEnvelope, compareIds } from "./wire.js";

/** A live subscription to one channel's topics, across reconnections.
 *
 * Read it with `for await (const item of subscription)` (leaving the loop closes it), or
 * pass `onItem` to `subscribe` to get each item in a callback instead. It ends after
 * `close()` or when its `signal` aborts, with a final `{ kind: "status", status: "closed" }`. */
export interface Subscription<Topics extends TopicMap, T extends TopicName<Topics> = TopicName<Topics>>
  extends AsyncIterable<Item<Topics, T>> {
  readonly channel: string;
  readonly topics: readonly T[];
  /** The connection's state now. */
  readonly status: ConnectionStatus;
  /** The id of the last message received, or of the `position` the gateway confirmed when
   * the subscription (re)started if that is later: the next connection resumes after it, so
   * a drop before the first message loses nothing. */
  readonly lastId: string | undefined;
  /** How many connections have opened (1 once subscribed, one more per reconnection). */
  readonly connections: number;
  /** Resolves once the subscription is closed. Never rejects. */
  readonly closed: Promise<void>;
  /** Closes the connection and ends the subscription (and its open data streams, with a
   * `closed` error). Idempotent. */
  close(): void;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_IDLE_TIMEOUT_MS = 45_000;
const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 5 * 60_000;

function endpoint(base: string, path: string): URL {
  const url = new URL(base);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`the gateway URL must be http(s), not \`${base}\``);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/${path}`;
  url.search = "";
  url.hash = "";
  return url;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class SubscriptionImpl<Topics extends TopicMap, T extends TopicName<Topics>> implements Subscription<Topics, T> {
  readonly channel: string;
  readonly topics: readonly T[];
  status: ConnectionStatus = "connecting";
  lastId: string | undefined;
  connections = 0;
  readonly closed: Promise<void>;

  private readonly topicSet: ReadonlySet<string>;
  private readonly queue: AsyncQueue<Item<Topics, T>> | undefined;
  private readonly onItem: ((item: Item<Topics, T>) => void) | undefined;
  private readonly backoff: Backoff;
  private readonly streams = new Map<string, DataStreamController<unknown>>();
  private iterated = false;
  private isClosed = false;
  private resolveClosed!: () => void;
  private connection: Connection | undefined;
  private wake: (() => void) | undefined;
  private readonly detachSignal: () => void;

  constructor(private readonly opts: SubscribeOptions<Topics, T>) {
    if (!opts.topics || opts.topics.length === 0) throw new TypeError("a subscription needs at least one topic");
    if (typeof opts.channel !== "string" || opts.channel === "") throw new TypeError("a subscription needs a channel");
    if (typeof opts.token !== "string" && typeof opts.token !== "function") {
      throw new TypeError("`token` must be a string or a function returning one");
    }
    endpoint(opts.url, ""); // throws a TypeError now for a URL that cannot work
    this.channel = opts.channel;
    this.topics = [...opts.topics];
    this.topicSet = new Set<string>(opts.topics);
    this.lastId = opts.since;
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.onItem = opts.onItem;
    if (!this.onItem) {
      const queue = new AsyncQueue<Item<Topics, T>>();
      queue.onReturn = () => this.close();
      this.queue = queue;
    }
    if (opts.transport === "sse") {
      if (!this.fetchFn()) throw new TypeError("SSE needs `fetch`: pass `fetch` or use a runtime that has it");
    } else if (opts.transport === undefined || opts.transport === "websocket") {
      if (!this.wsCtor()) {
        throw new TypeError("no WebSocket implementation: pass `WebSocket` (e.g. from the `ws` package) or use `transport: \"sse\"`");
      }
    } else {
      throw new TypeError(`unknown transport \`${String(opts.transport)}\``);
    }
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const signal = opts.signal;
    const onAbort = (): void => this.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    this.detachSignal = () => signal?.removeEventListener("abort", onAbort);
    if (signal?.aborted) {
      queueMicrotask(() => this.close());
    } else {
      void this.run();
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Item<Topics, T>> {
    if (!this.queue) throw new TypeError("a subscription with `onItem` is read through its callback, not iterated");
    if (this.iterated) throw new TypeError("a subscription can be iterated once");
    this.iterated = true;
    return this.queue;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.detachSignal();
    this.connection?.close();
    this.connection = undefined;
    this.wake?.();
    for (const stream of this.streams.values()) stream.fail("closed", "the subscription was closed");
    this.streams.clear();
    this.setStatus("closed");
    this.queue?.end();
    this.resolveClosed();
  }

  private wsCtor(): WebSocketConstructor | undefined {
    return this.opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  }

  private fetchFn(): FetchLike | undefined {
    const f = this.opts.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    return f && (this.opts.fetch ? f : f.bind(globalThis));
  }

  private emit(item: Item<Topics, T>): void {
    if (this.queue) {
      this.queue.push(item);
      return;
    }
    try {
      this.onItem?.(item);
    } catch (error) {
      // A throwing callback must not stop the subscription; report it as the platform does.
      const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
      if (report) report(error);
      else console.error("realtime: the onItem callback threw", error);
    }
  }

  private setStatus(status: ConnectionStatus, extra: { attempt?: number; delayMs?: number } = {}): void {
    this.status = status;
    this.emit({ kind: "status", status, ...extra });
  }

  private error(reason: Omit<ErrorItem, "kind">): void {
    this.emit({ kind: "error", ...reason });
  }

  /** Connects, and reconnects after each loss, until closed. */
  private async run(): Promise<void> {
    try {
      this.setStatus("connecting");
      let failures = 0;
      while (!this.isClosed) {
        if (failures > 0) {
          const delayMs = Math.round(backoffDelay(this.backoff, failures));
          this.setStatus("reconnecting", { attempt: failures, delayMs });
          await this.sleep(delayMs);
          if (this.isClosed) break;
        }
        const opened = await this.connectOnce();
        failures = opened ? 1 : failures + 1;
      }
    } catch (error) {
      this.error({ source: "connection", code: "internal", message: errorMessage(error) });
      this.close();
    }
  }

  /** One connection, from asking for a token to its end; whether it opened. */
  private async connectOnce(): Promise<boolean> {
    const timeoutMs = this.opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    let token: string;
    try {
      const source = this.opts.token;
      const given = typeof source === "string" ? source : await source();
      if (typeof given !== "string" || given === "") throw new TypeError("the token function gave no token");
      token = given;
    } catch (error) {
      if (!this.isClosed) this.error({ source: "token", code: "token_source_failed", message: errorMessage(error) });
      return false;
    }
    if (this.isClosed) return false;
    let opened = false;
    const events = {
      open: () => {
        opened = true;
        this.connections++;
        this.setStatus("open");
      },
      frame: (frame: Frame) => this.frame(frame),
    };
    const since = this.lastId;
    const sseUrl = endpoint(this.opts.url, "v1/realtime/sse");
    if (since !== undefined) sseUrl.searchParams.set("since", since);
    const fetchFn = this.fetchFn();
    if (this.opts.transport === "sse" && fetchFn) {
      this.connection = openSse(fetchFn, sseUrl.href, token, events, timeoutMs, this.opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    } else {
      const wsUrl = endpoint(this.opts.url, "v1/realtime/connect");
      wsUrl.protocol = wsUrl.protocol === "https:" ? "wss:" : "ws:";
      wsUrl.searchParams.set("token", token);
      if (since !== undefined) wsUrl.searchParams.set("since", since);
      const diagnose = async (): Promise<EndReason | undefined> =>
        fetchFn && !this.isClosed ? probeSse(fetchFn, sseUrl.href, token, timeoutMs) : undefined;
      this.connection = openWebSocket(this.wsCtor() as WebSocketConstructor, wsUrl.href, events, timeoutMs, diagnose);
    }
    const reason = await this.connection.ended;
    this.connection = undefined;
    if (reason && !this.isClosed) this.error(reason);
    return opened;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).then(() => {
      this.wake = undefined;
    });
  }

  /** What a frame from the gateway becomes. */
  private frame(frame: Frame): void {
    if (this.isClosed) return;
    switch (frame.type) {
      case "envelope":
        this.envelope(frame.envelope);
        return;
      case "position":
        // Confirmed before any message: a drop from now on resumes after it (or after
        // the last message, if that is later).
        if (frame.channel === this.channel && this.isLater(frame.id)) this.lastId = frame.id;
        return;
      case "continuity_lost":
        for (const stream of this.streams.values()) {
          stream.fail("interrupted", "messages of the channel were lost");
        }
        this.streams.clear();
        this.emit(frame.gap);
        return;
      case "error": {
        if (frame.topic !== undefined && !this.topicSet.has(frame.topic)) return;
        const { type: _type, ...rest } = frame;
        this.error({ source: "gateway", ...rest });
        return;
      }
      case "malformed":
        this.error({ source: "decode", code: "malformed", message: frame.reason });
        return;
      case "session_expiring":
        // Over WebSocket the session is extended in band with a fresh token; over SSE the
        // gateway ends the stream with `closing` and the reconnection takes a fresh token.
        if (this.opts.transport !== "sse") void this.refresh();
        return;
      case "closing":
      case "ignored":
        return;
    }
  }

  /** Sends `{"kind": "refresh", "data": <fresh token>}` on the open WebSocket. A fixed
   * token cannot be refreshed: the session then ends on time and the subscription
   * reconnects (with the same token, which the gateway refuses once it has expired). */
  private async refresh(): Promise<void> {
    const source = this.opts.token;
    if (typeof source === "string") return;
    const connection = this.connection;
    let token: string;
    try {
      const given = await source();
      if (typeof given !== "string" || given === "") throw new TypeError("the token function gave no token");
      token = given;
    } catch (error) {
      if (!this.isClosed) this.error({ source: "token", code: "token_source_failed", message: errorMessage(error) });
      return;
    }
    if (this.isClosed || this.connection !== connection) return;
    connection?.send(JSON.stringify({ kind: "refresh", data: token }));
  }

  /** Whether `id` is past the resume point (or there is none yet). */
  private isLater(id: string): boolean {
    if (this.lastId === undefined) return true;
    const order = compareIds(id, this.lastId);
    return order !== undefined && order > 0;
  }

  private envelope(env: WireEnvelope): void {
    if (env.channel !== this.channel) return;
    // Dedupe at the seam of a reconnection: ids increase within a channel.
    if (this.lastId !== undefined) {
      const order = compareIds(env.id, this.lastId);
      if (order !== undefined && order <= 0) return;
    }
    this.lastId = env.id;
    const meta = {
      id: env.id,
      channel: env.channel,
      created_at: env.created_at,
      ...(env.run_id !== undefined ? { run_id: env.run_id } : {}),
      ...(env.fn_id !== undefined ? { fn_id: env.fn_id } : {}),
    };
    if (env.kind === "run") {
      this.emit({ ...meta, kind: "run", topic: "run", data: env.data as never });
      return;
    }
    if (!this.topicSet.has(env.topic)) return;
    const topic = env.topic as T;
    if (env.kind === "data") {
      this.emit({ ...meta, kind: "data", topic, data: env.data } as Item<Topics, T>);
      return;
    }
    // A data stream's envelope.
    // The start and the end carry the stream id as their data too (as on the reference server).
    const streamId = env.stream_id ?? (env.kind !== "chunk" && typeof env.data === "string" ? env.data : undefined);
    if (streamId === undefined) {
      this.error({ source: "decode", code: "malformed", message: `a \`${env.kind}\` envelope without a stream id`, id: env.id });
      return;
    }
    let stream = this.streams.get(streamId);
    if (!stream && env.kind !== "datastream-end") {
      stream = new DataStreamController<unknown>(
        streamId,
        topic,
        this.opts.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
        (idle) => {
          if (this.streams.get(idle.id) === idle) this.streams.delete(idle.id);
          idle.fail("idle_timeout", "no chunk arrived for the stream idle timeout");
        },
      );
      this.streams.set(streamId, stream);
      this.emit({
        ...meta,
        kind: "datastream",
        topic,
        stream_id: streamId,
        partial: env.kind !== "datastream-start",
        stream,
      } as Item<Topics, T>);
    }
    if (!stream) return; // the end of a stream whose start and chunks came before this subscription
    if (env.kind === "chunk") {
      stream.push(env.data);
    } else if (env.kind === "datastream-end") {
      this.streams.delete(streamId);
      // How it ended is in `stream_end` (an end without one, as a reference server's, just
      // ends the stream); the wire before it put it in `data`, as history may still hold.
      const legacy = typeof env.data === "object" && env.data !== null ? (env.data as { status?: unknown; error?: unknown }) : {};
      const end: { status?: unknown; error?: unknown } = env.stream_end ?? legacy;
      if (end.status === "aborted") {
        stream.fail("aborted", typeof end.error === "string" ? end.error : "the writer aborted the stream");
      } else {
        stream.end();
      }
    }
  }
}
