// Per-call cancellation: links the caller's AbortSignal, the owner's close signal and a deadline,
// and applies them to grpc-js calls (deadline option; transport/unary.ts cancels calls) and to waits.
import type { CallOptions as GrpcCallOptions } from "@grpc/grpc-js";
import type { DeadlineEntry, DeadlineQueue } from "./deadlines.ts";
import { cancelledError, deadlineError } from "./errors/status-map.ts";
import type { DanubeError } from "./errors.ts";
import type { CallOptions } from "./options.ts";

/** Everything that can stop one operation. */
export interface CallContext {
  /** Operation name used in error messages, e.g. "send". */
  readonly operation: string;
  /** The caller's signal. */
  readonly signal: AbortSignal | undefined;
  /** Aborted when the owning client, producer or consumer closes. */
  readonly closeSignal: AbortSignal | undefined;
  /** Absolute deadline in ms since the epoch (Infinity for none). */
  readonly deadline: number;
  /**
   * Set when the owner (a producer or consumer) enforces the deadline and the signals itself,
   * for all of its calls with one timer and one listener: the transport then arms no timer and
   * adds no listener of its own, and registers how to cancel the running RPC here instead.
   */
  readonly stop?: CallStop;
}

/**
 * Stops one operation on behalf of its owner. The transport registers how to cancel the RPC it
 * runs ({@link CallStop.onStop}); the owner calls {@link CallStop.stop} with the reason (CANCELLED,
 * DEADLINE_EXCEEDED, CLOSED), which the RPC then rejects with.
 */
export class CallStop {
  #cancel: (() => void) | undefined;
  #reason: DanubeError | undefined;

  /** Why the operation was stopped, undefined while it may run. */
  get reason(): DanubeError | undefined {
    return this.#reason;
  }

  /** Registers (or with undefined, clears) the cancel function of the running attempt. */
  onStop(cancel: (() => void) | undefined): void {
    this.#cancel = cancel;
  }

  /** Stops the operation: records `reason` (first one wins) and cancels the running attempt. */
  stop(reason: DanubeError): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    const cancel = this.#cancel;
    this.#cancel = undefined;
    cancel?.();
  }
}

/** A context for one operation from per-call options and the owner's defaults. */
export function createCallContext(
  operation: string,
  options: CallOptions | undefined,
  defaultTimeoutMs: number,
  closeSignal: AbortSignal | undefined,
): CallContext {
  const timeoutMs = options?.timeoutMs ?? defaultTimeoutMs;
  return { operation, signal: options?.signal, closeSignal, deadline: Date.now() + timeoutMs };
}

/**
 * A context whose {@link CallStop} is driven by its owner: the deadline is an entry in the owner's
 * `deadlines` (one timer) and only the caller's own signal gets a listener, so the transport adds
 * neither. The context is its own deadline entry; its deadline and signal end in
 * {@link OwnedContext.stopWith}. Call `release()` once the operation ended.
 */
export class OwnedContext implements CallContext, DeadlineEntry {
  readonly operation: string;
  readonly signal: AbortSignal | undefined;
  readonly closeSignal: AbortSignal | undefined;
  /** Absolute deadline in ms since the epoch. */
  readonly deadline: number;
  readonly stop = new CallStop();
  /** @internal position in the deadline queue */
  index = -1;
  readonly #deadlines: DeadlineQueue;
  readonly #onAbort: (() => void) | undefined;

