/**
 * An incremental parser of the Server-Sent Events wire format, as the HTML standard's
 * "event stream interpretation" describes it.
 *
 * Lines end with CRLF, LF or CR (a CRLF split across two chunks counts once); a line
 * starting with `:` is a comment; `field: value` loses one space after the colon; a line
 * without a colon is a field with an empty value; `data` lines are joined with LF; a blank
 * line dispatches the event, unless no `data` line came; `id` is remembered across events
 * (the last event id) and ignored when it holds NUL; `retry` is taken only when it is all
 * ASCII digits; other fields are ignored; a leading byte order mark is skipped. Text may
 * arrive in chunks of any size, split anywhere. An event not ended by a blank line when
 * the stream ends is never dispatched.
 *
 * It takes text: decode the bytes with a streaming `TextDecoder` (UTF-8, the only encoding
 * of an event stream) before pushing them, as {@link SseDecoder} does.
 */

/** One dispatched event. */
export interface SseEvent {
  /** The `event:` field, or `"message"` when none was given. */
  event: string;
  /** The `data:` lines, joined with LF. */
  data: string;
  /** The last event id at dispatch (`""` when none was ever set, or it was reset). */
  lastEventId: string;
}

export class SseParser {
  private pending = "";
  private afterCr = false;
  private started = false;
  private eventType = "";
  private dataBuf = "";
  private hasData = false;
  private lastId = "";
  private retryMs: number | undefined;

  /** The reconnection time the server last asked for with `retry:`, in milliseconds. */
  get retry(): number | undefined {
    return this.retryMs;
  }

  /** The last event id seen so far. */
  get lastEventId(): string {
    return this.lastId;
  }

  /** How many characters are held: an unfinished line and an unfinished event's data. */
  get buffered(): number {
    return this.pending.length + this.dataBuf.length;
  }

  /** Adds received text; returns the events it completes, in order. */
  push(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    let chunk = text;
    if (this.afterCr && chunk.length > 0) {
      this.afterCr = false;
      if (chunk.charCodeAt(0) === 10 /* \n */) chunk = chunk.slice(1);
    }
    if (!this.started) {
      if (this.pending.length + chunk.length === 0) return events;
      chunk = this.pending + chunk;
      this.pending = "";
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    // Only the new text is scanned: what is pending holds no line end.
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      let line = chunk.slice(start, i);
      if (this.pending.length > 0) {
        line = this.pending + line;
        this.pending = "";
      }
      const event = this.line(line);
      if (event) events.push(event);
      if (c === 13) {
        if (i + 1 < chunk.length) {
          if (chunk.charCodeAt(i + 1) === 10) i++;
        } else {
          this.afterCr = true;
        }
      }
      start = i + 1;
    }
    if (start < chunk.length) this.pending += chunk.slice(start);
    return events;
  }

  /** Applies one line; a blank line may dispatch an event. */
  private line(line: string): SseEvent | undefined {
    if (line.length === 0) return this.dispatch();
    if (line.charCodeAt(0) === 58 /* : */) return undefined;
    const colon = line.indexOf(":");
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = "";
    } else {
      field = line.slice(0, colon);
      value = line.slice(colon + 1);
      if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1);
    }
    switch (field) {
      case "event":
        this.eventType = value;
        break;
      case "data":
        this.dataBuf += value + "\n";
        this.hasData = true;
        break;
      case "id":
        if (!value.includes("\0")) this.lastId = value;
        break;
      case "retry":
        if (/^[0-9]+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break;
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const eventType = this.eventType;
    this.eventType = "";
    if (!this.hasData) {
      this.dataBuf = "";
      return undefined;
    }
    const data = this.dataBuf.endsWith("\n") ? this.dataBuf.slice(0, -1) : this.dataBuf;
    this.dataBuf = "";
    this.hasData = false;
    return { event: eventType === "" ? "message" : eventType, data, lastEventId: this.lastId };
  }
}

/** An {@link SseParser} fed with bytes: UTF-8 decoded as a stream, so a character split
 * across chunks is decoded whole (invalid bytes become U+FFFD). */
export class SseDecoder {
  readonly parser = new SseParser();
  private readonly decoder = new TextDecoder("utf-8");

  push(bytes: Uint8Array): SseEvent[] {
    return this.parser.push(this.decoder.decode(bytes, { stream: true }));
  }
}
