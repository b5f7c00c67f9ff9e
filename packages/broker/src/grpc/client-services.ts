import {
  afterHeader,
  consumeStreamHeader,
  danube,
  publishStreamHeader,
  sequencingHeader,
} from "@danube-ts/protocol";
import { Metadata, type ServerWritableStream, status } from "@grpc/grpc-js";
import type { BrokerCore } from "../core/broker-core.ts";
import type { SendOrder } from "../core/producer-sequencer.ts";
import type { MessageSink } from "../core/types.ts";
import { invalidArgument, notFound } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { toServiceError, unary } from "./handlers.ts";

export interface ClientServicesContext {
  core: BrokerCore;
  logger: Logger;
  /** `http://host:port` handed out in lookups. */
  brokerUrl: () => string;
}

export function producerService({ core, logger }: ClientServicesContext): danube.ProducerServiceServer {
  return {
    createProducer: unary(logger, async (req: danube.ProducerRequest, call) => {
      if (!core.options.autoCreateTopics && core.catalog.get(req.topicName) === undefined) {
        throw notFound(`Unable to find the topic: ${req.topicName}`);
      }
      const producer = await core.createProducer({
        topicName: req.topicName,
        producerName: req.producerName,
        dispatchStrategy: req.dispatchStrategy,
        accessMode: req.producerAccessMode,
        schemaSubject: req.schemaRef?.subject,
      });
      const metadata = new Metadata();
      if (core.options.sendSequencing.enabled) metadata.set(sequencingHeader, "1");
      if (core.options.extensions.publishStream) metadata.set(publishStreamHeader, "1");
      if (Object.keys(metadata.getMap()).length > 0) call.sendMetadata(metadata);
      return { requestId: req.requestId, producerId: producer.id, producerName: producer.name };
    }),
    sendMessage: unary(logger, async (req: danube.StreamMessage, call) => {
      const onCancel = (listener: () => void) => {
        if (call.cancelled) queueMicrotask(listener);
        call.once("cancelled", listener);
        return () => call.off("cancelled", listener);
      };
      await core.publishInOrder(req, sendOrder(call.metadata), onCancel);
      return { requestId: req.requestId };
    }),
  };
}

/** The order a danube-ts client stated for a send (undefined when it stated none, as upstream clients). */
function sendOrder(metadata: Metadata): SendOrder | undefined {
  const [value] = metadata.get(afterHeader);
  if (value === undefined) return undefined;
  const text = String(value);
  if (text === "none") return { after: undefined };
  if (!/^\d{1,20}$/.test(text)) {
    throw invalidArgument(`${afterHeader} must be a request id or "none", got ${JSON.stringify(text)}`);
  }
  return { after: BigInt(text) };
}

export function consumerService({ core, logger }: ClientServicesContext): danube.ConsumerServiceServer {
  return {
    subscribe: unary(logger, async (req: danube.ConsumerRequest, call) => {
      const consumer = await core.subscribe({
        topicName: req.topicName,
        consumerName: req.consumerName,
        subscription: req.subscription,
        subscriptionType: req.subscriptionType,
        keyFilters: req.keyFilters,
      });
      if (core.options.extensions.consumeStream) {
        // danube-ts extension: a header only, upstream's response message is unchanged.
        const metadata = new Metadata();
        metadata.set(consumeStreamHeader, "1");
        call.sendMetadata(metadata);
      }
      return { requestId: req.requestId, consumerId: consumer.id, consumerName: consumer.name };
    }),
    receiveMessages: (call: ServerWritableStream<danube.ReceiveRequest, danube.StreamMessage>) => {
      let ended = false;
      const sink: MessageSink = {
        write: (message, written) => !ended && call.write(message, written),
        onDrain: (listener) => call.once("drain", listener),
        end: () => {
          if (ended) return;
          ended = true;
          call.end();
        },
        abort: (reason) => {
          if (ended) return;
          ended = true;
          call.emit("error", { code: status.UNAVAILABLE, details: reason, metadata: new Metadata() });
        },
      };
      let consumer: ReturnType<BrokerCore["attachStream"]>;
      try {
        // Response headers as the stream is attached (in this same turn, so no cancel comes in
        // between), as upstream's broker: a closing client waits for them before it cancels,
        // so its cancel finds the stream attached and the consumer goes inactive.
        call.sendMetadata(new Metadata());
        consumer = core.attachStream(call.request.consumerId, sink);
      } catch (err) {
        ended = true;
        call.emit("error", toServiceError(err, logger));
        return;
      }
      const detach = () => {
        ended = true;
        consumer.detach(sink);
      };
      call.on("cancelled", detach);
      call.on("close", detach);
      call.on("error", detach);
    },
    ack: unary(logger, (req: danube.AckRequest) => {
      core.ack(req.subscriptionName, req.msgId);
      return { requestId: req.requestId };
    }),
    nack: unary(logger, (req: danube.NackRequest) => {
      const delay = req.delayMs === undefined ? undefined : Number(req.delayMs);
      core.nack(req.subscriptionName, req.msgId, delay, req.reason);
      return { requestId: req.requestId };
    }),
  };
}

export function discoveryService({ core, logger, brokerUrl }: ClientServicesContext): danube.DiscoveryServer {
  return {
    topicLookup: unary(logger, (req: danube.TopicLookupRequest) => {
      core.lookup(req.topic);
      const url = brokerUrl();
      return {
        requestId: req.requestId,
        responseType: danube.TopicLookupResponse_LookupType.Connect,
        connectUrl: url,
        brokerUrl: url,
        proxy: false,
      };
    }),
    topicPartitions: unary(logger, (req: danube.TopicLookupRequest) => ({
      requestId: req.requestId,
      partitions: core.partitions(req.topic),
    })),
  };
}

export function healthService({ core, logger }: ClientServicesContext): danube.HealthCheckServer {
  return {
    healthCheck: unary(logger, (req: danube.HealthCheckRequest) => ({
      status: core.health(req.client, req.id),
    })),
  };
}

export function storageService({ logger }: ClientServicesContext): danube.StorageServiceServer {
  // Local storage exports no durable segments, as upstream's local mode.
  return { listSegmentDescriptors: unary(logger, () => ({ segments: [] })) };
}
