// Counts deliveries per sequence number: what arrived once, twice, not at all, or corrupted.

export interface DeliveryCounts {
  expected: number;
  /** Distinct sequence numbers received. */
  unique: number;
  /** Deliveries beyond the first of a sequence number. */
  duplicates: number;
  /** Sequence numbers never received. */
  missing: number;
  /** Messages whose payload did not decode to an expected sequence number and content. */
  corrupt: number;
}

/** Tracks which of `expected` messages (numbered 0..expected-1) were delivered. */
export class DeliveryTally {
  readonly #seen: Uint8Array;
  #unique = 0;
  #duplicates = 0;
  #corrupt = 0;

  constructor(readonly expected: number) {
    this.#seen = new Uint8Array(expected);
  }

  /** Records a delivery of `seq`, or a corrupt message when `seq` is undefined or out of range. */
  record(seq: number | undefined): void {
    if (seq === undefined || !Number.isInteger(seq) || seq < 0 || seq >= this.expected) {
      this.#corrupt++;
      return;
    }
    if (this.#seen[seq] === 0) {
      this.#seen[seq] = 1;
      this.#unique++;
    } else {
      this.#duplicates++;
    }
  }

  /** Whether every message arrived at least once. */
  get complete(): boolean {
    return this.#unique === this.expected;
  }

  /** Deliveries so far, duplicates included. */
  get delivered(): number {
    return this.#unique + this.#duplicates;
  }

  counts(): DeliveryCounts {
    return {
      expected: this.expected,
      unique: this.#unique,
      duplicates: this.#duplicates,
      missing: this.expected - this.#unique,
      corrupt: this.#corrupt,
    };
  }

  /** Up to `limit` missing sequence numbers, for the report. */
  firstMissing(limit: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.expected && out.length < limit; i++) {
      if (this.#seen[i] === 0) out.push(i);
    }
    return out;
  }
}
