// One danube-ts Consume call (proto/danube_ts/consume.proto) of a partition consumer: receives
// batched deliveries within the credit it granted, grants credit back as the application drains
// the consumer's queue, and carries acks and nacks (one frame per event-loop turn) with their results.
import type { consumeStream, danube } from "@danube-ts/protocol";
import type { ClientDuplexStream } from "@grpc/grpc-js";
import { type CallContext, throwIfStopped } from "../call-context.ts";
import { cancelledError, fromServiceError } from "../errors/status-map.ts";
import { DanubeError, ErrorCode } from "../errors.ts";
import type { CreditSink } from "./message.ts";
import type { AckCommand, MessageAcker } from "./message-acker.ts";

type Call = ClientDuplexStream<consumeStream.ConsumeRequest, consumeStream.ConsumeResponse>;

export interface ConsumeStreamOptions {
  consumerId: bigint;
  /**
   * Messages received but not yet handed to the application that the client allows: the credit
   * granted when the call opens, and granted again as `deliver` takes messages.
   */
  credit: number;
  /**
   * Payload bytes granted when the call opens, granted again as the application takes messages
   * ({@link ConsumeStreamSession.taken}): what is received and not yet taken stays within it
   * (plus one message).
   */
  creditBytes: number;
  /**
   * Hands one message on (decode, queue): true or false at once, or a promise of it when it has
   * to wait (a full queue, a schema fetch); false when the consumer stopped.
   */
  deliver(message: danube.StreamMessage): boolean | Promise<boolean>;
}

/** An ack or nack written (or about to be) and not yet answered. */
interface PendingAck {
  readonly ackId: bigint;
  readonly command: AckCommand;
  readonly ctx: CallContext;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  settled: boolean;
}

export class ConsumeStreamSession implements MessageAcker, CreditSink {
  readonly #call: Call;
  readonly #options: ConsumeStreamOptions;
  /** Credit is granted back in steps of this many messages. */
  readonly #grantStep: number;
  #open = true;
  /** Whether any frame arrived (an UNIMPLEMENTED before any frame means: no such service). */
  #answered = false;
  #failure: unknown;
  /** Received, not yet delivered; `#head` is the next one. */
  #buffer: Array<danube.StreamMessage | undefined> = [];
  #head = 0;
  #delivering = false;
  #stopped = false;
  /** Credit earned by delivered messages, not yet sent. */
  #grant = 0;
  /** Byte credit is granted back in steps of this many bytes. */
  readonly #grantBytesStep: number;
  /** Byte credit earned by messages the application took, not yet sent. */
  #grantBytes = 0;
  #nextAckId = 1n;
  /** Unanswered acks in ack id order (ids ascend by one); `#pendingHead` is the oldest. */
  #pending: PendingAck[] = [];
  #pendingHead = 0;
  #outgoing: consumeStream.ConsumeAck[] = [];
  #flushQueued = false;
  #ended: () => void = () => {};
  /** Resolves once the call ended and what it delivered was handed on; with its error, if any. */
  readonly done: Promise<unknown>;
  #markAttached: () => void = () => {};
  /**
   * Resolves once the broker sent the response headers (it does once the call is attached to the
   * consumer) or the call ended: cancelling earlier may reach the broker before the open frame.
   */
  readonly attached: Promise<void>;

