// Acknowledges messages without waiting for each ack, keeping at most `limit` acks in flight: a
// counter and one waiter, O(1) per message. One caller at a time (await each ack() before the next).

/** What the pipeline needs of a message. */
export interface Ackable {
  ack(): Promise<unknown>;
}

const settled: Promise<void> = Promise.resolve();

export class AckPipeline {
  readonly #limit: number;
  #inFlight = 0;
  /** Resolves the caller waiting in ack() (for room) or drain() (for none in flight). */
  #waiter: (() => void) | undefined;
  /** In flight the waiter waits for: below `limit` (ack) or 0 (drain). */
  #wakeBelow = 0;
  failures = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  readonly #settled = () => {
    this.#inFlight--;
    if (this.#waiter !== undefined && this.#inFlight < this.#wakeBelow) {
      const wake = this.#waiter;
      this.#waiter = undefined;
      wake();
    }
  };

  readonly #failed = () => {
    this.failures++;
    this.#settled();
  };

  #wait(below: number): Promise<void> {
    if (this.#waiter !== undefined) throw new Error("AckPipeline: one caller at a time");
    this.#wakeBelow = below;
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** Starts acking `msg`; resolves once fewer than `limit` acks are in flight. */
  ack(msg: Ackable): Promise<void> {
    this.#inFlight++;
    msg.ack().then(this.#settled, this.#failed);
    return this.#inFlight >= this.#limit ? this.#wait(this.#limit) : settled;
  }

  /** Resolves when every ack started has settled. */
  drain(): Promise<void> {
    return this.#inFlight > 0 ? this.#wait(1) : settled;
  }
}