  constructor(
    operation: string,
    signal: AbortSignal | undefined,
    closeSignal: AbortSignal | undefined,
    deadline: number,
    deadlines: DeadlineQueue,
  ) {
    this.operation = operation;
    this.signal = signal;
    this.closeSignal = closeSignal;
    this.deadline = deadline;
    this.#deadlines = deadlines;
    deadlines.insert(this);
    if (signal !== undefined) {
      this.#onAbort = () => this.stopWith(cancelledError(operation, signal.reason));
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /** @internal the deadline passed */
  fire(): void {
    this.stopWith(deadlineError(this.operation));
  }

  /** Stops the operation with `error` (its deadline, its signal, or the owner); first one wins. */
  stopWith(error: DanubeError): void {
    this.stop.stop(error);
  }

  /** Leaves the deadline queue and drops the signal listener. */
  release(): void {
    this.#deadlines.remove(this);
    if (this.#onAbort !== undefined) this.signal?.removeEventListener("abort", this.#onAbort);
  }
}

/** A context without deadline for background work stopped only by `closeSignal`. */
export function backgroundContext(operation: string, closeSignal: AbortSignal): CallContext {
  return { operation, signal: undefined, closeSignal, deadline: Number.POSITIVE_INFINITY };
}

/** The error to throw if the operation was aborted (CANCELLED) or stopped by its owner, else undefined. */
export function abortError(ctx: CallContext): DanubeError | undefined {
  if (ctx.stop?.reason !== undefined) return ctx.stop.reason;
  if (ctx.signal?.aborted) return cancelledError(ctx.operation, ctx.signal.reason);
  if (ctx.closeSignal?.aborted) return cancelledError(ctx.operation, new Error("closed"));
  return undefined;
}

/** Throws CANCELLED if aborted, DEADLINE_EXCEEDED if the deadline passed. */
export function throwIfStopped(ctx: CallContext): void {
  const aborted = abortError(ctx);
  if (aborted) throw aborted;
  if (Date.now() >= ctx.deadline) throw deadlineError(ctx.operation);
}

/** Calls `listener` once when either signal of `ctx` aborts; returns the unsubscribe function. */
export function onAbort(ctx: CallContext, listener: () => void): () => void {
  const signals = [ctx.signal, ctx.closeSignal].filter((s): s is AbortSignal => s !== undefined);
  let done = false;
  const fire = (): void => {
    if (done) return;
    done = true;
    dispose();
    listener();
  };
  const dispose = (): void => {
    for (const s of signals) s.removeEventListener("abort", fire);
  };
  for (const s of signals) s.addEventListener("abort", fire, { once: true });
  return () => {
    done = true;
    dispose();
  };
}

/** grpc-js call options carrying the context's deadline. */
export function grpcCallOptions(ctx: CallContext): Partial<GrpcCallOptions> {
  return Number.isFinite(ctx.deadline) ? { deadline: new Date(ctx.deadline) } : {};
}

/** Waits `ms`, rejecting with CANCELLED if the context aborts first. */
export function sleep(ms: number, ctx?: CallContext, unref = false): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (ctx) {
      const aborted = abortError(ctx);
      if (aborted) {
        reject(aborted);
        return;
      }
    }
    const unsubscribe = ctx
      ? onAbort(ctx, () => {
          clearTimeout(timer);
          reject(abortError(ctx));
        })
      : () => {};
    const timer = setTimeout(() => {
      unsubscribe();
      resolve();
    }, ms);
    if (unref) timer.unref();
  });
}

/**
 * Calls `listener` with CANCELLED when the context aborts or DEADLINE_EXCEEDED when its
 * deadline passes, whichever comes first; returns the function that cancels the watch.
 */
export function watchStop(ctx: CallContext, listener: (error: DanubeError) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const unsubscribe = onAbort(ctx, () => {
    clearTimeout(timer);
    listener(abortError(ctx) ?? cancelledError(ctx.operation));
  });
  if (Number.isFinite(ctx.deadline)) {
    timer = setTimeout(
      () => {
        unsubscribe();
        listener(deadlineError(ctx.operation));
      },
      Math.max(0, ctx.deadline - Date.now()),
    );
  }
  return () => {
    clearTimeout(timer);
    unsubscribe();
  };
}

/** Waits for `promise` under `ctx`: CANCELLED on abort, DEADLINE_EXCEEDED past the deadline. */
export function waitFor<T>(promise: Promise<T>, ctx: CallContext): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      throwIfStopped(ctx);
    } catch (error) {
      reject(error);
      return;
    }
    const dispose = watchStop(ctx, reject);
    promise.then(
      (value) => {
        dispose();
        resolve(value);
      },
      (error: unknown) => {
        dispose();
        reject(error);
      },
    );
  });
}
