/** One connection to the gateway, over WebSocket or SSE: it reports when it opens, passes
 * on each frame, and settles `ended` once with why it ended (`null` when closed by us). */
import { SseDecoder } from "./sse-parser.js";
import type { ErrorItem, FetchLike, WebSocketConstructor, WebSocketLike } from "./types.js";
import { type Frame, fromSseEvent, fromWsText, rejection } from "./wire.js";

export type EndReason = Omit<ErrorItem, "kind"> | null;

export interface ConnectionEvents {
  open(): void;
  frame(frame: Frame): void;
}

export interface Connection {
  readonly ended: Promise<EndReason>;
  close(): void;
  /** Sends a text frame (WebSocket); an SSE connection has no way back and drops it. */
  send(text: string): void;
}

/** The most an unfinished line or event may hold before the connection is dropped. */
const MAX_EVENT_CHARS = 64 << 20;

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}

function settler(): { ended: Promise<EndReason>; settle: (reason: EndReason) => void; readonly done: boolean } {
  let resolve!: (reason: EndReason) => void;
  const ended = new Promise<EndReason>((r) => (resolve = r));
  const state = {
    ended,
    done: false,
    settle(reason: EndReason) {
      if (state.done) return;
      state.done = true;
      resolve(reason);
    },
  };
  return state;
}

function timeout(ms: number, fire: () => void): ReturnType<typeof setTimeout> | undefined {
  return ms > 0 ? setTimeout(fire, ms) : undefined;
}

const noop = (): void => {};

/** Opens a WebSocket to `url`. A handshake the gateway refuses is reported with its status
 * and code when `diagnose` can tell them (a browser's WebSocket cannot). */
export function openWebSocket(
  Ctor: WebSocketConstructor,
  url: string,
  events: ConnectionEvents,
  connectTimeoutMs: number,
  diagnose: () => Promise<EndReason | undefined>,
): Connection {
  const s = settler();
  let ws: WebSocketLike | undefined;
  let opened = false;
  let closing: string | undefined | null = null;
  let lastError = "";
  const timer = timeout(connectTimeoutMs, () =>
    finish({ source: "connect", code: "connect_timeout", message: `connecting took longer than ${connectTimeoutMs} ms` }),
  );
  const finish = (reason: EndReason): void => {
    if (s.done) return;
    if (timer !== undefined) clearTimeout(timer);
    s.settle(reason);
    if (ws) {
      // No-ops, not null: the `ws` package throws an `error` event nobody listens to.
      ws.onopen = noop;
      ws.onmessage = noop;
      ws.onerror = noop;
      ws.onclose = noop;
      try {
        ws.close(1000);
      } catch {
        // already closed
      }
    }
  };
  const send = (text: string): void => {
    if (s.done || !opened) return;
    try {
      ws?.send(text);
    } catch {
      // closing: the end is reported by `onclose`
    }
  };
  try {
    ws = new Ctor(url);
  } catch (error) {
    finish({ source: "connect", code: "network", message: errorText(error) });
    return { ended: s.ended, close: () => finish(null), send };
  }
  ws.onopen = () => {
    opened = true;
    if (timer !== undefined) clearTimeout(timer);
    events.open();
  };
  ws.onmessage = (event: { data?: unknown }) => {
    const data = event.data;
    const text =
      typeof data === "string"
        ? data
        : data instanceof ArrayBuffer || ArrayBuffer.isView(data)
          ? new TextDecoder().decode(data as ArrayBuffer)
          : String(data);
    const frame = fromWsText(text);
    if (frame.type === "closing") closing = frame.reason;
    else if (frame.type !== "ignored") events.frame(frame);
  };
  ws.onerror = (event: { message?: unknown; error?: unknown }) => {
    const message = event?.message ?? (event?.error instanceof Error ? event.error.message : undefined);
    if (typeof message === "string") lastError = message;
  };
  ws.onclose = (event: { code?: number; reason?: string }) => {
    if (s.done) return;
    if (!opened) {
      const status = /\b([1-5]\d\d)\b/.exec(lastError)?.[1];
      const generic: EndReason = {
        source: "connect",
        code: status ? "rejected" : "network",
        message: lastError || "the WebSocket connection failed",
        ...(status ? { status: Number(status) } : {}),
      };
      diagnose().then(
        (found) => finish(found ?? generic),
        () => finish(generic),
      );
      return;
    }
    if (closing !== null) {
      finish({ source: "connection", code: "server_closing", message: closing ?? "the gateway is shutting down" });
      return;
    }
    const detail = `${event?.code ?? ""}${event?.reason ? `: ${event.reason}` : ""}`;
    finish({ source: "connection", code: "connection_lost", message: `the WebSocket closed (${detail})` });
  };
  return { ended: s.ended, close: () => finish(null), send };
}

