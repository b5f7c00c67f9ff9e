// Raw gRPC calls to a broker, for tests that need to act like a client that misbehaves or stops
// half-way (subscribe without a stream, a second stream for one consumer, ...).

import { connect } from "node:http2";
import { admin, danube } from "@danube-ts/protocol";
import { credentials, type ServiceError } from "@grpc/grpc-js";

type Callback<T> = (err: ServiceError | null, res?: T) => void;

function call<T>(invoke: (cb: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => invoke((err, res) => (err ? reject(err) : resolve(res as T))));
}

export type RawClient = ReturnType<typeof rawClient>;

export function rawClient(url: string, adminUrl: string) {
  const address = url.replace("http://", "");
  const insecure = credentials.createInsecure();
  const producers = new danube.ProducerServiceClient(address, insecure);
  const consumers = new danube.ConsumerServiceClient(address, insecure);
  const health = new danube.HealthCheckClient(address, insecure);
  const topics = new admin.TopicAdminClient(adminUrl.replace("http://", ""), insecure);
  return {
    close() {
      producers.close();
      consumers.close();
      health.close();
      topics.close();
    },
    async createProducer(topicName: string, producerName: string, reliable = true): Promise<bigint> {
      const res = await call<danube.ProducerResponse>((cb) =>
        producers.createProducer(
          {
            requestId: 1n,
            producerName,
            topicName,
            schemaRef: undefined,
            producerAccessMode: danube.ProducerAccessMode.Shared,
            dispatchStrategy: reliable
              ? danube.DispatchStrategy.Reliable
              : danube.DispatchStrategy.NonReliable,
          },
          cb,
        ),
      );
      return res.producerId;
    },
    send(
      topicName: string,
      producerId: bigint,
      text: string,
      routingKey?: string,
    ): Promise<danube.MessageResponse> {
      return call((cb) =>
        producers.sendMessage(
          danube.StreamMessage.fromPartial({
            requestId: 1n,
            msgId: { producerId, topicName, brokerAddr: "", topicOffset: 0n },
            payload: new TextEncoder().encode(text),
            producerName: "raw",
            routingKey,
          }),
          cb,
        ),
      );
    },
    async subscribe(
      topicName: string,
      subscription: string,
      consumerName: string,
      type: number,
    ): Promise<bigint> {
      const res = await call<danube.ConsumerResponse>((cb) =>
        consumers.subscribe(
          { requestId: 1n, topicName, subscription, consumerName, subscriptionType: type, keyFilters: [] },
          cb,
        ),
      );
      return res.consumerId;
    },
    /** Opens a ReceiveMessages stream; returns its received texts and a cancel function. */
    stream(consumerId: bigint, onMessage?: (m: danube.StreamMessage) => void) {
      const received: danube.StreamMessage[] = [];
      const stream = consumers.receiveMessages({ requestId: 1n, consumerId });
      const state: { ended: "ok" | number | undefined } = { ended: undefined };
      stream.on("data", (m: danube.StreamMessage) => {
        received.push(m);
        onMessage?.(m);
      });
      stream.on("error", (err: ServiceError) => {
        state.ended ??= err.code;
      });
      stream.on("end", () => {
        state.ended ??= "ok";
      });
      return {
        received,
        texts: () => received.map((m) => new TextDecoder().decode(m.payload)),
        cancel: () => stream.cancel(),
        /** How the stream ended: "ok", a gRPC status code, or undefined while open. */
        ended: () => state.ended,
      };
    },
    /**
     * Opens a ReceiveMessages stream over plain HTTP/2 and never reads it, so HTTP/2 flow control
     * backs up into the broker (grpc-js's client would keep reading into its own buffers).
     */
    stalledStream(consumerId: bigint): { cancel(): void } {
      const session = connect(url);
      session.on("error", () => {});
      const body = danube.ReceiveRequest.encode({ requestId: 1n, consumerId }).finish();
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt32BE(body.length, 1);
      frame.set(body, 5);
      const request = session.request({
        ":method": "POST",
        ":path": "/danube.ConsumerService/ReceiveMessages",
        "content-type": "application/grpc",
        te: "trailers",
      });
      request.on("error", () => {});
      request.end(frame);
      request.pause();
      return { cancel: () => session.destroy() };
    },
    ack(subscriptionName: string, m: danube.StreamMessage): Promise<danube.AckResponse> {
      return call((cb) => consumers.ack({ requestId: 1n, msgId: m.msgId, subscriptionName }, cb));
    },
    nack(subscriptionName: string, m: danube.StreamMessage, reason: string): Promise<danube.NackResponse> {
      return call((cb) => consumers.nack({ requestId: 1n, msgId: m.msgId, subscriptionName, reason }, cb));
    },
    async health(client: 0 | 1, id: bigint): Promise<number> {
      return (
        await call<danube.HealthCheckResponse>((cb) => health.healthCheck({ requestId: 1n, client, id }, cb))
      ).status;
    },
    deleteTopic(name: string): Promise<admin.TopicResponse> {
      return call((cb) => topics.deleteTopic({ name }, cb));
    },
  };
}
