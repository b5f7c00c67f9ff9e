/**
 * Bookkeeping shared by the compatibility checkers, which compare pairs of schema nodes
 * recursively: a memo of finished pairs, coinductive handling of recursive pairs, and limits on
 * work and depth so that a hostile schema gets a quick "incompatible" instead of a hang.
 */

/** Reason given when a check needs more than its work budget. */
export const TOO_COMPLEX = "schema too complex to compare";
/** Reason given when a check nests deeper than its depth limit. */
export const TOO_DEEP = "schema too deep to compare";

/** Thrown by `PairChecker` to abandon a check; `checkWithLimits` turns it into an error. */
export class CheckAbandoned extends Error {}

/** Default number of pair comparisons one check may make. */
export const MAX_STEPS = 200_000;
/** Default nesting limit of pair comparisons. */
export const MAX_DEPTH = 1_000;

interface Finished {
  at: string;
  errors: string[];
}

/**
 * Rewrites messages produced for location `from` so that they read as produced for `to`. Messages
 * start with their location: `${at}/...` or `${at || "/"}: ...`.
 */
export function relocate(errors: string[], from: string, to: string): string[] {
  if (from === to) return errors;
  return errors.map((m) => {
    let rest: string;
    if (from === "") rest = m.startsWith("/:") ? m.slice(1) : m;
    else if (m.startsWith(from)) rest = m.slice(from.length);
    else return m;
    return to === "" && !rest.startsWith("/") ? `/${rest}` : `${to}${rest}`;
  });
}

/**
 * Runs pair comparisons with a memo keyed by node identity.
 *
 * - A finished pair is remembered whatever its result; a remembered failure is reported again as
 *   one message, its first, moved to the new location. A pair met again while it is still being
 *   compared (a recursive type) is assumed compatible; a success that relied on such an assumption
 *   about an enclosing pair is not remembered, since that pair may still fail. Failures are always
 *   remembered: they were found under optimistic assumptions, so they hold.
 * - Every comparison costs one step; past `maxSteps`, or nested deeper than `maxDepth`, the check
 *   is abandoned (see `checkWithLimits`).
 */
export class PairChecker<A extends object, B extends object> {
  private readonly done = new Map<A, Map<B, Finished>>();
  private readonly active = new Map<A, Map<B, number>>();
  private steps = 0;
  private depth = 0;
  /** Shallowest depth of an enclosing pair assumed compatible by the comparison in progress. */
  private assumed = Number.POSITIVE_INFINITY;

  constructor(
    private readonly maxSteps = MAX_STEPS,
    private readonly maxDepth = MAX_DEPTH,
  ) {}

  /** Counts one unit of work; abandons the check past the budget. */
  step(): void {
    if (++this.steps > this.maxSteps) throw new CheckAbandoned(TOO_COMPLEX);
  }

  /** Compares the pair (a, b) at location `at` with `compare`, or answers from the memo. */
  pair(a: A, b: B, at: string, compare: () => string[]): string[] {
    this.step();
    const finished = this.done.get(a)?.get(b);
    if (finished) {
      // One message per reuse, so that a failure shared by many paths cannot multiply.
      const [first, ...more] = relocate(finished.errors.slice(0, 1), finished.at, at).concat(
        finished.errors.slice(1),
      );
      if (first === undefined) return [];
      return [more.length === 0 ? first : `${first} (and ${more.length} more)`];
    }
    let active = this.active.get(a);
    const activeDepth = active?.get(b);
    if (activeDepth !== undefined) {
      this.assumed = Math.min(this.assumed, activeDepth);
      return [];
    }
    if (this.depth >= this.maxDepth) throw new CheckAbandoned(TOO_DEEP);
    if (!active) {
      active = new Map();
      this.active.set(a, active);
    }
    const depth = ++this.depth;
    active.set(b, depth);
    const outer = this.assumed;
    this.assumed = Number.POSITIVE_INFINITY;
    try {
      const errors = compare();
      if (errors.length > 0 || this.assumed >= depth) {
        let row = this.done.get(a);
        if (!row) {
          row = new Map();
          this.done.set(a, row);
        }
        row.set(b, { at, errors });
      }
      return errors;
    } finally {
      active.delete(b);
      this.depth--;
      this.assumed = Math.min(outer, this.assumed);
    }
  }
}

/** Runs a whole check; an abandoned check reports its reason as its only error. */
export function checkWithLimits(run: () => string[]): string[] {
  try {
    return run();
  } catch (e) {
    if (e instanceof CheckAbandoned) return [`/: ${e.message}`];
    // The depth limit normally comes first; a stack overflow means the same.
    if (e instanceof RangeError && /call stack/i.test(e.message)) return [`/: ${TOO_DEEP}`];
    throw e;
  }
}
