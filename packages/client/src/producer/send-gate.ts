// Backpressure for one producer: at most `maxPendingSends` sends pending (queued or in flight);
// further sends wait in order for room (each within its own deadline and signal), or fail fast.
import { type DeadlineEntry, DeadlineQueue } from "../deadlines.ts";
import { cancelledError, deadlineError } from "../errors/status-map.ts";
import { type DanubeError, DanubeError as Err, ErrorCode } from "../errors.ts";
import { OnFull, type ResolvedPendingLimit } from "./pending-limit.ts";

/** A send waiting for room. */
interface Waiter<T> {
  readonly signal: AbortSignal | undefined;
  readonly start: () => Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
  readonly result: Promise<T>;
  deadline: DeadlineEntry | undefined;
  onAbort: (() => void) | undefined;
  /** Started, or failed while waiting. */
  done: boolean;
}

/**
 * Counts a producer's pending sends. A send is started at once while fewer than the bound are
 * pending and nobody waits; otherwise it waits in FIFO order and is started synchronously when an
 * earlier send settles, so `send()` order is kept. Waiting sends share one deadline timer.
 */
export class SendGate<T> {
  readonly #limit: ResolvedPendingLimit;
  readonly #deadlines = new DeadlineQueue();
  #pending = 0;
  /** FIFO of waiters; `#head` is the first live index (failed waiters are skipped lazily). */
  #waiters: Waiter<T>[] = [];
  #head = 0;
  #waiting = 0;

  constructor(limit: ResolvedPendingLimit) {
    this.#limit = limit;
  }

  /**
   * Runs `start` now if there is room, else waits for room until `deadline` (ms since the epoch)
   * or `signal` (or fails fast, per `onFull`).
   */
  run(signal: AbortSignal | undefined, deadline: number, start: () => Promise<T>): Promise<T> {
    if (this.#pending < this.#limit.maxPendingSends && this.#waiting === 0) return this.#start(start);
    if (this.#limit.onFull === OnFull.Fail) {
      return Promise.reject(
        new Err(
          ErrorCode.RESOURCE_EXHAUSTED,
          `send: ${this.#pending} sends pending, the producer's maxPendingSends (${this.#limit.maxPendingSends}) with onFull "fail"`,
        ),
      );
    }
    let resolve!: (value: T) => void;
    let reject!: (error: unknown) => void;
    const result = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const waiter: Waiter<T> = {
      signal,
      start,
      resolve,
      reject,
      result,
      deadline: undefined,
      onAbort: undefined,
      done: false,
    };
    waiter.deadline = this.#deadlines.add(deadline, () => this.#fail(waiter, deadlineError("send")));
    if (signal !== undefined) {
      waiter.onAbort = () => this.#fail(waiter, cancelledError("send", signal.reason));
      signal.addEventListener("abort", waiter.onAbort, { once: true });
    }
    this.#waiters.push(waiter);
    this.#waiting++;
    return result;
  }

  /** The results of the sends waiting now (for flush()). */
  waitingResults(): Promise<T>[] {
    const results: Promise<T>[] = [];
    for (let i = this.#head; i < this.#waiters.length; i++) {
      const w = this.#waiters[i]!;
      if (!w.done) results.push(w.result);
    }
    return results;
  }

  /** Fails every waiting send with an error of its own from `error()` (the producer closed). */
  close(error: () => DanubeError): void {
    for (let i = this.#head; i < this.#waiters.length; i++) {
      const w = this.#waiters[i]!;
      if (!w.done) this.#fail(w, error());
    }
    this.#waiters = [];
    this.#head = 0;
    this.#deadlines.clear();
  }

  #start(start: () => Promise<T>): Promise<T> {
    this.#pending++;
    let promise: Promise<T>;
    try {
      promise = start();
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(this.#release, this.#release);
    return promise;
  }

  readonly #release = (): void => {
    this.#pending--;
    while (this.#waiting > 0 && this.#pending < this.#limit.maxPendingSends) {
      const w = this.#waiters[this.#head++]!;
      if (w.done) continue;
      this.#finish(w);
      this.#start(w.start).then(w.resolve, w.reject);
    }
    this.#compact();
  };

  #fail(waiter: Waiter<T>, error: DanubeError): void {
    if (waiter.done) return;
    this.#finish(waiter);
    waiter.reject(error);
    this.#compact();
  }

  #finish(waiter: Waiter<T>): void {
    waiter.done = true;
    this.#waiting--;
    if (waiter.deadline !== undefined) this.#deadlines.remove(waiter.deadline);
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener("abort", waiter.onAbort);
  }

  /** Drops consumed entries once they make up half the array (amortised O(1)). */
  #compact(): void {
    if (this.#waiting === 0) {
      this.#waiters = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
      this.#waiters = this.#waiters.slice(this.#head);
      this.#head = 0;
    }
  }
}
