// Client behaviour against a scripted in-process gRPC server (no real broker needed).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { danube } from "@danube-ts/protocol";
import { type ServerWritableStream, status } from "@grpc/grpc-js";
import { type ClientOptions, createClient, DanubeError, ErrorCode, serdes } from "../src/index.ts";
import { type FakeBroker, grpcError, startFakeBroker, wireMessage } from "./fake-broker.ts";
import { waitUntil } from "./helpers.ts";

async function setup(t: import("node:test").TestContext, options: Partial<ClientOptions> = {}) {
  const broker = await startFakeBroker();
  const client = createClient({
    serviceUrl: broker.url,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });
  t.after(async () => {
    await client.close();
    await broker.close();
  });
  return { broker, client };
}

const calls = <T>(broker: FakeBroker, method: string) => (broker.calls.get(method) ?? []) as T[];

test("invalid options fail before any RPC", async (t) => {
  const { broker, client } = await setup(t);
  await assert.rejects(client.createProducer({ topic: "/d/t", name: "p", partitions: 0 }), {
    code: ErrorCode.INVALID_ARGUMENT,
  });
  await assert.rejects(client.createProducer({ topic: "d/t", name: "p" }), {
    code: ErrorCode.INVALID_ARGUMENT,
  });
  await assert.rejects(client.subscribe({ topic: "/d/t", subscription: "s", consumerName: "" }), {
    code: ErrorCode.INVALID_ARGUMENT,
  });
  assert.equal(broker.count(), 0);
});

test("create and send carry the upstream fields", async (t) => {
  const { broker, client } = await setup(t);
  const producer = await client.createProducer({
    topic: "/d/orders",
    name: "p1",
    dispatchStrategy: "Reliable",
  });
  const [create] = calls<danube.ProducerRequest>(broker, "createProducer");
  assert.equal(create?.topicName, "/d/orders");
  assert.equal(create?.producerName, "p1");
  assert.equal(create?.dispatchStrategy, 1);
  assert.equal(create?.producerAccessMode, 0);
  assert.equal(calls<danube.TopicLookupRequest>(broker, "topicLookup")[0]?.topic, "/d/orders");

  const before = BigInt(Date.now());
  const receipt = await producer.send("hi", { attributes: { a: "1" }, key: "k" });
  const receipt2 = await producer.send(new Uint8Array([1, 2]));
  const [sent, sent2] = calls<danube.StreamMessage>(broker, "sendMessage");
  assert.ok(sent && sent2);
  assert.deepEqual(sent.msgId, {
    producerId: receipt.producerId,
    topicName: "/d/orders",
    brokerAddr: broker.url,
    topicOffset: 0n,
  });
  assert.equal(Buffer.from(sent.payload).toString(), "hi");
  assert.deepEqual(sent.attributes, { a: "1" });
  assert.equal(sent.routingKey, "k");
  assert.equal(sent.producerName, "p1");
  assert.ok(sent.publishTime >= before && sent.publishTime <= BigInt(Date.now()));
  assert.equal(sent2.routingKey, undefined);
  assert.equal(receipt.requestId, sent.requestId);
  assert.equal(receipt2.requestId, sent.requestId + 1n);
});

test("partitioned producer registers <topic>-part-<i> named <name>-<i>", async (t) => {
  const { broker, client } = await setup(t);
  const producer = await client.createProducer({ topic: "/d/t", name: "p", partitions: 3 });
  const creates = calls<danube.ProducerRequest>(broker, "createProducer")
    .map((r) => `${r.topicName} ${r.producerName}`)
    .sort();
  assert.deepEqual(creates, ["/d/t-part-0 p-0", "/d/t-part-1 p-1", "/d/t-part-2 p-2"]);
  const topics = [];
  for (let i = 0; i < 4; i++) topics.push((await producer.send("x")).topic);
  assert.deepEqual(topics, ["/d/t-part-0", "/d/t-part-1", "/d/t-part-2", "/d/t-part-0"]);
  assert.equal((await producer.send("x", { key: "keyA" })).topic, "/d/t-part-1");
});

test("a Redirect lookup sends the producer and consumer to the other broker", async (t) => {
  const { broker, client } = await setup(t);
  const owner = await startFakeBroker();
  t.after(() => owner.close());
  broker.handlers.topicLookup = (r) => ({
    requestId: r.requestId,
    responseType: 0,
    brokerUrl: owner.url,
    connectUrl: owner.url,
    proxy: false,
  });
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  await producer.send("x");
  const consumer = await client.subscribe({ topic: "/d/t", subscription: "s", consumerName: "c" });
  assert.equal(broker.count("createProducer") + broker.count("sendMessage") + broker.count("subscribe"), 0);
  assert.equal(owner.count("createProducer"), 1);
  assert.equal(owner.count("subscribe"), 1);
  assert.equal(calls<danube.StreamMessage>(owner, "sendMessage")[0]?.msgId?.brokerAddr, owner.url);
  assert.equal(broker.count("topicPartitions"), 1, "partitions come from the service URL");
  await consumer.close();
});

