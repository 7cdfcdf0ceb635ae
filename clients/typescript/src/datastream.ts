import { AsyncQueue } from "./queue.js";

/** Why a data stream ended without its `finished` end. */
export type DataStreamErrorCode =
  /** The writer aborted the stream (`reason` is its reason). */
  | "aborted"
  /** Messages of the channel were lost (`continuity_lost`): the stream cannot be trusted. */
  | "interrupted"
  /** No chunk arrived for the stream idle timeout (a writer that died sends no end). */
  | "idle_timeout"
  /** The subscription was closed before the stream ended. */
  | "closed";

/** Thrown by a {@link DataStream}'s iterator when the stream does not end well. */
export class DataStreamError extends Error {
  override readonly name = "DataStreamError";
  constructor(
    readonly code: DataStreamErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The chunks of one data stream, each a payload of the topic, in order. Iterate it once
 * (`for await (const chunk of stream)`); the iteration ends at the stream's end, or throws
 * a {@link DataStreamError}. It fills whether or not the subscription is being read. */
export interface DataStream<C> extends AsyncIterable<C> {
  /** The stream's id. */
  readonly id: string;
  /** The topic it is on. */
  readonly topic: string;
  /** Whether it has ended (well or not). */
  readonly ended: boolean;
}

/** What the subscription holds of an open stream. */
export class DataStreamController<C> implements DataStream<C> {
  private readonly queue = new AsyncQueue<C>();
  private taken = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  chunks = 0;

  constructor(
    readonly id: string,
    readonly topic: string,
    private readonly idleMs: number,
    private readonly onIdle: (stream: DataStreamController<C>) => void,
  ) {
    this.arm();
  }

  get ended(): boolean {
    return this.queue.ended;
  }

  push(chunk: C): void {
    this.chunks++;
    this.queue.push(chunk);
    this.arm();
  }

  end(): void {
    this.disarm();
    this.queue.end();
  }

  fail(code: DataStreamErrorCode, message: string): void {
    this.disarm();
    this.queue.fail(new DataStreamError(code, message));
  }

  [Symbol.asyncIterator](): AsyncIterator<C> {
    if (this.taken) throw new TypeError("a DataStream can be iterated once");
    this.taken = true;
    return this.queue;
  }

  private arm(): void {
    this.disarm();
    if (this.idleMs <= 0) return;
    const timer = setTimeout(() => this.onIdle(this), this.idleMs);
    // Never keep a Node process alive for a stream nobody finishes.
    (timer as { unref?: () => void }).unref?.();
    this.timer = timer;
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
