// A consumer subscribed to one (partition) topic: subscribe, receive stream, ack/nack.

import type { danube } from "@danube-ts/protocol";
import type { ClientReadableStream } from "@grpc/grpc-js";
import type { BrokerAddress } from "../connection-pool.ts";
import { subscriptionTypeToWire } from "../enums.ts";
import { toDanubeError } from "../errors/status-map.ts";
import { closedError, ErrorCode } from "../errors.ts";
import { startHealthCheck } from "../health-check.ts";
import { resolveTopicAddress } from "../lookup.ts";
import {
  type AckOptions,
  type NackOptions,
  type ResolvedSubscribeOptions,
  validateCallOptions,
  validateNackOptions,
} from "../options.ts";
import { backoffDelay, withRetry } from "../retry.ts";
import { type ClientRuntime, requestIdCounter } from "../runtime.ts";
import { backgroundContext, type CallContext, createCallContext, sleep, unaryCall } from "../signals.ts";
import type { AsyncQueue } from "./async-queue.ts";
import { type Acknowledger, type Message, MessageImpl } from "./message.ts";

/** One Subscribe registration and its ReceiveMessages stream. */
export class TopicConsumer implements Acknowledger {
  readonly topic: string;
  readonly #runtime: ClientRuntime;
  readonly #options: ResolvedSubscribeOptions;
  readonly #nextRequestId = requestIdCounter(0n);
  readonly #stop = new AbortController();
  #address: BrokerAddress;
  #consumerId: bigint | undefined;
  #health: AbortController | undefined;
  #stream: ClientReadableStream<danube.StreamMessage> | undefined;
  #receiving: Promise<void> | undefined;

  constructor(runtime: ClientRuntime, topic: string, options: ResolvedSubscribeOptions) {
    this.#runtime = runtime;
    this.topic = topic;
    this.#options = options;
    this.#address = runtime.serviceAddress;
  }

  get consumerId(): bigint | undefined {
    return this.#consumerId;
  }

  /** Looks the topic up and subscribes, retrying retryable failures. */
  async subscribe(ctx: CallContext): Promise<void> {
    const runtime = this.#runtime;
    await withRetry(ctx, runtime.options.retry, async () => {
      const address = await resolveTopicAddress(runtime, runtime.serviceAddress, this.topic, ctx);
      const connection = runtime.pool.get(address);
      const request: danube.ConsumerRequest = {
        requestId: this.#nextRequestId(),
        topicName: this.topic,
        consumerName: this.#options.consumerName,
        subscription: this.#options.subscription,
        subscriptionType: subscriptionTypeToWire(this.#options.subscriptionType),
        keyFilters: this.#options.keyFilters,
      };
      const response = await unaryCall<danube.ConsumerResponse>(ctx, "Subscribe", (options, callback) =>
        connection.consumer.subscribe(request, runtime.pool.metadata(address), options, callback),
      );
      this.#address = address;
      this.#consumerId = response.consumerId;
    });
    this.#health?.abort();
    const health = new AbortController();
    this.#health = health;
    this.#stop.signal.addEventListener("abort", () => health.abort(), { once: true });
    void startHealthCheck(
      runtime,
      { kind: "consumer", id: this.#consumerId!, address: this.#address },
      health.signal,
      // The broker forgot or deactivated us: drop the stream so the receive loop reopens it.
      () => this.#stream?.cancel(),
    );
  }

  /** Starts the background receive loop feeding `queue`. */
  startReceiving(queue: AsyncQueue<Message>): void {
    this.#receiving ??= this.#receiveLoop(queue).catch(() => {});
  }

  async #receiveLoop(queue: AsyncQueue<Message>): Promise<void> {
    const runtime = this.#runtime;
    const stop = this.#stop.signal;
    const ctx = backgroundContext(`receive ${this.topic}`, stop);
    let attempt = 0;
    while (!stop.aborted && !queue.closed) {
      const connection = runtime.pool.get(this.#address);
      const request: danube.ReceiveRequest = {
        requestId: this.#nextRequestId(),
        consumerId: this.#consumerId!,
      };
      const stream = connection.consumer.receiveMessages(request, runtime.pool.metadata(this.#address));
      // grpc-js emits 'error' directly; keep a listener so a late error never goes unhandled.
      stream.on("error", () => {});
      stream.once("metadata", () => {
        attempt = 0;
      });
      this.#stream = stream;
      let failure: unknown;
      try {
        for await (const wire of stream as AsyncIterable<danube.StreamMessage>) {
          attempt = 0;
          if (!(await queue.push(new MessageImpl(wire, this.topic, this)))) break;
        }
      } catch (error) {
        failure = error;
      } finally {
        this.#stream = undefined;
        stream.cancel();
      }
      if (stop.aborted || queue.closed) return;
      const error = failure === undefined ? undefined : toDanubeError(failure, ctx.operation);
      try {
        await sleep(backoffDelay(attempt, runtime.options.retry), ctx);
        attempt++;
        if (error?.code === ErrorCode.NOT_FOUND) {
          // The broker no longer knows this consumer id (e.g. it restarted): subscribe again.
          await this.subscribe(
            createCallContext("resubscribe", undefined, runtime.options.requestTimeoutMs, stop),
          );
        }
      } catch {
        // Stopped, or resubscribe failed: the loop condition decides, the next round retries.
      }
    }
  }

  async ack(message: danube.StreamMessage, options: AckOptions | undefined): Promise<void> {
    if (this.#stop.signal.aborted) throw closedError("consumer");
    validateCallOptions(options);
    const ctx = createCallContext("ack", options, this.#runtime.options.requestTimeoutMs, this.#stop.signal);
    const request: danube.AckRequest = {
      requestId: message.requestId,
      msgId: message.msgId,
      subscriptionName: this.#options.subscription,
    };
    await withRetry(ctx, this.#runtime.options.retry, () => {
      const connection = this.#runtime.pool.get(this.#address);
      return unaryCall<danube.AckResponse>(ctx, "Ack", (opts, callback) =>
        connection.consumer.ack(request, this.#runtime.pool.metadata(this.#address), opts, callback),
      );
    });
  }

  async nack(message: danube.StreamMessage, options: NackOptions | undefined): Promise<void> {
    if (this.#stop.signal.aborted) throw closedError("consumer");
    validateNackOptions(options);
    const ctx = createCallContext("nack", options, this.#runtime.options.requestTimeoutMs, this.#stop.signal);
    const request: danube.NackRequest = {
      requestId: message.requestId,
      msgId: message.msgId,
      subscriptionName: this.#options.subscription,
      delayMs: options?.delayMs === undefined ? undefined : BigInt(options.delayMs),
      reason: options?.reason,
    };
    await withRetry(ctx, this.#runtime.options.retry, () => {
      const connection = this.#runtime.pool.get(this.#address);
      return unaryCall<danube.NackResponse>(ctx, "Nack", (opts, callback) =>
        connection.consumer.nack(request, this.#runtime.pool.metadata(this.#address), opts, callback),
      );
    });
  }

  /** Stops the stream, the health check and the receive loop; waits for the loop to end. */
  async close(): Promise<void> {
    this.#stop.abort();
    this.#stream?.cancel();
    await this.#receiving;
  }
}
