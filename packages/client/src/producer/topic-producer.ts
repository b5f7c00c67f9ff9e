// A producer attached to one (partition) topic on one broker.
import { danube } from "@danube-ts/protocol";
import type { BrokerAddress } from "../connection-pool.ts";
import { type DispatchStrategy, dispatchStrategyToWire } from "../enums.ts";
import { DanubeError, ErrorCode } from "../errors.ts";
import { startHealthCheck } from "../health-check.ts";
import { resolveTopicAddress } from "../lookup.ts";
import { withRetry } from "../retry.ts";
import { type ClientRuntime, requestIdCounter } from "../runtime.ts";
import { type CallContext, unaryCall } from "../signals.ts";
import { createUnarySender, type MessageSender } from "./message-sender.ts";

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

/** Creates and sends through one `CreateProducer` registration. */
export class TopicProducer {
  readonly topic: string;
  readonly name: string;
  readonly #runtime: ClientRuntime;
  readonly #dispatchStrategy: DispatchStrategy;
  readonly #nextRequestId = requestIdCounter(0n);
  readonly #stop = new AbortController();
  #address: BrokerAddress;
  #producerId: bigint | undefined;
  #sender: MessageSender | undefined;

  constructor(runtime: ClientRuntime, topic: string, name: string, dispatchStrategy: DispatchStrategy) {
    this.#runtime = runtime;
    this.topic = topic;
    this.name = name;
    this.#dispatchStrategy = dispatchStrategy;
    this.#address = runtime.serviceAddress;
  }

  /** The broker id of this producer, once created. */
  get producerId(): bigint | undefined {
    return this.#producerId;
  }

  /** Looks the topic up and registers the producer, retrying retryable failures. */
  async create(ctx: CallContext): Promise<void> {
    const runtime = this.#runtime;
    await withRetry(ctx, runtime.options.retry, async () => {
      const address = await resolveTopicAddress(runtime, runtime.serviceAddress, this.topic, ctx);
      const connection = runtime.pool.get(address);
      const request: danube.ProducerRequest = {
        requestId: this.#nextRequestId(),
        producerName: this.name,
        topicName: this.topic,
        schemaRef: undefined,
        producerAccessMode: danube.ProducerAccessMode.Shared,
        dispatchStrategy: dispatchStrategyToWire(this.#dispatchStrategy),
      };
      const response = await unaryCall<danube.ProducerResponse>(ctx, "CreateProducer", (options, callback) =>
        connection.producer.createProducer(request, runtime.pool.metadata(address), options, callback),
      );
      this.#address = address;
      this.#producerId = response.producerId;
      this.#sender = createUnarySender(connection, () => runtime.pool.metadata(address));
    });
    void startHealthCheck(
      runtime,
      { kind: "producer", id: this.#producerId!, address: this.#address },
      this.#stop.signal,
      () => {},
    );
  }

  /** Publishes one message, retrying retryable failures. */
  async send(message: OutgoingMessage, ctx: CallContext): Promise<SendReceipt> {
    const sender = this.#sender;
    const producerId = this.#producerId;
    if (sender === undefined || producerId === undefined) {
      throw new DanubeError(ErrorCode.FAILED_PRECONDITION, `producer for ${this.topic} is not created`);
    }
    const wire: danube.StreamMessage = {
      requestId: this.#nextRequestId(),
      msgId: { producerId, topicName: this.topic, brokerAddr: this.#address.brokerUrl, topicOffset: 0n },
      payload: message.payload,
      publishTime: BigInt(Date.now()),
      producerName: this.name,
      subscriptionName: "",
      attributes: message.attributes,
      schemaId: undefined,
      schemaVersion: undefined,
      routingKey: message.key,
    };
    const requestId = await withRetry(ctx, this.#runtime.options.retry, () => sender.send(wire, ctx));
    return { requestId, topic: this.topic, producerId };
  }

  /** Stops background work. The broker has no close RPC for producers. */
  close(): void {
    this.#stop.abort();
  }
}
