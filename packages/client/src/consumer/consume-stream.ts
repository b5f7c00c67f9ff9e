// One danube-ts Consume call (proto/danube_ts/consume.proto) of a partition consumer: receives
// batched deliveries within the credit it granted, grants credit back as the application drains
// the consumer's queue, and carries acks and nacks (coalesced per tick) with their results.
import type { consumeStream, danube } from "@danube-ts/protocol";
import type { ClientDuplexStream } from "@grpc/grpc-js";
import { type CallContext, throwIfStopped } from "../call-context.ts";
import { fromServiceError } from "../errors/status-map.ts";
import { DanubeError, ErrorCode } from "../errors.ts";
import type { AckCommand, MessageAcker } from "./message-acker.ts";

type Call = ClientDuplexStream<consumeStream.ConsumeRequest, consumeStream.ConsumeResponse>;

export interface ConsumeStreamOptions {
  consumerId: bigint;
  /**
   * Messages received but not yet handed to the application that the client allows: the credit
   * granted when the call opens, and granted again as `deliver` takes messages.
   */
  credit: number;
  /** Hands one message on (decode, queue); resolves false when the consumer stopped. */
  deliver(message: danube.StreamMessage): Promise<boolean>;
}

interface PendingAck {
  command: AckCommand;
  ctx: CallContext;
  resolve(): void;
  reject(error: unknown): void;
  dispose: (() => void) | undefined;
}

export class ConsumeStreamSession implements MessageAcker {
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
  #nextAckId = 1n;
  readonly #pending = new Map<bigint, PendingAck>();
  #outgoing: consumeStream.ConsumeAck[] = [];
  #flushQueued = false;
  #ended: () => void = () => {};
  /** Resolves once the call ended and what it delivered was handed on; with its error, if any. */
  readonly done: Promise<unknown>;

  constructor(call: Call, options: ConsumeStreamOptions) {
    this.#call = call;
    this.#options = options;
    this.#grantStep = Math.max(1, Math.floor(options.credit / 4));
    const ended = new Promise<void>((resolve) => {
      this.#ended = resolve;
    });
    this.done = ended.then(() => this.#failure);
    call.on("data", (frame: consumeStream.ConsumeResponse) => this.#onFrame(frame));
    call.on("error", (error: unknown) => this.#finish(error));
    call.on("end", () => this.#finish(undefined));
    call.write({
      frame: {
        $case: "open",
        value: { consumerId: options.consumerId, credit: { messages: options.credit, bytes: 0n } },
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

  settle(command: AckCommand, ctx: CallContext): Promise<void> {
    if (!this.#open) return Promise.reject(streamEnded());
    try {
      throwIfStopped(ctx);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      const ackId = this.#nextAckId++;
      const pending: PendingAck = { command, ctx, resolve, reject, dispose: undefined };
      // The consumer stops an ack (its deadline, its signal, close()) through ctx.stop: one timer
      // per consumer (TopicConsumer's deadline queue), nothing per ack here.
      const stop = ctx.stop;
      if (stop) {
        stop.onStop(() => this.#reject(ackId, stop.reason));
        pending.dispose = () => stop.onStop(undefined);
      }
      this.#pending.set(ackId, pending);
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
    for (const error of result.errors) {
      const pending = this.#pending.get(error.ackId);
      if (!pending) continue;
      const rpc = pending.command.nack === undefined ? "Ack" : "Nack";
      const status = { code: error.code, details: error.message };
      this.#reject(error.ackId, fromServiceError(status, `${pending.ctx.operation} (${rpc})`));
    }
    // Ids are ascending in insertion order: settle the prefix up to `settledThrough`.
    for (const [ackId, pending] of this.#pending) {
      if (ackId > result.settledThrough) break;
      this.#pending.delete(ackId);
      pending.dispose?.();
      pending.resolve();
    }
  }

  #reject(ackId: bigint, error: unknown): void {
    const pending = this.#pending.get(ackId);
    if (!pending) return;
    this.#pending.delete(ackId);
    pending.dispose?.();
    pending.reject(error);
  }

  /** Hands received messages on in order, granting credit back as they are taken. */
  async #deliver(): Promise<void> {
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      while (this.#head < this.#buffer.length && !this.#stopped && this.#failure === undefined) {
        const message = this.#buffer[this.#head] as danube.StreamMessage;
        this.#buffer[this.#head++] = undefined;
        if (!(await this.#options.deliver(message))) {
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
    if (!this.#open) return;
    this.#open = false;
    if (error !== undefined) this.#failure = error;
    for (const ackId of [...this.#pending.keys()]) this.#reject(ackId, streamEnded());
    this.#outgoing = [];
    this.#endWhenDelivered();
  }

  /** A clean end still hands on what arrived; a failed call drops it (the broker redelivers it). */
  #endWhenDelivered(): void {
    if (this.#delivering && this.#failure === undefined && !this.#stopped) return;
    this.#ended();
  }
}

/** Retryable: the ack is sent again on the next stream or as a unary call. */
function streamEnded(): DanubeError {
  return new DanubeError(ErrorCode.UNAVAILABLE, "the consume stream ended before the broker answered");
}
