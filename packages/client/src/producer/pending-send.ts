// One send waiting in a topic producer: its place in the partition's order, its deadline (an
// entry in the producer's one deadline queue), the caller's abort signal, and the promise handed to
// the application.

import { type CallContext, CallStop } from "../call-context.ts";
import type { DeadlineEntry, DeadlineQueue } from "../deadlines.ts";
import { cancelledError, deadlineError } from "../errors/status-map.ts";
import type { DanubeError } from "../errors.ts";

/** What a successful send returns. */
export interface SendReceipt {
  /** The request id the broker acknowledged (per topic producer). */
  requestId: bigint;
  /** The (partition) topic the message was published to. */
  topic: string;
  /** The broker-assigned id of the topic producer that sent it. */
  producerId: bigint;
}

/** One message as handed to a topic producer. */
export interface OutgoingMessage {
  payload: Uint8Array;
  attributes: Record<string, string>;
  key: string | undefined;
}

/**
 * A send from `send()` until it settles. Its deadline is an entry in the producer's
 * {@link DeadlineQueue} and the producer's close reaches it through {@link PendingSend.stopWith};
 * only a caller's own `signal` gets a listener (one per send that has one).
 */
export class PendingSend implements DeadlineEntry {
  /** Position in the partition's send order. */
  readonly seq: number;
  /** Request id, fixed at `send()` time and reused by every retry. */
  readonly requestId: bigint;
  readonly message: OutgoingMessage;
  readonly publishTime: bigint;
  /** The caller's context, with the stop the transport cancels its RPC through. */
  readonly ctx: CallContext;
  /** Failed attempts so far. */
  failures = 0;
  #settled = false;
  readonly promise: Promise<SendReceipt>;
  /** Resolves (never rejects) once the send settled either way; used by flush(). */
  readonly done: Promise<void>;
  #resolve!: (receipt: SendReceipt) => void;
  #reject!: (error: DanubeError) => void;
  readonly #stop: CallStop;
  readonly #deadlines: DeadlineQueue;
  /** The send's deadline; the send is its own entry in the producer's deadline queue. */
  readonly deadline: number;
  /** @internal position in the deadline queue */
  index = -1;
  readonly #onStopped: (send: PendingSend, error: DanubeError) => void;
  readonly #onAbort: (() => void) | undefined;

  /** `ctx.stop`, when set, must be this send's own (producer.ts makes one per send). */
  constructor(
    seq: number,
    requestId: bigint,
    message: OutgoingMessage,
    ctx: CallContext,
    deadlines: DeadlineQueue,
    onStopped: (send: PendingSend, error: DanubeError) => void,
  ) {
    this.seq = seq;
    this.requestId = requestId;
    this.message = message;
    this.publishTime = BigInt(Date.now());
    if (ctx.stop === undefined) {
      this.#stop = new CallStop();
      this.ctx = { ...ctx, stop: this.#stop };
    } else {
      this.#stop = ctx.stop;
      this.ctx = ctx;
    }
    this.promise = new Promise<SendReceipt>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.done = this.promise.then(
      () => {},
      () => {},
    );
    this.#onStopped = onStopped;
    this.#deadlines = deadlines;
    this.deadline = ctx.deadline;
    deadlines.insert(this);
    const signal = ctx.signal;
    if (signal !== undefined) {
      this.#onAbort = () => this.stopWith(cancelledError(ctx.operation, signal.reason));
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /** @internal the deadline passed */
  fire(): void {
    this.stopWith(deadlineError(this.ctx.operation));
  }

  get settled(): boolean {
    return this.#settled;
  }

  /**
   * Stops the send with `error` (its deadline, its signal, or the producer's close): cancels the
   * RPC if one runs (it then fails with `error`), and tells the producer, which settles a send
   * that is not in flight.
   */
  stopWith(error: DanubeError): void {
    if (this.#settled || this.#stop.reason !== undefined) return;
    this.#stop.stop(error);
    this.#onStopped(this, error);
  }

  resolve(receipt: SendReceipt): void {
    if (this.#settled) return;
    this.#settle();
    this.#resolve(receipt);
  }

  reject(error: DanubeError): void {
    if (this.#settled) return;
    this.#settle();
    this.#reject(error);
  }

  #settle(): void {
    this.#settled = true;
    this.#deadlines.remove(this);
    if (this.#onAbort !== undefined) this.ctx.signal?.removeEventListener("abort", this.#onAbort);
  }
}
