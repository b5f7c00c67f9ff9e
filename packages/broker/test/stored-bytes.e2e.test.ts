// The reliable publish path stores a message's bytes as received (no decode and re-encode): the
// record on disk holds exactly the request's bytes, unknown fields included, and consumers still
// receive the message with its stored offset. The same holds for messages of a publish stream
// batch (each stored as the bytes of its element in the frame). Delivery sends the stored bytes
// too (msg_id replaced), on upstream's ReceiveMessages and on the Consume stream.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { consumeStream, danube, publishStream } from "@danube-ts/protocol";
import { credentials, Metadata, Client as RawGrpcClient, type StatusObject } from "@grpc/grpc-js";
import { collect, exclusiveConsumer, testBroker, uniqueTopic } from "./helpers.ts";
import { rawClient } from "./raw-client.ts";
import { storedRecords } from "./segment-files.ts";
import { until } from "./until.ts";

/** A broker, a raw client with producer "p" on a new topic, and an untyped gRPC client for it. */
async function rawProducer(t: TestContext, prefix: string) {
  const env = await testBroker(t, { logLevel: "warn" });
  const topic = uniqueTopic(prefix);
  const raw = rawClient(env.broker.url, env.broker.adminUrl);
  t.after(() => raw.close());
  const producerId = await raw.createProducer(topic, "p");
  const grpc = new RawGrpcClient(env.broker.url.replace("http://", ""), credentials.createInsecure());
  t.after(() => grpc.close());
  /** A StreamMessage of producer "p" with `text` as payload, as bytes. */
  const encode = (requestId: bigint, text: string) =>
    danube.StreamMessage.encode(
      danube.StreamMessage.fromPartial({
        requestId,
        msgId: { producerId, topicName: topic, brokerAddr: "", topicOffset: 0n },
        payload: new TextEncoder().encode(text),
        producerName: "p",
        attributes: { b: "2", a: "1" },
      }),
    ).finish();
  /** Sends `bytes` as a SendMessage request, as they are. */
  const sendMessage = (bytes: Buffer) =>
    new Promise<void>((resolve, reject) =>
      grpc.makeUnaryRequest(
        "/danube.ProducerService/SendMessage",
        (request: Buffer) => request,
        (response: Buffer) => response,
        bytes,
        new Metadata(),
        { deadline: Date.now() + 10_000 },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  return { env, topic, raw, producerId, grpc, encode, sendMessage };
}

/**
 * `bytes` followed by a field this protocol version does not know (number 15, varint 1): decoders
 * skip it; an encoder working from the decoded message would drop it.
 */
const withUnknownField = (bytes: Uint8Array) => Buffer.concat([bytes, Buffer.from([15 << 3, 1])]);

test("a reliable message is stored byte for byte as received", { timeout: 30_000 }, async (t) => {
  const { env, topic, encode, sendMessage } = await rawProducer(t, "bytes");
  const consumer = await exclusiveConsumer(env.client, topic);
  const seen = collect(consumer, (m) => m.ack());

  const sent = withUnknownField(encode(7n, "as received"));
  await sendMessage(sent);

  assert.deepEqual(
    await storedRecords(env.dataDir, topic),
    [sent],
    "the record's payload is the request's bytes",
  );

  await seen.waitFor(1, 10_000);
  const [message] = seen.messages;
  assert.equal(message!.text(), "as received");
  assert.equal(message!.id.topicOffset, 0n);
  assert.deepEqual(message!.attributes, { a: "1", b: "2" });
});

/** `bytes` as a length-delimited field `field` (length below 2^14). */
function lengthDelimited(field: number, bytes: Uint8Array): Buffer {
  const length = bytes.length < 0x80 ? [bytes.length] : [(bytes.length & 0x7f) | 0x80, bytes.length >> 7];
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...length]), bytes]);
}

