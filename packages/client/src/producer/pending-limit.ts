// The bound on a producer's pending sends (backpressure): the option types, their defaults and
// validation. producer/send-gate.ts enforces them.
import { invalidArgument } from "../errors.ts";

/** What `send()` does when the producer already has `maxPendingSends` sends pending. */
export const OnFull = {
  /** Wait for room, within the send's own `timeoutMs` / `signal` (Pulsar's `blockIfQueueFull: true`). */
  Wait: "wait",
  /** Reject at once with RESOURCE_EXHAUSTED (retryable), queueing nothing (Pulsar's default). */
  Fail: "fail",
} as const;
export type OnFull = (typeof OnFull)[keyof typeof OnFull];

/**
 * Default bound: 10,000 sends (about 10 MiB of 1 KiB payloads). A send that got room then waits
 * behind at most 10,000 others; even one-at-a-time against an upstream broker (about 0.5-1k
 * sends/s measured) they drain in 10-20 s, inside the default 30 s requestTimeoutMs, so the
 * bound keeps queueing delay below the deadline instead of letting tens of thousands of queued
 * sends expire together. Pipelined paths drain it in well under a second.
 */
export const defaultMaxPendingSends = 10_000;

/** The backpressure fields of `ProducerOptions`. */
export interface PendingLimitOptions {
  /**
   * Most sends a producer holds at once, queued or in flight (all partitions together). Past it,
   * `send()` waits for room or fails fast, as `onFull` says.
   * @default 10_000
   */
  maxPendingSends?: number;
  /**
   * `"wait"`: `send()` waits for room (bounded by its `timeoutMs` and `signal`, order kept);
   * `"fail"`: it rejects at once with RESOURCE_EXHAUSTED.
   * @default "wait"
   */
  onFull?: OnFull;
}

/** The backpressure settings, validated, with defaults applied. */
export interface ResolvedPendingLimit {
  maxPendingSends: number;
  onFull: OnFull;
}

/** Validates `maxPendingSends` and `onFull` (INVALID_ARGUMENT naming the option). */
export function resolvePendingLimit(options: PendingLimitOptions): ResolvedPendingLimit {
  const maxPendingSends = options.maxPendingSends ?? defaultMaxPendingSends;
  if (typeof maxPendingSends !== "number" || !Number.isInteger(maxPendingSends) || maxPendingSends < 1) {
    throw invalidArgument("maxPendingSends", `must be an integer >= 1, got ${String(maxPendingSends)}`);
  }
  const onFull = options.onFull ?? OnFull.Wait;
  if (onFull !== OnFull.Wait && onFull !== OnFull.Fail) {
    throw invalidArgument("onFull", `must be "wait" or "fail", got ${String(onFull)}`);
  }
  return { maxPendingSends, onFull };
}
