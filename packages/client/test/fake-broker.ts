// An in-process scripted gRPC server speaking the Danube client API, for client unit tests.

import { consumeStream, danube, schema } from "@danube-ts/protocol";
import {
  type handleBidiStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  Metadata,
  Server,
  ServerCredentials,
  type ServerErrorResponse,
  status,
} from "@grpc/grpc-js";

type Unary<Req, Res> = (request: Req) => Promise<Res> | Res;

/** Handlers a test may replace; defaults behave like a one-broker cluster with every topic. */
export interface FakeHandlers {
  topicLookup: Unary<danube.TopicLookupRequest, danube.TopicLookupResponse>;
  topicPartitions: Unary<danube.TopicLookupRequest, danube.TopicPartitionsResponse>;
  createProducer: Unary<danube.ProducerRequest, danube.ProducerResponse>;
  sendMessage: Unary<danube.StreamMessage, danube.MessageResponse>;
  subscribe: Unary<danube.ConsumerRequest, danube.ConsumerResponse>;
  receiveMessages: handleServerStreamingCall<danube.ReceiveRequest, danube.StreamMessage>;
  ack: Unary<danube.AckRequest, danube.AckResponse>;
  nack: Unary<danube.NackRequest, danube.NackResponse>;
  healthCheck: Unary<danube.HealthCheckRequest, danube.HealthCheckResponse>;
  /** SchemaRegistry.GetSchema (the only registry RPC served); NOT_FOUND unless replaced. */
  getSchema: Unary<schema.GetSchemaRequest, schema.GetSchemaResponse>;
  /** The danube-ts Consume stream; UNIMPLEMENTED unless replaced (as a broker without it). */
  consume: handleBidiStreamingCall<consumeStream.ConsumeRequest, consumeStream.ConsumeResponse>;
}

export interface FakeBroker {
  url: string;
  handlers: FakeHandlers;
  /** Every request received, by method name, in order. */
  calls: Map<string, unknown[]>;
  /** The request metadata of every call, by method name, in order. */
  headers: Map<string, Metadata[]>;
  /** Response headers sent by a method (e.g. a broker capability on createProducer). */
  responseHeaders: Map<string, Record<string, string>>;
  count(method?: string): number;
  /** Unary calls the client cancelled before they were answered, by method name. */
  cancelled: Map<string, number>;
  close(): Promise<void>;
}

/** A gRPC error as a handler throws it. */
export function grpcError(code: status, details: string): ServerErrorResponse {
  return Object.assign(new Error(details), { code, details });
}

export async function startFakeBroker(): Promise<FakeBroker> {
  const server = new Server();
  const calls = new Map<string, unknown[]>();
  const headers = new Map<string, Metadata[]>();
  const responseHeaders = new Map<string, Record<string, string>>();
  const cancelled = new Map<string, number>();
  let url = "";
  let nextId = 1000n;
  const handlers: FakeHandlers = {
    topicLookup: (r) => ({
      requestId: r.requestId,
      responseType: danube.TopicLookupResponse_LookupType.Connect,
      brokerUrl: url,
      connectUrl: url,
      proxy: false,
    }),
    topicPartitions: (r) => ({ requestId: r.requestId, partitions: [r.topic] }),
    createProducer: (r) => ({ requestId: r.requestId, producerId: nextId++, producerName: r.producerName }),
    sendMessage: (r) => ({ requestId: r.requestId }),
    subscribe: (r) => ({ requestId: r.requestId, consumerId: nextId++, consumerName: r.consumerName }),
    receiveMessages: () => {},
    ack: (r) => ({ requestId: r.requestId }),
    nack: (r) => ({ requestId: r.requestId }),
    healthCheck: () => ({ status: danube.HealthCheckResponse_ClientStatus.OK }),
    getSchema: (r) => {
      throw grpcError(status.NOT_FOUND, `schema ${r.schemaId} not found`);
    },
    consume: (call) => {
      call.emit("error", grpcError(status.UNIMPLEMENTED, "The server does not implement this method"));
    },
  };
  const record = (method: string, request: unknown, metadata: Metadata) => {
    calls.set(method, [...(calls.get(method) ?? []), request]);
    headers.set(method, [...(headers.get(method) ?? []), metadata]);
  };
  function unary<K extends Exclude<keyof FakeHandlers, "receiveMessages" | "consume">>(method: K) {
    type Req = Parameters<FakeHandlers[K]>[0];
    type Res = Awaited<ReturnType<FakeHandlers[K]>>;
    const handle: handleUnaryCall<Req, Res> = (call, callback) => {
      record(method, call.request, call.metadata);
      call.on("cancelled", () => cancelled.set(method, (cancelled.get(method) ?? 0) + 1));
      const extra = responseHeaders.get(method);
      if (extra !== undefined) {
        const metadata = new Metadata();
        for (const [k, v] of Object.entries(extra)) metadata.set(k, v);
        call.sendMetadata(metadata);
      }
      const handler = handlers[method] as (r: Req) => Promise<Res> | Res;
      Promise.resolve()
        .then(() => handler(call.request))
        .then(
          (response) => callback(null, response),
          (error: ServerErrorResponse) => callback(error),
        );
    };
    return handle;
  }
  server.addService(danube.DiscoveryService, {
    topicLookup: unary("topicLookup"),
    topicPartitions: unary("topicPartitions"),
  });
  server.addService(danube.ProducerServiceService, {
    createProducer: unary("createProducer"),
    sendMessage: unary("sendMessage"),
  });
  server.addService(danube.ConsumerServiceService, {
    subscribe: unary("subscribe"),
    ack: unary("ack"),
    nack: unary("nack"),
    receiveMessages: ((call) => {
      record("receiveMessages", call.request, call.metadata);
      // Response headers at once, as upstream's broker (and ours) once the stream is attached.
      call.sendMetadata(new Metadata());
      handlers.receiveMessages(call);
    }) satisfies handleServerStreamingCall<danube.ReceiveRequest, danube.StreamMessage>,
  });
  server.addService(danube.HealthCheckService, { healthCheck: unary("healthCheck") });
  server.addService(consumeStream.ConsumeStreamService, {
    consume: ((call) => {
      record("consume", undefined, call.metadata);
      // Response headers on the first frame (the open), as the danube-ts broker once attached.
      call.once("data", () => call.sendMetadata(new Metadata()));
      handlers.consume(call);
    }) satisfies handleBidiStreamingCall<consumeStream.ConsumeRequest, consumeStream.ConsumeResponse>,
  });
  server.addService(schema.SchemaRegistryService, { getSchema: unary("getSchema") });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, p) =>
      error ? reject(error) : resolve(p),
    ),
  );
  url = `http://127.0.0.1:${port}`;
  return {
    url,
    handlers,
    calls,
    headers,
    responseHeaders,
    cancelled,
    count: (method) =>
      method === undefined
        ? [...calls.values()].reduce((n, l) => n + l.length, 0)
        : (calls.get(method)?.length ?? 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}

/** A StreamMessage as a broker would deliver it. */
export function wireMessage(topic: string, i: number, payloadSize = 8): danube.StreamMessage {
  return {
    requestId: BigInt(i),
    msgId: { producerId: 7n, topicName: topic, brokerAddr: "http://x:1", topicOffset: BigInt(i) },
    payload: new Uint8Array(payloadSize).fill(i % 256),
    publishTime: 1_700_000_000_000n + BigInt(i),
    producerName: "p",
    subscriptionName: "",
    attributes: { i: String(i) },
    schemaId: undefined,
    schemaVersion: undefined,
    routingKey: undefined,
  };
}