test("lookup NOT_FOUND falls back to the service URL", async (t) => {
  const { broker, client } = await setup(t);
  broker.handlers.topicLookup = () => {
    throw grpcError(status.NOT_FOUND, "Unable to find the requested topic");
  };
  await client.createProducer({ topic: "/d/new", name: "p" });
  assert.equal(broker.count("createProducer"), 1);
});

test("retryable failures are retried, others surface at once with the broker's message", async (t) => {
  const { broker, client } = await setup(t);
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  let failures = 2;
  broker.handlers.sendMessage = (r) => {
    if (failures-- > 0) throw grpcError(status.UNAVAILABLE, "try later");
    return { requestId: r.requestId };
  };
  await producer.send("x");
  assert.equal(broker.count("sendMessage"), 3);

  broker.handlers.sendMessage = () => {
    throw grpcError(status.PERMISSION_DENIED, "Unable to publish the message: nope");
  };
  await assert.rejects(producer.send("y"), (e: unknown) => {
    assert.ok(e instanceof DanubeError);
    assert.equal(e.code, ErrorCode.PERMISSION_DENIED);
    assert.equal(e.grpcCode, status.PERMISSION_DENIED);
    assert.equal(e.retryable, false);
    assert.match(e.message, /Unable to publish the message: nope/);
    return true;
  });
  assert.equal(broker.count("sendMessage"), 4);
});

test("maxRetries 0 surfaces a retryable error after one attempt", async (t) => {
  const { broker, client } = await setup(t, { retry: { maxRetries: 0 } });
  broker.handlers.createProducer = () => {
    throw grpcError(status.UNAVAILABLE, "down");
  };
  await assert.rejects(client.createProducer({ topic: "/d/t", name: "p" }), {
    code: ErrorCode.UNAVAILABLE,
    retryable: true,
  });
  assert.equal(broker.count("createProducer"), 1);
});

test("a hanging broker: timeoutMs gives DEADLINE_EXCEEDED, abort gives CANCELLED", async (t) => {
  const { broker, client } = await setup(t);
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  broker.handlers.sendMessage = () => new Promise(() => {});
  const started = Date.now();
  await assert.rejects(producer.send("x", { timeoutMs: 100 }), { code: ErrorCode.DEADLINE_EXCEEDED });
  assert.ok(Date.now() - started < 2000);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(producer.send("x", { signal: controller.signal }), { code: ErrorCode.CANCELLED });
  const inFlight = producer.send("x");
  await new Promise((r) => setTimeout(r, 50));
  // close() flushes first; bounded by timeoutMs, then what is left is cancelled.
  await producer.close({ timeoutMs: 50 });
  await assert.rejects(inFlight, { code: ErrorCode.CANCELLED });
  await assert.rejects(producer.send("x"), { code: ErrorCode.CLOSED });
});

test("subscribe: every partition, NOT_FOUND when none, prefix quirk filtered", async (t) => {
  const { broker, client } = await setup(t);
  broker.handlers.topicPartitions = (r) => ({
    requestId: r.requestId,
    partitions: r.topic === "/d/t" ? ["/d/t-part-1", "/d/tx", "/d/t-part-0"] : [],
  });
  const consumer = await client.subscribe({ topic: "/d/t", subscription: "s", consumerName: "c" });
  assert.deepEqual(consumer.topics, ["/d/t-part-0", "/d/t-part-1"]);
  const subs = calls<danube.ConsumerRequest>(broker, "subscribe");
  assert.deepEqual(subs.map((s) => s.topicName).sort(), ["/d/t-part-0", "/d/t-part-1"]);
  assert.equal(subs[0]?.subscriptionType, 1, "Shared by default");
  await assert.rejects(client.subscribe({ topic: "/d/none", subscription: "s", consumerName: "c" }), {
    code: ErrorCode.NOT_FOUND,
    message: /no topic found/,
  });
});

test("ack and nack send request id, msg id and subscription", async (t) => {
  const { broker, client } = await setup(t);
  broker.handlers.receiveMessages = (call) => {
    call.write(wireMessage("/d/t", 5));
  };
  const consumer = await client.subscribe({ topic: "/d/t", subscription: "sub", consumerName: "c" });
  const iterator = consumer[Symbol.asyncIterator]();
  const { value: message } = await iterator.next();
  assert.ok(message);
  assert.deepEqual(message.attributes, { i: "5" });
  assert.equal(message.id.topicOffset, 5n);
  await message.ack();
  await message.nack({ delayMs: 250, reason: "bad" });
  const [ack] = calls<danube.AckRequest>(broker, "ack");
  const [nack] = calls<danube.NackRequest>(broker, "nack");
  assert.equal(ack?.requestId, 5n);
  assert.equal(ack?.subscriptionName, "sub");
  assert.deepEqual(ack?.msgId, wireMessage("/d/t", 5).msgId);
  assert.equal(nack?.delayMs, 250n);
  assert.equal(nack?.reason, "bad");
  assert.throws(() => consumer[Symbol.asyncIterator](), { code: ErrorCode.FAILED_PRECONDITION });
  await consumer.close();
});

