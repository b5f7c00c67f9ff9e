// One send taken by a topic producer: its place in the partition's order, the promise handed to
// the application, and its call context (an OwnedContext: its deadline is an entry in the
// producer's one deadline queue, its stop is what the transport cancels the RPC through).

import { OwnedContext } from "../call-context.ts";
import type { DeadlineQueue } from "../deadlines.ts";
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
 * A send from the moment its topic producer took it (after any wait for room) until it settles,
 * and the context of its RPCs (deadline and signal as given to `send()`). Its deadline is an
 * entry in the producer's {@link DeadlineQueue} and the producer's close reaches it through
 * {@link PendingSend.stopWith}; only a caller's own `signal` gets a listener.
 */
export class PendingSend extends OwnedContext {
  /** Position in the partition's send order. */
  readonly seq: number;
  /** Request id, fixed at `send()` time and reused by every retry. */
  readonly requestId: bigint;
  readonly message: OutgoingMessage;
  readonly publishTime: bigint;
  /** Failed attempts so far. */
  failures = 0;
  #settled = false;
  readonly promise: Promise<SendReceipt>;
  /** Resolves (never rejects) once the send settled either way; used by flush(). */
  readonly done: Promise<void>;
  #resolve!: (receipt: SendReceipt) => void;
  #reject!: (error: DanubeError) => void;
  readonly #onStopped: (send: PendingSend, error: DanubeError) => void;

  constructor(
    seq: number,
    requestId: bigint,
    message: OutgoingMessage,
    signal: AbortSignal | undefined,
    closeSignal: AbortSignal | undefined,
    deadline: number,
    deadlines: DeadlineQueue,
    onStopped: (send: PendingSend, error: DanubeError) => void,
  ) {
    super("send", signal, closeSignal, deadline, deadlines);
    this.seq = seq;
    this.requestId = requestId;
    this.message = message;
    this.publishTime = BigInt(Date.now());
    this.promise = new Promise<SendReceipt>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.done = this.promise.then(
      () => {},
      () => {},
    );
    this.#onStopped = onStopped;
  }

  get settled(): boolean {
    return this.#settled;
  }

  /**
   * Stops the send with `error` (its deadline, its signal, or the producer's close): cancels the
   * RPC if one runs (it then fails with `error`), and tells the producer, which settles a send
   * that is not in flight.
   */
  override stopWith(error: DanubeError): void {
    if (this.#settled || this.stop.reason !== undefined) return;
    this.stop.stop(error);
    this.#onStopped(this, error);
  }

  resolve(receipt: SendReceipt): void {
    if (this.#settled) return;
    this.#settled = true;
    this.release();
    this.#resolve(receipt);
  }

  reject(error: DanubeError): void {
    if (this.#settled) return;
    this.#settled = true;
    this.release();
    this.#reject(error);
  }
}
