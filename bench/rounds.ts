// `--rounds N`: the order the figures run in, and medians with their spread over rounds.

/** Median, min and max of a row's figure over the rounds it was measured in. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Rounds with a finite value. */
  n: number;
}

/** The median of `values` (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median, min and max of the finite values; undefined and NaN are left out. */
export function spread(values: readonly (number | undefined)[]): Spread {
  const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return {
    median: median(finite),
    min: finite.length > 0 ? Math.min(...finite) : Number.NaN,
    max: finite.length > 0 ? Math.max(...finite) : Number.NaN,
    n: finite.length,
  };
}

/** What the scheduler needs to know of a unit of work (one figure of one system). */
export interface Schedulable {
  /** Units compared with each other share a group (publish at 64 in flight and the 64-call baseline). */
  group: number;
  /** Position of the unit's system in a round's order. */
  system: number;
  latency: boolean;
  /**
   * Runs after every unit not so marked, in every round. The unary path's latency figures: it
   * cannot keep up at 5,000 msgs/s (nor always at 1,000), and what it leaves in the bench process
   * (where every system's client runs) was collected inside the next figure (stream p99 21-72 ms
   * right after it, 4-13 ms without it).
   */
  last?: boolean;
}

/**
 * The units of round `round` (1-based) in the order they run. With one round: every unit in the
 * order given (system by system, as `npm run bench` always ran). With more: group by group, every
 * system of a group back to back, in system order in odd rounds and reversed in even ones, so that
 * the figures a ratio compares are measured seconds apart and a drifting machine speed hits each
 * system alike. The latency units run first (the throughput figures' garbage in the bench process,
 * where every client runs, otherwise lands in them: stream p99 at 1,000 msgs/s 4.5-12.5 ms after
 * them in full runs, 4.4-4.9 ms in runs of the latency figures alone), in the first round only
 * unless `latencyRounds`; units marked `last` run after all the others.
 */
export function roundOrder<T extends Schedulable>(
  units: readonly T[],
  round: number,
  rounds: number,
  latencyRounds: boolean,
): T[] {
  if (rounds === 1) return [...units];
  const reversed = round % 2 === 0;
  return units
    .filter((u) => !u.latency || latencyRounds || round === 1)
    .map((u, i) => ({ u, i }))
    .sort(
      (a, b) =>
        Number(a.u.last ?? false) - Number(b.u.last ?? false) ||
        Number(b.u.latency) - Number(a.u.latency) ||
        a.u.group - b.u.group ||
        (reversed ? b.u.system - a.u.system : a.u.system - b.u.system) ||
        a.i - b.i,
    )
    .map(({ u }) => u);
}
