// Acknowledges messages without waiting for each ack, keeping at most `limit` acks in flight.
import type { Message } from "@danube-ts/client";

export class AckPipeline {
  readonly #pending = new Set<Promise<void>>();
  readonly #limit: number;
  failures = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Starts acking `msg`; resolves once fewer than `limit` acks are in flight. */
  async ack(msg: Message): Promise<void> {
    const done: Promise<void> = msg.ack().then(
      () => {
        this.#pending.delete(done);
      },
      () => {
        this.failures++;
        this.#pending.delete(done);
      },
    );
    this.#pending.add(done);
    if (this.#pending.size >= this.#limit) await Promise.race(this.#pending);
  }

  /** Resolves when every ack started has settled. */
  async drain(): Promise<void> {
    await Promise.all(this.#pending);
  }
}
