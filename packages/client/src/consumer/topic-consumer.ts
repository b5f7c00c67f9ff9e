// A consumer subscribed to one (partition) topic: subscribe, receive stream with automatic
// resubscribe, ack/nack.

import { setMaxListeners } from "node:events";
import { announced, consumeStreamHeader, type danube } from "@danube-ts/protocol";
import { status as GrpcStatus } from "@grpc/grpc-js";
import {
  backgroundContext,
  type CallContext,
  createCallContext,
  OwnedContext,
  sleep,
  throwIfStopped,
} from "../call-context.ts";
import { DeadlineQueue } from "../deadlines.ts";
import { ackObserved, observeAck, traceSubscribe } from "../diagnostics/hooks.ts";
import { subscriptionTypeToWire } from "../enums.ts";
import { toDanubeError } from "../errors/status-map.ts";
import { closedError, DanubeError, ErrorCode } from "../errors.ts";
import { startHealthCheck } from "../health-check.ts";
import { resolveTopicAddress } from "../lookup.ts";
import {
  type AckOptions,
  type NackOptions,
  type ResolvedSubscribeOptions,
  validateCallOptions,
  validateNackOptions,
} from "../options.ts";
import { backoffDelay, retryRegistration, withRetry } from "../retry.ts";
import { type ClientRuntime, requestIdCounter } from "../runtime.ts";
import type { SchemaDecoder } from "../schema/decoder.ts";
import type { StatusSink } from "../status.ts";
import type { BrokerAddress } from "../transport/connection-pool.ts";
import { unaryCall } from "../transport/unary.ts";
import { AsyncQueue } from "./async-queue.ts";
import { ConsumeStreamSession } from "./consume-stream.ts";
import { type Acknowledger, type CreditSink, type Message, MessageImpl } from "./message.ts";
import { type AckCommand, createUnaryAcker, type MessageAcker } from "./message-acker.ts";

/**
 * One Subscribe registration and its ReceiveMessages stream. Whenever the stream ends or fails
 * (broker restart, health check CLOSE, network), it subscribes again with the same consumer
 * name and subscription (lookup + Subscribe, which the broker treats as a takeover of the same
 * consumer) and reopens the stream, backing off between tries, until closed.
 */
export class TopicConsumer implements Acknowledger {
  readonly topic: string;
  readonly #runtime: ClientRuntime;
  readonly #options: ResolvedSubscribeOptions;
  readonly #emit: StatusSink;
  readonly #nextRequestId = requestIdCounter(0n);
  readonly #stop = new AbortController();
  #address: BrokerAddress;
  #consumerId: bigint | undefined;
  /** The open ReceiveMessages or Consume call. */
  #stream: { cancel(): void } | undefined;
  /**
   * Resolves once the broker answered the open call (response headers, sent once it attached the
   * call to the consumer) or the call ended. close() waits for it before cancelling.
   */
  #attached: Promise<void> | undefined;
  /** Whether the broker announced the consume stream at the last Subscribe. */
  #streamOffered = false;
  /** Set when the broker refused the Consume call (UNIMPLEMENTED): ReceiveMessages from then on. */
  #streamRefused = false;
  /** The open Consume call, which also carries acks and nacks. */
  #session: ConsumeStreamSession | undefined;
  readonly #unaryAcker: MessageAcker;
  #closeReported = false;
  #receiving: Promise<void> | undefined;
  /** Set by close(): new acks and nacks fail with CLOSED. */
  #closing = false;
  #closed: Promise<void> | undefined;
  /** Acks and nacks in flight; close() lets them settle before stopping anything. */
  #acksInFlight = 0;
  /** Set by close() while it waits for #acksInFlight to reach 0. */
  #acksSettled: (() => void) | undefined;
  /** The deadlines of every pending ack and nack, on one timer. */
  readonly #deadlines = new DeadlineQueue();

  readonly #decoder: SchemaDecoder<unknown> | undefined;

