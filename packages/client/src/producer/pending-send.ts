// One send waiting in a topic producer: its place in the partition's order, its own deadline and
// abort signal, and the promise handed to the application.

import { type CallContext, watchStop } from "../call-context.ts";
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

/** A send from `send()` until it settles. */
export class PendingSend {
  /** Position in the partition's send order. */
  readonly seq: number;
  /** Request id, fixed at `send()` time and reused by every retry. */
  readonly requestId: bigint;
  readonly message: OutgoingMessage;
  readonly publishTime: bigint;
  readonly ctx: CallContext;
  /** Failed attempts so far. */
  failures = 0;
  #settled = false;
  readonly promise: Promise<SendReceipt>;
  /** Resolves (never rejects) once the send settled either way; used by flush(). */
  readonly done: Promise<void>;
  #resolve!: (receipt: SendReceipt) => void;
  #reject!: (error: DanubeError) => void;
  readonly #unwatch: () => void;

  constructor(
    seq: number,
    requestId: bigint,
    message: OutgoingMessage,
    ctx: CallContext,
    onStopped: (send: PendingSend, error: DanubeError) => void,
  ) {
    this.seq = seq;
    this.requestId = requestId;
    this.message = message;
    this.publishTime = BigInt(Date.now());
    this.ctx = ctx;
    this.promise = new Promise<SendReceipt>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.done = this.promise.then(
      () => {},
      () => {},
    );
    this.#unwatch = watchStop(ctx, (error) => onStopped(this, error));
  }

  get settled(): boolean {
    return this.#settled;
  }

  resolve(receipt: SendReceipt): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#unwatch();
    this.#resolve(receipt);
  }

  reject(error: DanubeError): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#unwatch();
    this.#reject(error);
  }
}
