// The reliable publish path stores a message's bytes as received (no decode and re-encode): the
// record on disk holds exactly the request's bytes, unknown fields included, and consumers still
// receive the message with its stored offset.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { danube } from "@danube-ts/protocol";
import { credentials, Metadata, Client as RawGrpcClient } from "@grpc/grpc-js";
import { collect, testBroker, uniqueTopic } from "./helpers.ts";
import { rawClient } from "./raw-client.ts";

test("a reliable message is stored byte for byte as received", { timeout: 30_000 }, async (t) => {
  const env = await testBroker(t, { logLevel: "warn" });
  const topic = uniqueTopic("bytes");
  const raw = rawClient(env.broker.url, env.broker.adminUrl);
  t.after(() => raw.close());
  const producerId = await raw.createProducer(topic, "p");
  const consumer = await env.client.subscribe({
    topic,
    subscription: "s",
    consumerName: "c",
    subscriptionType: "Exclusive",
  });
  const seen = collect(consumer, (m) => m.ack());

  const encoded = danube.StreamMessage.encode(
    danube.StreamMessage.fromPartial({
      requestId: 7n,
      msgId: { producerId, topicName: topic, brokerAddr: "", topicOffset: 0n },
      payload: new TextEncoder().encode("as received"),
      producerName: "p",
      attributes: { b: "2", a: "1" },
    }),
  ).finish();
  // A field this protocol version does not know (number 15, varint 1): decoders skip it; an
  // encoder working from the decoded message would drop it.
  const sent = Buffer.concat([encoded, Buffer.from([15 << 3, 1])]);
  const grpc = new RawGrpcClient(env.broker.url.replace("http://", ""), credentials.createInsecure());
  t.after(() => grpc.close());
  await new Promise<void>((resolve, reject) =>
    grpc.makeUnaryRequest(
      "/danube.ProducerService/SendMessage",
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => bytes,
      sent,
      new Metadata(),
      { deadline: Date.now() + 10_000 },
      (err) => (err ? reject(err) : resolve()),
    ),
  );

  const dir = join(env.dataDir, "topics", ...topic.split("/").filter(Boolean));
  const [segment] = (await readdir(dir)).filter((name) => name.endsWith(".log"));
  const file = await readFile(join(dir, segment!));
  const length = file.readUInt32LE(16);
  assert.deepEqual(file.subarray(20, 20 + length), sent, "the record's payload is the request's bytes");

  await seen.waitFor(1, 10_000);
  const [message] = seen.messages;
  assert.equal(message!.text(), "as received");
  assert.equal(message!.id.topicOffset, 0n);
  assert.deepEqual(message!.attributes, { a: "1", b: "2" });
});
