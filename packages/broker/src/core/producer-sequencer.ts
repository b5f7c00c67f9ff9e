// Per-producer send order for clients that ask for it: each SendMessage names the request id of
// the send it follows (the `x-danube-ts-after` request header); the broker starts a send (assigns
// its offset) only after that predecessor started, so offsets follow the client's send order even
// when many sends are in flight and large ones complete out of order on HTTP/2.
//
// Upstream clients never send the header and are never held. A client learns that this broker
// sequences from the `x-danube-ts-sequencing` header of the CreateProducer response.
import { status } from "@grpc/grpc-js";
import { BrokerError, Status } from "../errors.ts";

/** Bounds of the wait for a predecessor that may never come (a send the client abandoned). */
export interface SequencerLimits {
  /** Longest a send waits for its predecessor; then it starts anyway (the gap is skipped). */
  maxWaitMs: number;
  /** Payload bytes one producer may have waiting; past it a send is refused with UNAVAILABLE. */
  maxHeldBytes: number;
}

/** What a sequenced SendMessage says about its place in the producer's order. */
export interface SendOrder {
  /** The request id of the send this one must follow; undefined when nothing is in flight before it. */
  after: bigint | undefined;
}

interface Held {
  readonly id: bigint;
  readonly after: bigint;
  readonly size: number;
  readonly run: () => Promise<void>;
  readonly resolve: (value: Promise<void>) => void;
  readonly reject: (error: BrokerError) => void;
  readonly timer: NodeJS.Timeout;
  readonly unwatch: () => void;
}

/**
 * Codes clients retry (danube-ts, and upstream's Rust and Go clients): after such a failure later
 * sends must wait for the retry.
 */
const retryableCodes: ReadonlySet<number> = new Set<number>([
  status.UNAVAILABLE,
  status.RESOURCE_EXHAUSTED,
  status.DEADLINE_EXCEEDED,
]);

function isRetryableFailure(error: unknown): boolean {
  return error instanceof BrokerError && retryableCodes.has(error.code);
}

/**
 * Orders one producer's sequenced sends. A send starts at once when it follows nothing or a send
 * that already started; otherwise it waits (bounded by {@link SequencerLimits}) until its
 * predecessor starts, is cancelled by its caller, or the wait runs out. When a started send fails
 * with a retryable status, the sequencer is fenced: waiting and later sends are refused with
 * UNAVAILABLE until the client restarts its pipeline (a send that follows nothing), so a retried
 * send never lands behind its successors. Successors that had already started when the failure
 * became known are not refused here: the topic log fails every append queued behind a failed
 * write, and a non-reliable topic has no asynchronous failure.
 */
export class ProducerSequencer {
  /** The highest request id started (or given up on); every id at or below it is past. */
  #highest: bigint | undefined;
  #held: Held[] = [];
  #heldBytes = 0;
  #fence: bigint | undefined;

  constructor(private readonly limits: SequencerLimits) {}

  /**
   * Runs `run` (which must assign the offset synchronously, before its first await) in order.
   * `onCancel` registers a listener for the caller giving up (the gRPC call was cancelled); it
   * returns the function that removes the listener.
   */
  submit(
    requestId: bigint,
    order: SendOrder,
    size: number,
    onCancel: (listener: () => void) => () => void,
    run: () => Promise<void>,
  ): Promise<void> {
    const { after } = order;
    if (this.#fence !== undefined) {
      if (after !== undefined) {
        return Promise.reject(this.#fencedError());
      }
      this.#fence = undefined; // nothing in flight before it: the client restarted its pipeline
    }
    if (after === undefined) {
      // Nothing is in flight before it: a new pipeline starts here. Resends keep their request
      // ids, which may be lower than ids started before: forget those, so the resent ones after
      // it wait for their predecessors again.
      this.#highest = undefined;
      return this.#start(requestId, run);
    }
    if (this.#highest !== undefined && after <= this.#highest) {
      return this.#start(requestId, run);
    }
    if (this.#heldBytes + size > this.limits.maxHeldBytes) {
      this.#fenceAt(requestId);
      return Promise.reject(
        new BrokerError(
          Status.Unavailable,
          `request ${requestId} refused: ${this.#heldBytes} bytes already wait for earlier sends of this producer; resend in order`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The predecessor never came (abandoned by the client): skip the gap.
        this.#advance(after);
        this.#drain();
      }, this.limits.maxWaitMs);
      let held: Held | undefined;
      const unwatch = onCancel(() => {
        if (held === undefined || !this.#remove(held)) return;
        // Given up by its caller: it will never be stored, so its successors need not wait.
        this.#advance(held.id);
        reject(new BrokerError(Status.Unavailable, `request ${requestId} cancelled by the client`));
        this.#drain();
      });
      held = { id: requestId, after, size, run, resolve, reject, timer, unwatch };
      this.#insert(held);
    });
  }

  #start(requestId: bigint, run: () => Promise<void>): Promise<void> {
    this.#advance(requestId);
    let result: Promise<void>;
    try {
      result = run();
    } catch (error) {
      result = Promise.reject(error);
    }
    this.#drain();
    this.#watch(result, requestId);
    return result;
  }

  /** The latest promise a run returned, and the lowest request id that shares it. */
  #watched: { result: Promise<void>; lowest: bigint } | undefined;

  /**
   * Fences at the lowest request id of a run whose result fails retryably. Sends stored in one
   * group commit share one promise: it is watched once, for the lowest of their ids (fencing
   * there refuses every later one, as fencing at each of them would).
   */
  #watch(result: Promise<void>, requestId: bigint): void {
    const watched = this.#watched;
    if (watched?.result === result) {
      if (requestId < watched.lowest) watched.lowest = requestId;
      return;
    }
    const watch = { result, lowest: requestId };
    this.#watched = watch;
    result.catch((error: unknown) => {
      if (isRetryableFailure(error)) this.#fenceAt(watch.lowest);
    });
  }

  #advance(id: bigint): void {
    if (this.#highest === undefined || id > this.#highest) this.#highest = id;
  }

  /** Starts every waiting send whose predecessor is past, lowest request id first. */
  #drain(): void {
    for (;;) {
      const highest = this.#highest;
      const next = this.#held.find((h) => highest !== undefined && h.after <= highest);
      if (next === undefined) return;
      this.#remove(next);
      next.resolve(this.#start(next.id, next.run));
    }
  }

  #fenceAt(requestId: bigint): void {
    this.#fence = this.#fence === undefined || requestId < this.#fence ? requestId : this.#fence;
    for (const held of [...this.#held]) {
      if (held.id <= requestId) continue;
      this.#remove(held);
      held.reject(this.#fencedError());
    }
  }

  #fencedError(): BrokerError {
    return new BrokerError(
      Status.Unavailable,
      `an earlier send of this producer (request ${this.#fence}) failed; resend from it, in order`,
    );
  }

  #insert(held: Held): void {
    this.#heldBytes += held.size;
    const at = this.#held.findIndex((h) => h.id > held.id);
    if (at === -1) this.#held.push(held);
    else this.#held.splice(at, 0, held);
  }

  #remove(held: Held): boolean {
    const at = this.#held.indexOf(held);
    if (at === -1) return false;
    this.#held.splice(at, 1);
    this.#heldBytes -= held.size;
    clearTimeout(held.timer);
    held.unwatch();
    return true;
  }
}
