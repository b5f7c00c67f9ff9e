// One timer for many deadlines: the pending sends (and acks) of one producer or consumer sit in a
// min-heap by deadline, and a single setTimeout is armed for the earliest one. Adding and removing
// cost O(log n); a send no longer costs a timer of its own.

/** A deadline waiting in a {@link DeadlineQueue}; remove it with `queue.remove(entry)`. */
export interface DeadlineEntry {
  /** Absolute deadline, ms since the epoch. */
  readonly deadline: number;
  /** @internal heap position, -1 once fired or removed. */
  index: number;
  /** @internal called once the deadline passed */
  fire(): void;
}

/** The longest delay setTimeout accepts (about 24.8 days). */
const maxDelay = 2 ** 31 - 1;

/** Fires each entry's callback once its deadline (Date.now()) has passed, from one timer. */
export class DeadlineQueue {
  readonly #heap: DeadlineEntry[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** The deadline the timer is armed for (Infinity when none). */
  #armedFor = Number.POSITIVE_INFINITY;

  /** Number of entries waiting. */
  get size(): number {
    return this.#heap.length;
  }

  /** Calls `fire` once when `deadline` passes, unless removed first; an infinite deadline never fires. */
  add(deadline: number, fire: () => void): DeadlineEntry {
    const entry: DeadlineEntry = { deadline, index: -1, fire };
    this.insert(entry);
    return entry;
  }

  /**
   * Queues an entry the caller made (its `index` must be -1), for owners that are their own
   * entry and save the allocation; an infinite deadline is not queued.
   */
  insert(entry: DeadlineEntry): void {
    const deadline = entry.deadline;
    if (!Number.isFinite(deadline)) return;
    const heap = this.#heap;
    entry.index = heap.length;
    heap.push(entry);
    this.#up(entry.index);
    if (deadline < this.#armedFor) this.#arm(deadline);
  }

  /** Forgets `entry` (no-op when it already fired or was removed). */
  remove(entry: DeadlineEntry): void {
    const i = entry.index;
    if (i < 0) return;
    entry.index = -1;
    const heap = this.#heap;
    const last = heap.pop()!;
    if (i < heap.length) {
      heap[i] = last;
      last.index = i;
      this.#down(i);
      this.#up(last.index);
    }
    if (heap.length === 0) this.#disarm();
    // A removed earliest entry leaves the timer armed: it fires, finds nothing due, re-arms.
  }

  /** Drops every entry without firing and stops the timer. */
  clear(): void {
    for (const entry of this.#heap) entry.index = -1;
    this.#heap.length = 0;
    this.#disarm();
  }

  #arm(deadline: number): void {
    clearTimeout(this.#timer);
    this.#armedFor = deadline;
    this.#timer = setTimeout(() => this.#expire(), Math.min(maxDelay, Math.max(0, deadline - Date.now())));
  }

  #disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  #expire(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const heap = this.#heap;
    const now = Date.now();
    const due: DeadlineEntry[] = [];
    while (heap.length > 0 && heap[0]!.deadline <= now) {
      const top = heap[0]!;
      this.remove(top);
      due.push(top);
    }
    if (heap.length > 0) this.#arm(heap[0]!.deadline);
    // Fired after the heap is consistent: a callback may add or remove entries.
    for (const entry of due) entry.fire();
  }

  #up(i: number): void {
    const heap = this.#heap;
    const entry = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.deadline <= entry.deadline) break;
      heap[i] = p;
      p.index = i;
      i = parent;
    }
    heap[i] = entry;
    entry.index = i;
  }

  #down(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const entry = heap[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && heap[right]!.deadline < heap[left]!.deadline ? right : left;
      const c = heap[child]!;
      if (c.deadline >= entry.deadline) break;
      heap[i] = c;
      c.index = i;
      i = child;
    }
    heap[i] = entry;
    entry.index = i;
  }
}
