/** The label value that stands for every topic (or subscription) without a series of its own. */
export const OVERFLOW_LABEL = "__overflow__";

/**
 * Bounds label cardinality: the first `capacity` names seen get series of their own, every later
 * name shares {@link OVERFLOW_LABEL}. Names that no longer exist are forgotten at each scrape
 * ({@link retain}), so their slots go to the next names seen. A name keeps its slot while it
 * exists, so its series stay continuous.
 */
export class SeriesCap {
  private readonly admitted = new Set<string>();

  constructor(readonly capacity: number) {}

  label(name: string): string {
    if (this.admitted.has(name)) return name;
    if (this.admitted.size >= this.capacity) return OVERFLOW_LABEL;
    this.admitted.add(name);
    return name;
  }

  /** Forgets the names `exists` rejects; returns them (their series should be removed). */
  retain(exists: (name: string) => boolean): string[] {
    const gone: string[] = [];
    for (const name of this.admitted) {
      if (!exists(name)) {
        this.admitted.delete(name);
        gone.push(name);
      }
    }
    return gone;
  }

  get size(): number {
    return this.admitted.size;
  }
}

/** Adds `value` to the sample for `labels` (summing what the overflow label merges). */
export class Samples<L extends Record<string, string>> {
  private readonly rows = new Map<string, { labels: L; value: number }>();

  add(labels: L, value: number): void {
    const key = Object.values(labels).join("\u0000");
    const row = this.rows.get(key);
    if (row) row.value += value;
    else this.rows.set(key, { labels, value });
  }

  /** Largest value per key (0/1 flags: "any subscription under this label"). */
  max(labels: L, value: number): void {
    const key = Object.values(labels).join("\u0000");
    const row = this.rows.get(key);
    if (row) row.value = Math.max(row.value, value);
    else this.rows.set(key, { labels, value });
  }

  each(fn: (labels: L, value: number) => void): void {
    for (const row of this.rows.values()) fn(row.labels, row.value);
  }
}
