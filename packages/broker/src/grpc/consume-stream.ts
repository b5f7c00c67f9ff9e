// The danube-ts consume stream (proto/danube_ts/consume.proto): one bidirectional call per consumer.
// To the dispatchers it is one more MessageSink, like a ReceiveMessages stream, except that it
// stops on the client's credit instead of on HTTP/2 backpressure alone; acks and nacks arrive on the
// same call, in batches, and go through the same BrokerCore.ack/nack as the unary RPCs.
import type { consumeStream, danube } from "@danube-ts/protocol";
import { Metadata, type ServerDuplexStream, type ServiceError, status } from "@grpc/grpc-js";
import type { BrokerCore } from "../core/broker-core.ts";
import type { ConsumerHandle } from "../core/consumer.ts";
import type { MessageSink, StreamMessage } from "../core/types.ts";
import { invalidArgument } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { malformedFrame, toServiceError } from "./handlers.ts";
import { type FrameAdmission, frameAdmission } from "./stream-admission.ts";

type Request = consumeStream.ConsumeRequest;
type Response = consumeStream.ConsumeResponse;
type Call = ServerDuplexStream<Request, Response>;

/** A delivery frame is sent once it holds this many messages or payload bytes (or at the end of the tick). */
const MAX_BATCH_MESSAGES = 512;
const MAX_BATCH_BYTES = 1024 * 1024;

const RECEIVE_PATH = "/danube.ConsumerService/ReceiveMessages";
const ACK_PATH = "/danube.ConsumerService/Ack";
const NACK_PATH = "/danube.ConsumerService/Nack";

export interface ConsumeStreamContext {
  core: BrokerCore;
  logger: Logger;
}

export function consumeStreamService({
  core,
  logger,
}: ConsumeStreamContext): consumeStream.ConsumeStreamServer {
  return {
    consume: (call: Call) => {
      new ConsumeSession(call, core, logger, frameAdmission(call)).start();
    },
  };
}

interface Held {
  message: StreamMessage;
  written: (() => void) | undefined;
}

/** One Consume call: credit accounting, delivery batching, ack frames. */
class ConsumeSession implements MessageSink {
  private consumer: ConsumerHandle | undefined;
  private ended = false;
  private messageCredit = 0;
  private byteCredit = 0;
  /** Set once the client granted bytes: from then on byte credit limits too. */
  private bytesLimited = false;
  /** The transport asked to wait for 'drain'. */
  private transportFull = false;
  /** Messages the consumer handed over while there was no credit (sent first when credit comes). */
  private readonly held: Held[] = [];
  private batch: StreamMessage[] = [];
  private batchBytes = 0;
  private batchWritten: Array<() => void> = [];
  private flushQueued = false;
  private drainListeners: Array<() => void> = [];

  constructor(
    private readonly call: Call,
    private readonly core: BrokerCore,
    private readonly logger: Logger,
    private readonly admit: FrameAdmission,
  ) {}

  start(): void {
    const call = this.call;
    call.on("data", (frame: Request) => this.onFrame(frame));
    // The client closed its side: nothing more to deliver to it.
    call.on("end", () => this.close());
    call.on("cancelled", () => this.detach());
    call.on("close", () => this.detach());
    call.on("error", () => this.detach());
  }

  // --- MessageSink: what the consumer handle sees -------------------------------------------

