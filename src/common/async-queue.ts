// A push-to-pull bridge: producers push values synchronously, one consumer pulls them with
// `for await`. Used for event and log-line subscriptions so a subscriber sees everything from the
// moment it subscribed, in order, with a bounded buffer (a consumer that stops reading gets an
// error instead of growing memory without limit).

/** A bounded single-consumer queue that is also an AsyncIterableIterator. */
export class AsyncQueue<T> implements AsyncIterableIterator<T>, AsyncDisposable {
  readonly #buffer: T[] = [];
  #waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  #done = false;
  #error: unknown;
  readonly #maxBuffered: number;
  readonly #onClose: (() => void) | undefined;

  /**
   * @param options.maxBuffered values held for a slow consumer before the queue fails.
   * @param options.onClose called once when the queue ends for any reason (consumer break, end, error).
   */
  constructor(options: { maxBuffered?: number; onClose?: () => void } = {}) {
    this.#maxBuffered = options.maxBuffered ?? 100_000;
    this.#onClose = options.onClose;
  }

  /** True once ended (by the producer, an error, or the consumer). */
  get closed(): boolean {
    return this.#done;
  }

  push(value: T): void {
    if (this.#done) return;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w.resolve({ value, done: false });
      return;
    }
    if (this.#buffer.length >= this.#maxBuffered) {
      this.fail(new Error(`subscriber fell behind: more than ${this.#maxBuffered} values buffered`));
      return;
    }
    this.#buffer.push(value);
  }

  /** Ends the stream after the buffered values have been consumed. */
  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#onClose?.();
    if (this.#waiter && this.#buffer.length === 0) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
  }

  /** Ends the stream with an error, delivered after the buffered values. */
  fail(error: unknown): void {
    if (this.#done) return;
    this.#error = error;
    this.end();
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w.reject(error);
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#buffer.length > 0) return Promise.resolve({ value: this.#buffer.shift()!, done: false });
    if (this.#done) {
      if (this.#error !== undefined) {
        const e = this.#error;
        this.#error = undefined;
        return Promise.reject(e);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Called by `break` in `for await`: stop producing and drop what is buffered. */
  return(): Promise<IteratorResult<T>> {
    this.#buffer.length = 0;
    this.#error = undefined;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}