/** The bytes of every length-delimited field 1 in `bytes` (a ConsumeResponse, a ConsumeDelivery). */
function field1(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  const varint = () => {
    let value = 0;
    for (let scale = 1; ; scale *= 128) {
      const byte = bytes[pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
    }
  };
  while (pos < bytes.length) {
    const tag = varint();
    assert.equal(tag & 7, 2, "only length-delimited fields expected");
    const length = varint();
    if (tag >>> 3 === 1) out.push(bytes.subarray(pos, pos + length));
    pos += length;
  }
  return out;
}

test("messages of a publish stream batch are stored byte for byte as received", {
  timeout: 30_000,
}, async (t) => {
  const { env, topic, producerId, grpc, encode } = await rawProducer(t, "stream-bytes");
  const consumer = await exclusiveConsumer(env.client, topic);
  const seen = collect(consumer, (m) => m.ack());

  // The first message carries an unknown field; the batch has an unknown field of its own
  // between the messages (number 9, varint 3).
  const sent = [withUnknownField(encode(1n, "first")), Buffer.from(encode(2n, "second"))];
  const batch = Buffer.concat([
    lengthDelimited(1, sent[0]!),
    Buffer.from([9 << 3, 3]),
    lengthDelimited(1, sent[1]!),
  ]);
  const open = publishStream.PublishRequest.encode({
    frame: { $case: "open", value: { producerId } },
  }).finish();

  const call = grpc.makeBidiStreamRequest(
    publishStream.PublishStreamService.publish.path,
    (bytes: Buffer) => bytes,
    (bytes: Buffer) => publishStream.PublishResponse.decode(bytes),
    new Metadata(),
    { deadline: Date.now() + 20_000 },
  );
  const receipts: bigint[] = [];
  const ended = new Promise<StatusObject>((resolve) => call.on("status", resolve));
  call.on("error", () => {});
  call.on("data", (r: publishStream.PublishResponse) => {
    receipts.push(...r.receipts);
    assert.deepEqual(r.errors, []);
    if (receipts.length === 2) call.end();
  });
  call.write(Buffer.from(open));
  call.write(lengthDelimited(2, batch));
  assert.equal((await ended).code, 0);
  assert.deepEqual(receipts, [1n, 2n]);

  assert.deepEqual(
    await storedRecords(env.dataDir, topic),
    sent,
    "each record is its message's bytes in the frame",
  );
  await seen.waitFor(2, 10_000);
  assert.deepEqual(
    seen.messages.map((m) => [m.text(), m.id.topicOffset, m.attributes]),
    [
      ["first", 0n, { a: "1", b: "2" }],
      ["second", 1n, { a: "1", b: "2" }],
    ],
  );
});

test("consumers receive a reliable message's stored bytes, unknown fields included", {
  timeout: 30_000,
}, async (t) => {
  const { topic, raw, grpc, encode, sendMessage } = await rawProducer(t, "bytes-out");
  // Upstream's ReceiveMessages: each response is one StreamMessage.
  const unaryConsumer = await raw.subscribe(topic, "unary", "c1", 0);
  const unaryReceived: Buffer[] = [];
  const unary = grpc.makeServerStreamRequest(
    "/danube.ConsumerService/ReceiveMessages",
    (request: danube.ReceiveRequest) => Buffer.from(danube.ReceiveRequest.encode(request).finish()),
    (bytes: Buffer) => bytes,
    { requestId: 1n, consumerId: unaryConsumer },
  );
  unary.on("data", (bytes: Buffer) => unaryReceived.push(bytes));
  unary.on("error", () => {});
  t.after(() => unary.cancel());

  // The Consume stream: a delivery frame holds the messages.
  const streamConsumer = await raw.subscribe(topic, "stream", "c2", 0);
  const streamReceived: Uint8Array[] = [];
  const stream = grpc.makeBidiStreamRequest(
    "/danube_ts.stream.ConsumeStream/Consume",
    (request: consumeStream.ConsumeRequest) =>
      Buffer.from(consumeStream.ConsumeRequest.encode(request).finish()),
    (bytes: Buffer) => bytes,
  );
  stream.on("data", (bytes: Buffer) => {
    for (const delivery of field1(bytes)) streamReceived.push(...field1(delivery));
  });
  stream.on("error", () => {});
  t.after(() => stream.cancel());
  stream.write({
    frame: { $case: "open", value: { consumerId: streamConsumer, credit: { messages: 10, bytes: 0n } } },
  });

  // msg_id as the broker stamps it at offset 0 (topic and producer as sent, offset 0): delivering
  // the stored bytes with msg_id replaced gives exactly the bytes sent.
  const sent = withUnknownField(encode(7n, "as stored"));
  await sendMessage(sent);

  await until("both deliveries", () => unaryReceived.length >= 1 && streamReceived.length >= 1, 10_000);
  assert.deepEqual(unaryReceived[0], sent, "ReceiveMessages sends the stored bytes");
  assert.deepEqual(Buffer.from(streamReceived[0]!), sent, "the Consume stream sends the stored bytes");
  assert.equal(streamReceived.length, 1);
});