  write(message: StreamMessage, written?: () => void): boolean {
    if (this.ended) return false;
    if (!this.hasCredit() || this.held.length > 0) {
      this.held.push({ message, written });
      return false;
    }
    this.addToBatch(message, written);
    return this.canTakeMore();
  }

  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
    this.maybeDrain();
  }

  end(): void {
    this.close();
  }

  abort(reason: string): void {
    this.fail({ code: status.UNAVAILABLE, details: reason, metadata: new Metadata() });
  }

  // --- frames from the client ----------------------------------------------------------------

  private onFrame(frame: Request): void {
    if (this.ended) return;
    const bad = malformedFrame(frame);
    if (bad) {
      this.fail(bad);
      return;
    }
    try {
      const body = frame.frame;
      switch (body?.$case) {
        case "open":
          this.open(body.value);
          return;
        case "credit":
          this.requireOpen("credit");
          this.addCredit(body.value);
          return;
        case "acks":
          this.requireOpen("acks");
          this.acks(body.value.acks);
          return;
        default:
          throw invalidArgument("A Consume frame must hold open, credit or acks");
      }
    } catch (err) {
      this.fail(toServiceError(err, this.logger));
    }
  }

  private open(open: consumeStream.ConsumeOpen): void {
    if (this.consumer) throw invalidArgument("The Consume call is already open");
    this.admit(RECEIVE_PATH, { consumerId: open.consumerId });
    if (open.credit) this.addCredit(open.credit);
    // Response headers as the call is attached (in this same turn, as ReceiveMessages): a closing
    // client waits for them (or the call's end) before it cancels, so the cancel finds it attached.
    this.call.sendMetadata(new Metadata());
    this.consumer = this.core.attachStream(open.consumerId, this);
  }

  private requireOpen(what: string): void {
    if (!this.consumer) throw invalidArgument(`The first Consume frame must be open, got ${what}`);
  }

  private addCredit(credit: consumeStream.ConsumeCredit): void {
    this.messageCredit += credit.messages;
    if (credit.bytes > 0n) {
      this.bytesLimited = true;
      this.byteCredit += Number(credit.bytes);
    }
    this.sendHeld();
    this.maybeDrain();
  }

  /** Applies acks and nacks in order, then answers the frame with one result. */
  private acks(acks: consumeStream.ConsumeAck[]): void {
    const errors: consumeStream.ConsumeAckError[] = [];
    let settledThrough = 0n;
    for (const ack of acks) {
      try {
        if (ack.nack) {
          this.admit(NACK_PATH, ack);
          const delay = ack.delayMs === undefined ? undefined : Number(ack.delayMs);
          this.core.nack(ack.subscriptionName, ack.msgId, delay, ack.reason);
        } else {
          this.admit(ACK_PATH, ack);
          this.core.ack(ack.subscriptionName, ack.msgId);
        }
      } catch (err) {
        const failure = toServiceError(err, this.logger);
        errors.push({
          ackId: ack.ackId,
          code: failure.code ?? status.INTERNAL,
          message: failure.details ?? "",
        });
      }
      if (ack.ackId > settledThrough) settledThrough = ack.ackId;
    }
    this.call.write({ frame: { $case: "ackResult", value: { settledThrough, errors } } });
  }

  // --- deliveries ------------------------------------------------------------------------------

  private hasCredit(): boolean {
    return this.messageCredit > 0 && (!this.bytesLimited || this.byteCredit > 0);
  }

  private canTakeMore(): boolean {
    return this.hasCredit() && !this.transportFull;
  }

  private addToBatch(message: StreamMessage, written: (() => void) | undefined): void {
    const bytes = message.payload.length;
    this.messageCredit--;
    if (this.bytesLimited) this.byteCredit -= bytes;
    if (this.batch.length > 0 && this.batchBytes + bytes > MAX_BATCH_BYTES) this.flush();
    this.batch.push(message);
    this.batchBytes += bytes;
    if (written) this.batchWritten.push(written);
    if (this.batch.length >= MAX_BATCH_MESSAGES) this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        this.flush();
      });
    }
  }

  private sendHeld(): void {
    while (this.held.length > 0 && this.hasCredit() && !this.ended) {
      const { message, written } = this.held.shift() as Held;
      this.addToBatch(message, written);
    }
  }

  private flush(): void {
    if (this.batch.length === 0 || this.ended) return;
    const messages: danube.StreamMessage[] = this.batch;
    const written = this.batchWritten;
    this.batch = [];
    this.batchBytes = 0;
    this.batchWritten = [];
    const done =
      written.length === 0
        ? undefined
        : () => {
            for (const w of written) w();
          };
    const accepted = this.call.write({ frame: { $case: "delivery", value: { messages } } }, done);
    if (!accepted && !this.transportFull) {
      this.transportFull = true;
      this.call.once("drain", () => {
        this.transportFull = false;
        this.maybeDrain();
      });
    }
  }

  /** Tells the consumer handle to go on once there is credit and the transport takes more. */
  private maybeDrain(): void {
    if (!this.canTakeMore() || this.held.length > 0 || this.drainListeners.length === 0) return;
    const listeners = this.drainListeners;
    this.drainListeners = [];
    for (const listener of listeners) listener();
  }

  // --- ending ------------------------------------------------------------------------------------

  /** Ends the call with OK (consumer replaced or removed, or the client closed its side). */
  private close(): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    this.detach();
    this.call.end();
  }

  private fail(error: Partial<ServiceError>): void {
    if (this.ended) return;
    this.ended = true;
    this.detach();
    this.call.emit("error", error);
  }

  private detach(): void {
    this.ended = true;
    this.held.length = 0;
    this.drainListeners = [];
    const consumer = this.consumer;
    if (consumer) consumer.detach(this);
  }
}
