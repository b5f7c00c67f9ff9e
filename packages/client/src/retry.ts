// Retry with linear, jittered backoff for retryable errors, bounded by the call context.

import { abortError, type CallContext, sleep, throwIfStopped } from "./call-context.ts";
import { type RetryMessage, retryChannel } from "./diagnostics/channels.ts";
import { toDanubeError } from "./errors/status-map.ts";
import { DanubeError, ErrorCode } from "./errors.ts";
import type { ResolvedRetryOptions } from "./options.ts";

/** A retry policy with defaults applied. */
export type RetryPolicy = ResolvedRetryOptions;

/**
 * Backoff before retry number `attempt` (0-based): `min(base * (attempt + 1), max)`,
 * uniformly jittered into [50%, 100%] of that value.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.baseDelayMs * (attempt + 1), policy.maxDelayMs);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Hooks of {@link withRetry}. */
export interface RetryHooks {
  /** Called before each retry (after the backoff), e.g. to redo a topic lookup. */
  beforeRetry?: (attempt: number, error: DanubeError) => void | Promise<void>;
  /**
   * Told of each retry before its backoff: a client passes its observer's (metric, log line and
   * the `danube-ts:client:retry` channel). Without it the retry is only published on the channel.
   */
  onRetry?: (retry: RetryMessage) => void;
  /** Source of randomness for jitter (tests). */
  random?: () => number;
}

/** Whether `policy.maxRetries` (when set) allows retry number `attempt + 1`. */
export function retriesLeft(attempt: number, policy: RetryPolicy): boolean {
  return policy.maxRetries === undefined || attempt < policy.maxRetries;
}

/**
 * Runs `operation` until it succeeds, fails with a non-retryable error, exhausts
 * `policy.maxRetries` (when set), or the context is aborted (CANCELLED) or out of time
 * (DEADLINE_EXCEEDED, naming the last error). The deadline is the bound that always holds.
 */
export async function withRetry<T>(
  ctx: CallContext,
  policy: RetryPolicy,
  operation: (attempt: number) => Promise<T>,
  hooks: RetryHooks = {},
): Promise<T> {
  let last: DanubeError | undefined;
  for (let attempt = 0; ; attempt++) {
    if (last !== undefined && abortError(ctx) === undefined && Date.now() >= ctx.deadline) {
      throw deadlineWhileRetrying(ctx, last);
    }
    throwIfStopped(ctx);
    let error: DanubeError;
    try {
      return await operation(attempt);
    } catch (thrown) {
      error = toDanubeError(thrown, ctx.operation);
    }
    if (!error.retryable || !retriesLeft(attempt, policy)) throw error;
    if (error.code === ErrorCode.DEADLINE_EXCEEDED && Date.now() >= ctx.deadline) throw error;
    const delay = backoffDelay(attempt, policy, hooks.random);
    if (Date.now() + delay >= ctx.deadline) throw deadlineWhileRetrying(ctx, error);
    last = error;
    const retry: RetryMessage = { operation: ctx.operation, attempt: attempt + 1, delayMs: delay, error };
    if (hooks.onRetry !== undefined) hooks.onRetry(retry);
    else if (retryChannel.hasSubscribers) retryChannel.publish(retry);
    await sleep(delay, ctx);
    await hooks.beforeRetry?.(attempt + 1, error);
  }
}

/**
 * {@link withRetry} for a registration (CreateProducer, Subscribe) whose RPC the caller sends
 * without `ctx`'s signals, since the broker may hold what it registered once the RPC was sent:
 * once a signal aborted, rejects with CANCELLED however the attempt ended, also after a success
 * (the caller then ends on the broker what it got).
 */
export async function retryRegistration(
  ctx: CallContext,
  policy: RetryPolicy,
  operation: () => Promise<void>,
  hooks: RetryHooks = {},
): Promise<void> {
  try {
    await withRetry(ctx, policy, operation, hooks);
  } catch (error) {
    throw abortError(ctx) ?? error;
  }
  const aborted = abortError(ctx);
  if (aborted !== undefined) throw aborted;
}

function deadlineWhileRetrying(ctx: CallContext, last: DanubeError): DanubeError {
  return new DanubeError(
    ErrorCode.DEADLINE_EXCEEDED,
    `${ctx.operation}: deadline exceeded while retrying; last error: ${last.message}`,
    { cause: last },
  );
}
