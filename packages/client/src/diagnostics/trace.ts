// Publishing helpers for the tracing channels: the same event order as TracingChannel.tracePromise
// (start, end, then error?, asyncStart, asyncEnd), plus a hook that fills result fields into the
// context before asyncStart. Nothing is allocated or published while a channel has no subscriber.
import type { TracingChannel } from "node:diagnostics_channel";
import type { TracedContext } from "./channels.ts";

/**
 * Runs `fn` as one traced operation on `channel`: `start` (with `fn` run inside `start.runStores`,
 * so stores bound to it apply), `end` once `fn` returned its promise, then `error` on failure and
 * `asyncStart`/`asyncEnd` when the promise settles. `onSettle` completes the context first
 * (`error` is set on failure).
 */
export function traced<C extends TracedContext, T>(
  channel: TracingChannel<unknown, C>,
  context: () => NoInfer<C>,
  fn: () => Promise<T>,
  onSettle?: (context: C, result: T | undefined) => void,
): Promise<T> {
  if (!channel.hasSubscribers) return fn();
  const ctx = context();
  return channel.start.runStores(ctx, () => {
    let promise: Promise<T>;
    try {
      promise = fn();
    } catch (error) {
      ctx.error = error;
      channel.error.publish(ctx);
      throw error;
    } finally {
      channel.end.publish(ctx);
    }
    return promise.then(
      (result) => {
        ctx.result = result;
        onSettle?.(ctx, result);
        channel.asyncStart.publish(ctx);
        channel.asyncEnd.publish(ctx);
        return result;
      },
      (error: unknown) => {
        ctx.error = error;
        onSettle?.(ctx, undefined);
        channel.error.publish(ctx);
        channel.asyncStart.publish(ctx);
        channel.asyncEnd.publish(ctx);
        throw error;
      },
    );
  });
}

/** An operation traced by hand (it has no single function to wrap): publishes start and end now. */
export function begin<C extends TracedContext>(channel: TracingChannel<unknown, C>, ctx: C): void {
  channel.start.publish(ctx);
  channel.end.publish(ctx);
}

/** Settles an operation opened with {@link begin}: error (when `error` is given), asyncStart, asyncEnd. */
export function finish<C extends TracedContext>(
  channel: TracingChannel<unknown, C>,
  ctx: C,
  error?: unknown,
): void {
  if (error !== undefined) {
    ctx.error = error;
    channel.error.publish(ctx);
  }
  channel.asyncStart.publish(ctx);
  channel.asyncEnd.publish(ctx);
}