test("backpressure: a full local queue pauses the broker stream, draining resumes it", async (t) => {
  const { broker, client } = await setup(t);
  const total = 3000;
  let written = 0;
  let stream: ServerWritableStream<danube.ReceiveRequest, danube.StreamMessage> | undefined;
  let cancelled = false;
  broker.handlers.receiveMessages = (call) => {
    stream = call;
    call.on("cancelled", () => {
      cancelled = true;
    });
    const pump = () => {
      while (written < total && !cancelled) {
        const more = call.write(wireMessage("/d/t", written++, 1024));
        if (!more) {
          call.once("drain", pump);
          return;
        }
      }
    };
    pump();
  };
  const consumer = await client.subscribe({
    topic: "/d/t",
    subscription: "s",
    consumerName: "c",
    receiveQueueSize: 10,
  });
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(stream);
  assert.ok(written < total, `the server should be paused, wrote ${written}/${total}`);
  const paused = written;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(written, paused, "no progress while nobody reads");
  let n = 0;
  for await (const m of consumer) {
    assert.equal(m.requestId, BigInt(n));
    if (++n === total) break;
  }
  assert.equal(written, total);
  await consumer.close();
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(cancelled, "close cancels the stream");
});

test("an ended or failed stream is reopened after subscribing again (same name)", async (t) => {
  const { broker, client } = await setup(t);
  let opened = 0;
  broker.handlers.receiveMessages = (call) => {
    const round = opened++;
    if (round === 0) {
      call.write(wireMessage("/d/t", 0));
      call.end();
    } else if (round === 1) {
      call.emit("error", grpcError(status.NOT_FOUND, "The consumer with the id 1 does not exist"));
    } else {
      call.write(wireMessage("/d/t", round));
    }
  };
  const consumer = await client.subscribe({ topic: "/d/t", subscription: "s", consumerName: "c" });
  const seen: bigint[] = [];
  for await (const m of consumer) {
    seen.push(m.requestId);
    if (seen.length === 2) break;
  }
  assert.deepEqual(seen, [0n, 2n]);
  // Every reopen subscribes again first: after the clean end and after NOT_FOUND.
  const receives = calls<danube.ReceiveRequest>(broker, "receiveMessages");
  const subscribed = calls<danube.ConsumerRequest>(broker, "subscribe");
  assert.equal(subscribed.length, 3);
  assert.ok(subscribed.every((s) => s.consumerName === "c" && s.subscription === "s"));
  assert.equal(receives.length, 3);
  assert.equal(new Set(receives.map((r) => r.consumerId)).size, 3, "each stream uses the new id");
  await consumer.close();
});

test("client.close() closes consumers and producers it created and ends iteration", async (t) => {
  const { client } = await setup(t);
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  const consumer = await client.subscribe({ topic: "/d/t", subscription: "s", consumerName: "c" });
  const loop = (async () => {
    for await (const _ of consumer) {
      // nothing arrives
    }
    return "ended";
  })();
  await client.close();
  assert.equal(await loop, "ended");
  assert.ok(producer.closed && consumer.closed && client.closed);
  await assert.rejects(client.subscribe({ topic: "/d/t", subscription: "s", consumerName: "c" }), {
    code: ErrorCode.CLOSED,
  });
});

test("close() interrupts a pending writer-schema fetch instead of waiting for requestTimeoutMs", async (t) => {
  const { broker, client } = await setup(t, { requestTimeoutMs: 5000 });
  broker.handlers.getSchema = () => new Promise(() => {}); // the registry never answers
  broker.handlers.receiveMessages = (call) => {
    call.write({ ...wireMessage("/d/t", 1), schemaId: 9n, schemaVersion: 1 });
  };
  const consumer = await client.subscribe({
    topic: "/d/t",
    subscription: "s",
    consumerName: "c",
    serde: serdes.string(),
  });
  await waitUntil(() => broker.count("getSchema") === 1, "the writer schema fetch");
  const started = Date.now();
  await consumer.close();
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 1000, `close() took ${elapsed} ms`);
});

test("a second close() waits for the first; client.close() does not cut a closing consumer short", async (t) => {
  const { broker, client } = await setup(t);
  broker.handlers.receiveMessages = (call) => {
    call.write(wireMessage("/d/t", 1));
  };
  broker.handlers.ack = async (r) => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { requestId: r.requestId };
  };
  const consumer = await client.subscribe({ topic: "/d/t", subscription: "s", consumerName: "c" });
  const message = await consumer.receive({ timeoutMs: 5000 });
  const ack = message.ack();
  let firstDone = false;
  const first = consumer.close().then(() => {
    firstDone = true;
  });
  await consumer.close();
  assert.ok(firstDone, "the second consumer.close() returned before the first finished");
  await first;
  await ack;

  const other = await client.subscribe({ topic: "/d/t", subscription: "s", consumerName: "c" });
  const otherAck = (await other.receive({ timeoutMs: 5000 })).ack();
  let otherDone = false;
  const otherClose = other.close().then(() => {
    otherDone = true;
  });
  await client.close();
  assert.ok(otherDone, "client.close() returned before the consumer's close finished");
  await otherClose;
  await otherAck;
});
