// danube-ts extension: the ordered publish stream (proto/danube_ts/publish.proto), one per producer
// registration. Every message takes exactly the path a SendMessage takes (core.publishInOrder:
// the same checks, sequencing, budgets, schema validation and durability) and is answered with
// the status SendMessage would have answered; the stream adds batching and credit, nothing else.
import type { danube, publishStream } from "@danube-ts/protocol";
import { Metadata, type ServerDuplexStream, type ServiceError, status } from "@grpc/grpc-js";
import type { BrokerCore } from "../core/broker-core.ts";
import { invalidArgument, unavailable } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { BrokerMetrics } from "../metrics/broker-metrics.ts";
import { codeName } from "../metrics/rpc-timing.ts";
import type { Security } from "../security/security.ts";
import { boundedDetails, malformedFrame, toServiceError } from "./handlers.ts";
import type { OpenStreams } from "./open-streams.ts";
import { streamPrincipals } from "./secure.ts";

/** The RPC every streamed message is authorized as. */
const sendMessagePath = "/danube.ProducerService/SendMessage";

/**
 * Unanswered messages (and payload bytes) one stream may have: the credit granted when it opens
 * and given back as messages are answered. The byte window is a quarter of the sequencer's held
 * bytes default, so one stream never holds more than a bounded share of broker memory.
 */
export const streamWindow = { messages: 8192, bytes: 16 * 1024 * 1024 } as const;

type Call = ServerDuplexStream<publishStream.PublishRequest, publishStream.PublishResponse>;

export interface PublishStreamContext {
  core: BrokerCore;
  logger: Logger;
  security: Security;
  streams: OpenStreams;
  /** With the Prometheus endpoint on: every streamed message counts as a send, as SendMessage's. */
  metrics?: BrokerMetrics | undefined;
}

export function publishStreamService(ctx: PublishStreamContext): publishStream.PublishStreamServer {
  return {
    publish: (call: Call) => {
      new PublishSession(ctx, call).start();
    },
  };
}

/** One open publish stream. */
class PublishSession {
  readonly #ctx: PublishStreamContext;
  readonly #call: Call;
  #producerId: bigint | undefined;
  /** Messages received and not yet answered, and their payload bytes. */
  #unanswered = 0;
  #unansweredBytes = 0;
  /** Answers (and the credit they give back) not yet written. */
  #receipts: bigint[] = [];
  #errors: publishStream.PublishError[] = [];
  #returned = 0;
  #returnedBytes = 0;
  #flushScheduled = false;
  /** No more writes: the stream failed, was cancelled, or ended. */
  #ended = false;
  /** The client half-closed: end once everything is answered. */
  #clientDone = false;
  /** The broker is closing: refuse new messages, end with UNAVAILABLE once started ones are answered. */
  #closing = false;
  readonly #cancelListeners = new Set<() => void>();
  #unregister: () => void = () => {};

  constructor(ctx: PublishStreamContext, call: Call) {
    this.#ctx = ctx;
    this.#call = call;
  }