/** Opens an SSE subscription with `fetch`, the token in an `Authorization` header. */
export function openSse(
  fetchFn: FetchLike,
  url: string,
  token: string,
  events: ConnectionEvents,
  connectTimeoutMs: number,
  idleTimeoutMs: number,
): Connection {
  const s = settler();
  const controller = new AbortController();
  let idle: ReturnType<typeof setTimeout> | undefined;
  const timer = timeout(connectTimeoutMs, () =>
    finish({ source: "connect", code: "connect_timeout", message: `connecting took longer than ${connectTimeoutMs} ms` }),
  );
  const finish = (reason: EndReason): void => {
    if (s.done) return;
    if (timer !== undefined) clearTimeout(timer);
    if (idle !== undefined) clearTimeout(idle);
    s.settle(reason);
    controller.abort();
  };
  const armIdle = (): void => {
    if (idle !== undefined) clearTimeout(idle);
    idle = timeout(idleTimeoutMs, () =>
      finish({ source: "connection", code: "idle_timeout", message: `nothing arrived for ${idleTimeoutMs} ms` }),
    );
  };
  const run = async (): Promise<void> => {
    let response: Response;
    try {
      response = await fetchFn(url, {
        headers: { accept: "text/event-stream", authorization: `Bearer ${token}` },
        signal: controller.signal,
        cache: "no-store",
      });
    } catch (error) {
      finish({ source: "connect", code: "network", message: errorText(error) });
      return;
    }
    if (s.done) {
      response.body?.cancel().catch(noop);
      return;
    }
    if (!response.ok) {
      const body = await response.text().catch(() => "");
      finish({ source: "connect", status: response.status, ...rejection(response.status, response.statusText, body) });
      return;
    }
    const contentType = response.headers.get("content-type") ?? "";
    if (!contentType.startsWith("text/event-stream") || !response.body) {
      response.body?.cancel().catch(noop);
      finish({ source: "connect", code: "protocol", message: `expected a \`text/event-stream\` answer, got \`${contentType}\`` });
      return;
    }
    if (timer !== undefined) clearTimeout(timer);
    const reader = response.body.getReader();
    const decoder = new SseDecoder();
    let closing: string | undefined | null = null;
    events.open();
    armIdle();
    for (;;) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (error) {
        finish({ source: "connection", code: "connection_lost", message: errorText(error) });
        return;
      }
      if (s.done) return;
      if (read.done) {
        finish(
          closing !== null
            ? { source: "connection", code: "server_closing", message: closing ?? "the gateway is shutting down" }
            : { source: "connection", code: "connection_lost", message: "the event stream ended" },
        );
        return;
      }
      armIdle();
      for (const event of decoder.push(read.value)) {
        const frame = fromSseEvent(event);
        if (frame.type === "closing") closing = frame.reason;
        else if (frame.type !== "ignored") events.frame(frame);
        if (s.done) return;
      }
      if (decoder.parser.buffered > MAX_EVENT_CHARS) {
        finish({ source: "connection", code: "protocol", message: `an event is longer than ${MAX_EVENT_CHARS} characters` });
        return;
      }
    }
  };
  run().catch((error: unknown) => finish({ source: "connection", code: "internal", message: errorText(error) }));
  return { ended: s.ended, close: () => finish(null), send: noop };
}

/** Asks the SSE route with `token` how the gateway answers it: its refusal (status and
 * code), `undefined` if it accepts, or a network error. Used to explain a WebSocket
 * handshake that failed, as a WebSocket cannot tell why. */
export async function probeSse(fetchFn: FetchLike, url: string, token: string, timeoutMs: number): Promise<EndReason | undefined> {
  const controller = new AbortController();
  const timer = timeout(timeoutMs, () => controller.abort());
  try {
    const response = await fetchFn(url, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${token}` },
      signal: controller.signal,
      cache: "no-store",
    });
    if (response.ok) {
      response.body?.cancel().catch(noop);
      return undefined;
    }
    const body = await response.text().catch(() => "");
    return { source: "connect", status: response.status, ...rejection(response.status, response.statusText, body) };
  } catch (error) {
    return { source: "connect", code: "network", message: errorText(error) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    controller.abort();
  }
}