  constructor(call: Call, options: ConsumeStreamOptions) {
    this.#call = call;
    this.#options = options;
    this.#grantStep = Math.max(1, Math.floor(options.credit / 4));
    this.#grantBytesStep = Math.max(1, Math.floor(options.creditBytes / 4));
    const ended = new Promise<void>((resolve) => {
      this.#ended = resolve;
    });
    this.done = ended.then(() => this.#failure);
    this.attached = new Promise<void>((resolve) => {
      this.#markAttached = resolve;
    });
    call.on("metadata", () => this.#markAttached());
    call.on("data", (frame: consumeStream.ConsumeResponse) => this.#onFrame(frame));
    call.on("error", (error: unknown) => this.#finish(error));
    call.on("end", () => this.#finish(undefined));
    call.write({
      frame: {
        $case: "open",
        value: {
          consumerId: options.consumerId,
          credit: { messages: options.credit, bytes: BigInt(options.creditBytes) },
        },
      },
    });
  }

  /** Whether acks can still go on this call. */
  get open(): boolean {
    return this.#open;
  }

  /** True when the call failed before the broker answered anything (e.g. UNIMPLEMENTED). */
  get unanswered(): boolean {
    return !this.#answered;
  }

  cancel(): void {
    this.#stopped = true;
    this.#call.cancel();
  }

  /** The application took a message of `bytes` payload bytes that came on this call. */
  taken(bytes: number): void {
    this.#grantBytes += bytes;
    if (this.#grantBytes < this.#grantBytesStep || !this.#open) return;
    this.#call.write({ frame: { $case: "credit", value: { messages: 0, bytes: BigInt(this.#grantBytes) } } });
    this.#grantBytes = 0;
  }

  settle(command: AckCommand, ctx: CallContext): Promise<void> {
    if (!this.#open) return Promise.reject(streamEnded());
    try {
      throwIfStopped(ctx);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      const ackId = this.#nextAckId++;
      const pending: PendingAck = { ackId, command, ctx, resolve, reject, settled: false };
      // The consumer stops an ack (its deadline, its signal, close()) through ctx.stop: one timer
      // per consumer (TopicConsumer's deadline queue), nothing per ack here.
      const stop = ctx.stop;
      if (stop) stop.onStop(() => settleAck(pending, stop.reason ?? cancelledError(ctx.operation)));
      this.#pending.push(pending);
      const { message, subscription, nack } = command;
      this.#outgoing.push({
        ackId,
        msgId: message.msgId,
        subscriptionName: subscription,
        nack: nack !== undefined,
        delayMs: nack?.delayMs === undefined ? undefined : BigInt(nack.delayMs),
        reason: nack?.reason,
      });
      if (!this.#flushQueued) {
        this.#flushQueued = true;
        // What the application acks in this turn of the event loop goes in one frame.
        setImmediate(this.#flushAcks);
      }
    });
  }

  readonly #flushAcks = (): void => {
    this.#flushQueued = false;
    if (this.#outgoing.length === 0 || !this.#open) return;
    const acks = this.#outgoing;
    this.#outgoing = [];
    this.#call.write({ frame: { $case: "acks", value: { acks } } });
  };

  #onFrame(frame: consumeStream.ConsumeResponse): void {
    this.#answered = true;
    const body = frame.frame;
    if (body?.$case === "delivery") {
      for (const message of body.value.messages) this.#buffer.push(message);
      void this.#deliver();
    } else if (body?.$case === "ackResult") {
      this.#settled(body.value);
    }
  }

  #settled(result: consumeStream.ConsumeAckResult): void {
    const pending = this.#pending;
    for (const error of result.errors) {
      // Ids ascend by one from the head: the entry's index follows from its id.
      const at = this.#pendingHead + Number(error.ackId - (pending[this.#pendingHead]?.ackId ?? 0n));
      const entry = pending[at];
      if (entry === undefined || entry.ackId !== error.ackId || entry.settled) continue;
      const rpc = entry.command.nack === undefined ? "Ack" : "Nack";
      const status = { code: error.code, details: error.message };
      settleAck(entry, fromServiceError(status, `${entry.ctx.operation} (${rpc})`));
    }
    // Settle the prefix up to `settledThrough`.
    let head = this.#pendingHead;
    while (head < pending.length && pending[head]!.ackId <= result.settledThrough) {
      settleAck(pending[head]!, undefined);
      head++;
    }
    if (head === pending.length) {
      this.#pending = [];
      this.#pendingHead = 0;
    } else if (head > 1024 && head * 2 > pending.length) {
      this.#pending = pending.slice(head);
      this.#pendingHead = 0;
    } else {
      this.#pendingHead = head;
    }
  }

  /** Hands received messages on in order, granting credit back as they are taken. */
  async #deliver(): Promise<void> {
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      while (this.#head < this.#buffer.length && !this.#stopped && this.#failure === undefined) {
        const message = this.#buffer[this.#head] as danube.StreamMessage;
        this.#buffer[this.#head++] = undefined;
        const handed = this.#options.deliver(message);
        if (handed !== true && !(await handed)) {
          this.cancel();
          break;
        }
        if (++this.#grant >= this.#grantStep && this.#open) {
          this.#call.write({ frame: { $case: "credit", value: { messages: this.#grant, bytes: 0n } } });
          this.#grant = 0;
        }
      }
      if (this.#head === this.#buffer.length) {
        this.#buffer = [];
        this.#head = 0;
      }
    } finally {
      this.#delivering = false;
      if (!this.#open) this.#endWhenDelivered();
    }
  }

  #finish(error: unknown): void {
    this.#markAttached();
    if (!this.#open) return;
    this.#open = false;
    if (error !== undefined) this.#failure = error;
    const pending = this.#pending;
    this.#pending = [];
    for (let i = this.#pendingHead; i < pending.length; i++) settleAck(pending[i]!, streamEnded());
    this.#pendingHead = 0;
    this.#outgoing = [];
    this.#endWhenDelivered();
  }

  /** A clean end still hands on what arrived; a failed call drops it (the broker redelivers it). */
  #endWhenDelivered(): void {
    if (this.#delivering && this.#failure === undefined && !this.#stopped) return;
    this.#ended();
  }
}

/** Resolves (`error` undefined) or rejects an ack once; an ack stopped by its owner is already settled. */
function settleAck(pending: PendingAck, error: unknown): void {
  if (pending.settled) return;
  pending.settled = true;
  pending.ctx.stop?.onStop(undefined);
  if (error === undefined) pending.resolve();
  else pending.reject(error);
}

/** Retryable: the ack is sent again on the next stream or as a unary call. */
function streamEnded(): DanubeError {
  return new DanubeError(ErrorCode.UNAVAILABLE, "the consume stream ended before the broker answered");
}