  constructor(
    runtime: ClientRuntime,
    topic: string,
    options: ResolvedSubscribeOptions,
    emit: StatusSink,
    decoder?: SchemaDecoder<unknown>,
  ) {
    this.#runtime = runtime;
    this.#decoder = decoder;
    this.topic = topic;
    this.#options = options;
    this.#emit = emit;
    this.#address = runtime.serviceAddress;
    this.#unaryAcker = createUnaryAcker({
      connection: () => runtime.pool.get(this.#address),
      metadata: () => runtime.pool.metadata(this.#address),
    });
    // Retry backoffs of acks and nacks listen on it.
    setMaxListeners(0, this.#stop.signal);
  }

  /**
   * Looks the topic up and subscribes, retrying retryable failures; starts the health check.
   * Rejects with CANCELLED when `ctx`'s signal or close signal aborted, also once the Subscribe
   * (not cancelled once sent, see #register) was answered: close() then ends that consumer on the
   * broker.
   */
  async subscribe(ctx: CallContext): Promise<void> {
    const retry = this.#runtime.options.retry;
    const id = () => this.#consumerId;
    const register = () =>
      retryRegistration(ctx, retry, () => this.#register(ctx), { onRetry: this.#runtime.observe.retry });
    await traceSubscribe(this.topic, this.#options, register, id);
    void startHealthCheck(
      this.#runtime,
      "consumer",
      () => {
        const id = this.#consumerId;
        return this.#stream === undefined || id === undefined ? undefined : { id, address: this.#address };
      },
      this.#stop.signal,
      (target) => {
        // The broker forgot or deactivated us: drop the stream so the loop subscribes again.
        if (target.id !== this.#consumerId || this.#stream === undefined) return;
        this.#closeReported = true;
        this.#stream.cancel();
      },
    );
  }

  /**
   * Lookup + Subscribe under `ctx`, except that its signals do not cancel a Subscribe once sent:
   * the broker may already hold the consumer active, so the answer is waited for (bounded by the
   * deadline) and, the consumer being stopped, that consumer is ended on the broker (#detach).
   */
  async #register(ctx: CallContext): Promise<void> {
    const runtime = this.#runtime;
    const address = await resolveTopicAddress(runtime, runtime.serviceAddress, this.topic, ctx);
    throwIfStopped(ctx);
    const subscribeCtx: CallContext = { ...ctx, signal: undefined, closeSignal: undefined };
    const connection = runtime.pool.get(address);
    const request: danube.ConsumerRequest = {
      requestId: this.#nextRequestId(),
      topicName: this.topic,
      consumerName: this.#options.consumerName,
      subscription: this.#options.subscription,
      subscriptionType: subscriptionTypeToWire(this.#options.subscriptionType),
      keyFilters: this.#options.keyFilters,
    };
    let offered = false;
    const response = await unaryCall<danube.ConsumerResponse>(
      subscribeCtx,
      "Subscribe",
      (options, callback) => {
        const call = connection.consumer.subscribe(
          request,
          runtime.pool.metadata(address),
          options,
          callback,
        );
        call.on("metadata", (metadata) => {
          offered = announced(metadata.get(consumeStreamHeader));
        });
        return call;
      },
    );
    this.#address = address;
    this.#consumerId = response.consumerId;
    this.#streamOffered = offered;
    if (!offered && runtime.options.transport === "stream") {
      // The broker registered the consumer all the same and holds it active: end it there, over
      // ReceiveMessages (#pumpStream takes it, no stream being offered), before refusing.
      await this.#detach();
      this.#consumerId = undefined;
      throw new DanubeError(
        ErrorCode.UNIMPLEMENTED,
        `${ctx.operation}: the broker at ${address.brokerUrl} does not offer the danube-ts consume stream (client option transport: "stream"); use "auto" or "unary"`,
      );
    }
  }

  /** Starts the background receive loop feeding `queue`. */
  startReceiving(queue: AsyncQueue<Message<unknown>>): void {
    this.#receiving ??= this.#receiveLoop(queue).catch((e) =>
      this.#runtime.observe.unexpected("receive loop", e),
    );
  }

  #status(type: "reconnecting" | "error", attempt: number, reason: string, cause?: DanubeError): void {
    const base = { source: "consumer", topic: this.topic, name: this.#options.consumerName } as const;
    if (type === "error" && cause !== undefined) {
      this.#emit({ ...base, type, reason, cause });
    } else {
      this.#emit({ ...base, type: "reconnecting", attempt, reason, cause });
    }
  }

  async #receiveLoop(queue: AsyncQueue<Message<unknown>>): Promise<void> {
    const runtime = this.#runtime;
    const stop = this.#stop.signal;
    const ctx = backgroundContext(`receive ${this.topic}`, stop);
    let attempt = 0;
    let resubscribe = false;
    while (!stop.aborted && !queue.closed) {
      if (resubscribe) {
        const subCtx = createCallContext("resubscribe", undefined, runtime.options.requestTimeoutMs, stop);
        // close() does not cancel a Subscribe once sent (#register): it waits for the answer.
        try {
          await this.#register(subCtx);
          if (stop.aborted) {
            await this.#detach(queue);
            return;
          }
          resubscribe = false;
          this.#emit({
            type: "reconnected",
            source: "consumer",
            topic: this.topic,
            name: this.#options.consumerName,
            attempt,
          });
          attempt = 0;
        } catch (thrown) {
          if (stop.aborted) return;
          const error = toDanubeError(thrown, subCtx.operation);
          // Not retryable (e.g. the topic was deleted): report it, keep trying at the backoff cap.
          if (!error.retryable) this.#status("error", attempt, error.message, error);
          attempt++;
          this.#status("reconnecting", attempt, error.message, error);
          await sleep(backoffDelay(attempt - 1, runtime.options.retry), ctx).catch(() => {});
          continue;
        }
      }
      const failure = await this.#pumpStream(queue);
      if (stop.aborted || queue.closed) return;
      const error = failure === undefined ? undefined : toDanubeError(failure, ctx.operation);
      const reason = this.#closeReported
        ? "the broker's health check reported the consumer as closed"
        : (error?.message ?? "the broker ended the stream");
      this.#closeReported = false;
      resubscribe = true;
      attempt++;
      this.#status("reconnecting", attempt, reason, error);
      await sleep(backoffDelay(attempt - 1, runtime.options.retry), ctx).catch(() => {});
    }
  }

