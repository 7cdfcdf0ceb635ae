/** An unbounded single-consumer queue read as an async iterator: `push` never waits,
 * `next` waits for the next item, the end, or the error. */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private finished = false;
  private failure: { error: unknown } | undefined;

  /** Called once when the consumer stops early (`break` out of `for await`). */
  onReturn: (() => void) | undefined;

  get ended(): boolean {
    return this.finished;
  }

  push(item: T): void {
    if (this.finished) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  /** Ends the queue after the items already in it. */
  end(): void {
    if (this.finished) return;
    this.finished = true;
    this.settleWaiter();
  }

  /** Ends the queue with an error, thrown by `next` after the items already in it. */
  fail(error: unknown): void {
    if (this.finished) return;
    this.failure = { error };
    this.finished = true;
    this.settleWaiter();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head] as T;
      this.items[this.head] = undefined as T;
      this.head++;
      if (this.head === this.items.length) {
        this.items = [];
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.finished) return this.finish();
    if (this.waiter) return Promise.reject(new TypeError("only one `next()` may wait at a time"));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    const onReturn = this.onReturn;
    this.onReturn = undefined;
    this.items = [];
    this.head = 0;
    this.failure = undefined;
    this.end();
    onReturn?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private finish(): Promise<IteratorResult<T>> {
    const failure = this.failure;
    if (failure) {
      this.failure = undefined;
      return Promise.reject(failure.error);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  private settleWaiter(): void {
    const waiter = this.waiter;
    if (!waiter || this.head < this.items.length) return;
    this.waiter = undefined;
    this.finish().then(waiter.resolve, waiter.reject);
  }
}
