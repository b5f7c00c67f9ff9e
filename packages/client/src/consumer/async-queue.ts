// A bounded queue: writers wait while it is full, readers wait (in order) while it is empty.
import type { DanubeError } from "../errors.ts";

/** Bounded async FIFO with backpressure on `push`. */
export class AsyncQueue<T> {
  readonly #capacity: number;
  readonly #items: T[] = [];
  readonly #readers: Array<(result: IteratorResult<T, undefined>) => void> = [];
  readonly #writers: Array<() => void> = [];
  #closed = false;
  readonly #onTake: ((item: T) => void) | undefined;

  /** `onTake` is called with each item as a reader takes it. */
  constructor(capacity: number, onTake?: (item: T) => void) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be an integer >= 1");
    this.#capacity = capacity;
    this.#onTake = onTake;
  }

  /** Items buffered now. */
  get size(): number {
    return this.#items.length;
  }

  /** Writers waiting for room. */
  get waitingWriters(): number {
    return this.#writers.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Adds an item, waiting while the queue is full. Resolves true once the item is queued or
   * handed to a reader, false if the queue was closed (the item is dropped).
   */
  async push(item: T): Promise<boolean> {
    while (!this.#closed && this.#readers.length === 0 && this.#items.length >= this.#capacity) {
      await new Promise<void>((resolve) => this.#writers.push(resolve));
    }
    if (this.#closed) return false;
    const reader = this.#readers.shift();
    if (reader !== undefined) {
      this.#onTake?.(item);
      reader({ value: item, done: false });
    } else {
      this.#items.push(item);
    }
    return true;
  }

  /**
   * Adds an item without waiting: true once it is queued or handed to a reader, false when the
   * queue is full (nothing done: use `push`) or closed (dropped; `closed` tells which).
   */
  offer(item: T): boolean {
    if (this.#closed) return false;
    if (this.#readers.length > 0) {
      this.#onTake?.(item);
      this.#readers.shift()!({ value: item, done: false });
      return true;
    }
    if (this.#items.length >= this.#capacity || this.#writers.length > 0) return false;
    this.#items.push(item);
    return true;
  }

  /** The next item; `done` once the queue is closed. */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#items.length > 0) {
      const value = this.#items.shift() as T;
      this.#onTake?.(value);
      this.#wakeWriter();
      return Promise.resolve({ value, done: false });
    }
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#readers.push(resolve);
      this.#wakeWriter();
    });
  }

  /**
   * Like `next()`, but gives up when `watch` reports a stop (timeout, abort). The wait is
   * withdrawn atomically: an item handed over before the stop is returned, never dropped.
   * `watch` registers the stop listener and returns its disposer.
   */
  take(watch: (stop: (error: DanubeError) => void) => () => void): Promise<IteratorResult<T, undefined>> {
    if (this.#items.length > 0 || this.#closed) return this.next();
    return new Promise((resolve, reject) => {
      const reader = (result: IteratorResult<T, undefined>): void => {
        dispose();
        resolve(result);
      };
      const dispose = watch((error) => {
        const index = this.#readers.indexOf(reader);
        if (index < 0) return; // already served
        this.#readers.splice(index, 1);
        reject(error);
      });
      this.#readers.push(reader);
      this.#wakeWriter();
    });
  }

  /** Readers waiting for an item. */
  get waitingReaders(): number {
    return this.#readers.length;
  }

  /** Ends the queue: buffered items are dropped, waiting readers get `done`, writers get false. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#items.length = 0;
    for (const reader of this.#readers.splice(0)) reader({ value: undefined, done: true });
    for (const writer of this.#writers.splice(0)) writer();
  }

  #wakeWriter(): void {
    this.#writers.shift()?.();
  }
}