  /**
   * close() came while a Subscribe was answered, or before the receive loop started (subscribe()
   * failed or was stopped after the broker answered): the broker holds the consumer active
   * without a delivery call (until its streamless timeout, refusing an unsubscribe or another
   * Exclusive consumer). As close() does for an open call: open one, wait until the broker
   * attached it (bounded by requestTimeoutMs), and end it, which deactivates the consumer on the
   * broker. Nothing is handed to the application (the consumer is stopped; by default `queue` is
   * a closed one).
   */
  async #detach(queue: AsyncQueue<Message<unknown>> = closedQueue()): Promise<void> {
    const pumping = this.#pumpStream(queue);
    const attached = this.#attached;
    if (attached !== undefined) await this.#within(attached, this.#runtime.options.requestTimeoutMs);
    this.#stream?.cancel();
    await pumping;
  }

  /**
   * Runs one delivery call into `queue` (the Consume stream when the broker offers it and the
   * transport option allows, else ReceiveMessages); resolves with its error, if any.
   */
  async #pumpStream(queue: AsyncQueue<Message<unknown>>): Promise<unknown> {
    const transport = this.#runtime.options.transport;
    if (!this.#streamOffered || this.#streamRefused || transport === "unary") return this.#pumpReceive(queue);
    const { failure, refused } = await this.#pumpConsume(queue);
    if (!refused || transport === "stream") return failure;
    // The broker announced the stream but does not serve it: upstream's protocol from now on.
    this.#streamRefused = true;
    return this.#pumpReceive(queue);
  }

  /** Runs one ReceiveMessages stream into `queue`; resolves with its error, if any. */
  async #pumpReceive(queue: AsyncQueue<Message<unknown>>): Promise<unknown> {
    const runtime = this.#runtime;
    const address = this.#address;
    const request: danube.ReceiveRequest = {
      requestId: this.#nextRequestId(),
      consumerId: this.#consumerId!,
    };
    let stream: ReturnType<danube.ConsumerServiceClient["receiveMessages"]>;
    try {
      stream = runtime.pool.get(address).consumer.receiveMessages(request, runtime.pool.metadata(address));
    } catch (error) {
      return error;
    }
    // grpc-js emits 'error' directly; keep a listener so a late error never goes unhandled.
    stream.on("error", () => {});
    this.#attached = new Promise<void>((resolve) => {
      stream.once("metadata", () => resolve());
      stream.once("status", () => resolve());
    });
    this.#stream = stream;
    try {
      for await (const wire of stream as AsyncIterable<danube.StreamMessage>) {
        if (!(await this.#hand(queue, wire))) break;
      }
      return undefined;
    } catch (error) {
      return error;
    } finally {
      this.#stream = undefined;
      this.#attached = undefined;
      stream.cancel();
    }
  }

  /** Runs one Consume call into `queue`; `refused` when the broker does not serve it at all. */
  async #pumpConsume(queue: AsyncQueue<Message<unknown>>): Promise<{ failure: unknown; refused: boolean }> {
    const runtime = this.#runtime;
    const address = this.#address;
    let session: ConsumeStreamSession;
    try {
      const call = runtime.pool.get(address).consumeStream.consume(runtime.pool.metadata(address));
      session = new ConsumeStreamSession(call, {
        consumerId: this.#consumerId!,
        credit: this.#options.receiveQueueSize,
        creditBytes: this.#options.receiveQueueBytes,
        deliver: (wire) => this.#hand(queue, wire, session),
      });
    } catch (error) {
      return { failure: error, refused: false };
    }
    this.#stream = session;
    this.#attached = session.attached;
    this.#session = session;
    try {
      const failure = await session.done;
      const refused =
        session.unanswered &&
        typeof failure === "object" &&
        failure !== null &&
        (failure as { code?: unknown }).code === GrpcStatus.UNIMPLEMENTED;
      return { failure, refused };
    } finally {
      this.#stream = undefined;
      this.#attached = undefined;
      this.#session = undefined;
      session.cancel();
    }
  }

  /**
   * Decodes one delivered message and queues it; false once the consumer stopped. Synchronous
   * while there is room and nothing to decode (the common case), a promise when it waits.
   */
  #hand(
    queue: AsyncQueue<Message<unknown>>,
    wire: danube.StreamMessage,
    credit?: CreditSink,
  ): boolean | Promise<boolean> {
    if (this.#decoder !== undefined) return this.#decodeAndHand(queue, wire, this.#decoder, credit);
    if (this.#stop.signal.aborted) return false;
    const message = new MessageImpl(wire, this.topic, this, undefined, credit);
    return queue.offer(message) || (!queue.closed && queue.push(message));
  }

  async #decodeAndHand(
    queue: AsyncQueue<Message<unknown>>,
    wire: danube.StreamMessage,
    decoder: SchemaDecoder<unknown>,
    credit: CreditSink | undefined,
  ): Promise<boolean> {
    // Decoding in stream order keeps order; writer schemas are fetched once, then cached.
    // close() interrupts a pending writer-schema fetch; the message is dropped with the loop.
    const decoded = await decoder.decodeSettled(wire, { signal: this.#stop.signal });
    if (this.#stop.signal.aborted) return false;
    if (!decoded.ok) this.#runtime.observe.decodeFailed(this.topic, wire.requestId, decoded.error);
    return queue.push(new MessageImpl(wire, this.topic, this, decoded, credit));
  }

  ack(message: danube.StreamMessage, options: AckOptions | undefined): Promise<void> {
    const observer = this.#runtime.observe;
    if (!ackObserved(observer, "ack")) return this.#settle(message, options, undefined);
    return observeAck(observer, "ack", this.topic, this.#options, message, undefined, () =>
      this.#settle(message, options, undefined),
    );
  }

  nack(message: danube.StreamMessage, options: NackOptions | undefined): Promise<void> {
    const nack = { delayMs: options?.delayMs, reason: options?.reason };
    const observer = this.#runtime.observe;
    if (!ackObserved(observer, "nack")) return this.#settle(message, options, nack);
    return observeAck(observer, "nack", this.topic, this.#options, message, options?.delayMs, () =>
      this.#settle(message, options, nack),
    );
  }

  /**
   * One ack (`nack` undefined) or nack, retried within its deadline, unless closing; counted in
   * #acksInFlight until it settles (close() waits for them). No close listener per ack: close()
   * lets pending acks settle first, each within its deadline (the consumer's one deadline timer).
   */
  async #settle(
    message: danube.StreamMessage,
    options: NackOptions | undefined,
    nack: AckCommand["nack"],
  ): Promise<void> {
    if (this.#closing) throw closedError("consumer");
    if (nack === undefined) validateCallOptions(options);
    else validateNackOptions(options);
    const runtime = this.#runtime;
    const ctx = new OwnedContext(
      nack === undefined ? "ack" : "nack",
      options?.signal,
      this.#stop.signal,
      Date.now() + (options?.timeoutMs ?? runtime.options.requestTimeoutMs),
      this.#deadlines,
    );
    const command: AckCommand = { message, subscription: this.#options.subscription, nack };
    this.#acksInFlight++;
    try {
      await withRetry(ctx, runtime.options.retry, () => this.#acker().settle(command, ctx), {
        onRetry: runtime.observe.retry,
      });
    } finally {
      ctx.release();
      if (--this.#acksInFlight === 0) this.#acksSettled?.();
    }
  }

  /** The open Consume call while there is one (acks batched on it), else upstream's unary RPCs. */
  #acker(): MessageAcker {
    const session = this.#session;
    return session?.open ? session : this.#unaryAcker;
  }

  /**
   * Refuses new acks and nacks (CLOSED), lets those in flight settle (each bounded by its own
   * timeout), waits until the broker attached the open delivery call (bounded by
   * requestTimeoutMs), then stops the stream, the health check and the receive loop and waits for
   * the loop to end; a Subscribe already sent (a resubscribe, or subscribe() stopped by its
   * signals) is answered first and its consumer ended on the broker (#detach). Later calls return
   * the same promise.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    if (this.#acksInFlight > 0) {
      await new Promise<void>((resolve) => {
        this.#acksSettled = resolve;
      });
    }
    // A delivery call cancelled before the broker attached it (e.g. close() right after
    // subscribe) leaves the broker's consumer active until its streamless timeout, refusing an
    // unsubscribe or a new Exclusive consumer: wait for the broker's answer first. Once it came,
    // this is a resolved promise (microtasks only).
    const attached = this.#attached;
    if (attached !== undefined) await this.#within(attached, this.#runtime.options.requestTimeoutMs);
    this.#stop.abort();
    this.#stream?.cancel();
    // Subscribed on the broker, but subscribe() failed (another partition, or its signals), so
    // no receive loop ever started.
    if (this.#receiving === undefined && this.#consumerId !== undefined) await this.#detach();
    await this.#receiving;
  }

  /** Waits for `promise`, at most `ms` milliseconds. */
  async #within(promise: Promise<void>, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    try {
      await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A closed queue: a delivery call of a stopped consumer hands nothing to it (#detach). */
function closedQueue(): AsyncQueue<Message<unknown>> {
  const queue = new AsyncQueue<Message<unknown>>(1);
  queue.close();
  return queue;
}