  start(): void {
    const call = this.#call;
    this.#unregister = this.#ctx.streams.add(() => {
      this.#closing = true;
      this.#maybeFinish();
    });
    call.on("data", (frame: publishStream.PublishRequest) => this.#onFrame(frame));
    call.on("end", () => {
      this.#clientDone = true;
      this.#maybeFinish();
    });
    call.on("cancelled", () => this.#stop());
    call.write({
      creditMessages: streamWindow.messages,
      creditBytes: BigInt(streamWindow.bytes),
      receipts: [],
      errors: [],
      maxBatchBytes: this.#ctx.core.options.maxMessageSize + 1024 * 1024,
    });
  }

  #onFrame(frame: publishStream.PublishRequest): void {
    if (this.#ended) return;
    const problem = this.#frameProblem(frame);
    if (problem !== undefined) this.#fail(problem);
  }

  /** Handles one frame; returns the status ending the stream when the frame breaks the protocol. */
  #frameProblem(frame: publishStream.PublishRequest): Partial<ServiceError> | undefined {
    const bad = malformedFrame(frame);
    if (bad) return bad;
    const body = frame.frame;
    if (body?.$case === "open") {
      if (this.#producerId !== undefined) return protocolError("the stream is already open");
      this.#producerId = body.value.producerId;
      return undefined;
    }
    if (body?.$case === "batch") {
      if (this.#producerId === undefined) return protocolError("the first frame must be `open`");
      return this.#onBatch(this.#producerId, body.value);
    }
    return protocolError("empty frame");
  }

  #onBatch(producerId: bigint, batch: publishStream.PublishBatch): Partial<ServiceError> | undefined {
    const { core, security } = this.#ctx;
    const started = this.#ctx.metrics === undefined ? 0 : performance.now();
    let after = batch.after;
    // Consecutive messages whose publishes share a promise (one group commit) are answered together.
    let group: danube.StreamMessage[] = [];
    let groupResult: Promise<void> | undefined;
    for (const message of batch.messages) {
      const size = message.payload.length;
      if (
        this.#unanswered >= streamWindow.messages ||
        (this.#unanswered > 0 && this.#unansweredBytes + size > streamWindow.bytes)
      ) {
        if (groupResult !== undefined) this.#answerWhenSettled(groupResult, group, started);
        return protocolError("the client exceeded its credit");
      }
      this.#unanswered++;
      this.#unansweredBytes += size;
      let published: Promise<void>;
      try {
        if (this.#closing) throw unavailable("The broker is shutting down");
        const id = message.msgId?.producerId;
        if (id !== undefined && id !== producerId) {
          throw invalidArgument(`msg_id.producer_id ${id} is not the stream's producer ${producerId}`);
        }
        if (security.enabled) {
          const principal = streamPrincipals.get(this.#call);
          if (principal === undefined) throw unavailable("the stream was not authenticated");
          security.admitAs(principal, sendMessagePath, message);
        }
        published = core.publishInOrder(message, { after }, this.#onCancel);
        // The next message follows this one; one refused above never reaches the sequencer, so
        // its successor follows what it followed (instead of waiting for it).
        after = message.requestId;
      } catch (err) {
        published = Promise.reject(err);
      }
      if (published !== groupResult) {
        if (groupResult !== undefined) this.#answerWhenSettled(groupResult, group, started);
        group = [];
        groupResult = published;
      }
      group.push(message);
    }
    if (groupResult !== undefined) this.#answerWhenSettled(groupResult, group, started);
    return undefined;
  }

  #answerWhenSettled(result: Promise<void>, messages: danube.StreamMessage[], started: number): void {
    result.then(
      () => this.#answer(messages, undefined, started),
      (err: unknown) => this.#answer(messages, err, started),
    );
  }

  /** Answers `messages` (all stored, or all refused with `err`). */
  #answer(messages: danube.StreamMessage[], err: unknown, started: number): void {
    let code: number = status.OK;
    let details = "";
    if (err !== undefined) {
      const error = toServiceError(err, this.#ctx.logger);
      code = error.code ?? status.INTERNAL;
      details = error.details ?? "";
    }
    const metrics = this.#ctx.metrics;
    const ms = metrics === undefined ? 0 : performance.now() - started;
    const outcome = code === status.OK ? "OK" : codeName(code);
    for (const message of messages) {
      const size = message.payload.length;
      this.#unanswered--;
      this.#unansweredBytes -= size;
      this.#returned++;
      this.#returnedBytes += size;
      if (code === status.OK) this.#receipts.push(message.requestId);
      else this.#errors.push({ requestId: message.requestId, code, message: details });
      metrics?.sendDone(message.msgId?.topicName ?? "", size, ms, outcome);
    }
    if (!this.#maybeFinish() && !this.#flushScheduled) {
      // The answers of one group commit settle in one microtask checkpoint (their promises are
      // shared), so a microtask puts them in one frame without waiting for the next loop turn.
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        this.#flush();
      });
    }
  }

  #flush(): void {
    if (this.#ended || this.#returned === 0) return;
    this.#call.write({
      creditMessages: this.#returned,
      creditBytes: BigInt(this.#returnedBytes),
      receipts: this.#receipts,
      errors: this.#errors,
      maxBatchBytes: 0,
    });
    this.#receipts = [];
    this.#errors = [];
    this.#returned = 0;
    this.#returnedBytes = 0;
  }

  /** Ends the stream once nothing is unanswered, if the client or the broker is done; true if ended. */
  #maybeFinish(): boolean {
    if (this.#ended || this.#unanswered > 0) return this.#ended;
    if (this.#closing) {
      this.#fail({
        code: status.UNAVAILABLE,
        details: "The broker is shutting down",
        metadata: new Metadata(),
      });
      return true;
    }
    if (this.#clientDone) {
      this.#flush();
      this.#stop();
      this.#call.end();
      return true;
    }
    return false;
  }

  /** Writes the answers already known, then ends the stream with `error`. */
  #fail(error: Partial<ServiceError>): void {
    if (this.#ended) return;
    this.#flush();
    this.#stop();
    this.#call.emit("error", { ...error, details: boundedDetails(error.details ?? "") });
  }

  /** No more writes; sends waiting for a predecessor are given up (the sequencer skips them). */
  #stop(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#unregister();
    const listeners = [...this.#cancelListeners];
    this.#cancelListeners.clear();
    for (const listener of listeners) listener();
  }

  /** Registers a listener for the stream ending (sends held by the sequencer give up then). */
  readonly #onCancel = (listener: () => void): (() => void) => {
    if (this.#ended) {
      queueMicrotask(listener);
      return () => {};
    }
    this.#cancelListeners.add(listener);
    return () => {
      this.#cancelListeners.delete(listener);
    };
  };
}

function protocolError(what: string): Partial<ServiceError> {
  return {
    code: status.INVALID_ARGUMENT,
    details: `publish stream: ${what}`,
    metadata: new Metadata(),
  };
}
