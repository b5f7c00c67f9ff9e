/**
 * Stale deadlines allowed beyond twice the live ones before a compaction. Small, because a stale
 * deadline still references its (acknowledged) message until dropped; each compaction removes at
 * least half of what it scans, so its cost stays O(1) per deadline.
 */
const STALE_SLACK = 64;

/** A delivered message's ack deadline; valid while `isCurrent` says so. */
export interface Deadline {
  /** When it is due (ms since epoch). */
  at: number;
}

/**
 * The ack deadlines of a subscription's delivered messages, so the heartbeat finds the expired
 * ones without scanning the window. Deliveries take `now + ackTimeout`, so deadlines arrive in
 * order while the ack timeout stays the same: a queue serves, and a deadline earlier than the
 * last one (the timeout was shortened) re-sorts it once. Deadlines that stopped being current
 * (acked, nacked, redelivered) are dropped when they reach the front, or all at once when they
 * outnumber the current ones (plus a small slack).
 */
export class AckDeadlines<T extends Deadline> {
  private items: T[] = [];
  private head = 0;
  private sorted = true;

  constructor(private readonly isCurrent: (item: T) => boolean) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Adds a deadline; `live` is how many can be current (the window), to bound the stale ones. */
  push(item: T, live: number): void {
    const last = this.items[this.items.length - 1];
    if (this.size > 0 && last !== undefined && item.at < last.at) this.sorted = false;
    this.items.push(item);
    if (this.size > 2 * live + STALE_SLACK) this.compact();
  }

  /** Removes the current deadlines due at `now` and hands each to `due`, earliest first. */
  takeDue(now: number, due: (item: T) => void): void {
    if (!this.sorted) {
      this.items = this.items.slice(this.head).sort((a, b) => a.at - b.at);
      this.head = 0;
      this.sorted = true;
    }
    while (this.head < this.items.length) {
      const item = this.items[this.head]!;
      const current = this.isCurrent(item);
      if (current && item.at > now) break;
      this.head++;
      if (current) due(item);
    }
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.sorted = true;
  }

  private compact(): void {
    this.items = this.items.slice(this.head).filter(this.isCurrent);
    this.head = 0;
  }
}
