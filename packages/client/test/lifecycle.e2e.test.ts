import assert from "node:assert/strict";
import { test } from "node:test";
import { createCallContext } from "../src/call-context.ts";
import { ClientObserver } from "../src/diagnostics/observer.ts";
import { DanubeError, ErrorCode } from "../src/index.ts";
import { topicPartitions } from "../src/lookup.ts";
import { resolveClientOptions } from "../src/options.ts";
import { StatusHub } from "../src/status.ts";
import { ConnectionPool } from "../src/transport/connection-pool.ts";
import { take, testEnv, uniqueTopic } from "./helpers.ts";

function isCode(code: ErrorCode, mentions?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof DanubeError, `expected DanubeError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (mentions) assert.match(error.message, mentions);
    return true;
  };
}

test("per-call timeoutMs gives DEADLINE_EXCEEDED", async (t) => {
  const { client } = await testEnv(t);
  const topic = uniqueTopic("deadline");
  const producer = await client.createProducer({ topic, name: "p" });
  const big = new Uint8Array(3 * 1024 * 1024);
  await assert.rejects(producer.send(big, { timeoutMs: 1 }), isCode(ErrorCode.DEADLINE_EXCEEDED));
  await assert.rejects(
    client.createProducer({ topic: uniqueTopic("deadline2"), name: "p", timeoutMs: 1 }),
    isCode(ErrorCode.DEADLINE_EXCEEDED),
  );
  // The producer still works afterwards.
  assert.equal((await producer.send("ok")).topic, topic);
});

test("AbortSignal gives CANCELLED, before and during the call", async (t) => {
  const { client } = await testEnv(t);
  const topic = uniqueTopic("abort");
  const producer = await client.createProducer({ topic, name: "p" });
  await assert.rejects(producer.send("x", { signal: AbortSignal.abort() }), isCode(ErrorCode.CANCELLED));
  const controller = new AbortController();
  const pending = producer.send(new Uint8Array(3 * 1024 * 1024), { signal: controller.signal });
  controller.abort();
  await assert.rejects(pending, isCode(ErrorCode.CANCELLED));
  await assert.rejects(
    client.subscribe({ topic, subscription: "s", consumerName: "c", signal: AbortSignal.abort() }),
    isCode(ErrorCode.CANCELLED),
  );
});

test("invalid topic names give INVALID_ARGUMENT from the client and from the broker", async (t) => {
  const { client, url } = await testEnv(t);
  for (const topic of ["orders", "/default", "/default/a.b", "/a/b/c", "/default/ "]) {
    await assert.rejects(
      client.createProducer({ topic, name: "p" }),
      isCode(ErrorCode.INVALID_ARGUMENT, /topic/),
    );
    await assert.rejects(
      client.subscribe({ topic, subscription: "s", consumerName: "c" }),
      isCode(ErrorCode.INVALID_ARGUMENT, /topic/),
    );
  }
  // A raw name the public API would reject, sent through the internal discovery call.
  const options = resolveClientOptions({ serviceUrl: url });
  const pool = new ConnectionPool();
  t.after(() => pool.close());
  const address = { brokerUrl: options.serviceUrl, connectUrl: options.serviceUrl, proxy: false };
  let id = 0n;
  const runtime = {
    options,
    pool,
    serviceAddress: address,
    closeSignal: new AbortController().signal,
    observe: new ClientObserver(undefined),
    status: new StatusHub(),
    nextRequestId: () => id++,
    admin: () => {
      throw new Error("no admin in this test");
    },
    schema: () => {
      throw new Error("no schema registry in this test");
    },
  };
  await assert.rejects(
    topicPartitions(runtime, "/default/bad.name", createCallContext("partitions", {}, 5000, undefined)),
    (error: unknown) => {
      assert.ok(error instanceof DanubeError);
      assert.equal(error.code, ErrorCode.INVALID_ARGUMENT, error.message);
      assert.equal(error.grpcCode, 3);
      assert.equal(error.retryable, false);
      assert.match(error.message, /bad\.name/);
      return true;
    },
  );
});

test("subscribing to a missing topic gives NOT_FOUND", async (t) => {
  const { client } = await testEnv(t);
  await assert.rejects(
    client.subscribe({ topic: uniqueTopic("missing"), subscription: "s", consumerName: "c" }),
    isCode(ErrorCode.NOT_FOUND),
  );
});

test("zero partitions are rejected before any RPC", async (t) => {
  const { newClient } = await testEnv(t);
  // Nothing listens on port 1: any RPC would fail UNAVAILABLE instead.
  const offline = newClient({ serviceUrl: "127.0.0.1:1", retry: { maxRetries: 0 } });
  await assert.rejects(
    offline.createProducer({ topic: uniqueTopic("zero"), name: "p", partitions: 0 }),
    isCode(ErrorCode.INVALID_ARGUMENT, /^partitions must be >= 1/),
  );
  await assert.rejects(
    offline.createProducer({ topic: uniqueTopic("zero"), name: "p" }),
    isCode(ErrorCode.UNAVAILABLE),
  );
});

test("consumer.close() ends a for-await loop; client.close() ends the rest", async (t) => {
  const { client } = await testEnv(t);
  const topic = uniqueTopic("close");
  const producer = await client.createProducer({ topic, name: "p" });
  const first = await client.subscribe({ topic, subscription: "a", consumerName: "c" });
  const second = await client.subscribe({ topic, subscription: "b", consumerName: "c" });
  const drain = async (consumer: AsyncIterable<unknown>) => {
    let n = 0;
    for await (const _ of consumer) n++;
    return n;
  };
  const firstLoop = drain(first);
  const secondLoop = drain(second);
  await producer.send("one");
  await new Promise((r) => setTimeout(r, 200));
  await first.close();
  assert.equal(await firstLoop, 1);
  assert.equal(first.closed, true);
  await client.close();
  assert.equal(await secondLoop, 1);
  assert.equal(second.closed, true);
  assert.equal(producer.closed, true);
});

for (const closer of ["consumer", "client"] as const) {
  test(`${closer}.close() lets acks in flight finish: nothing is redelivered`, async (t) => {
    const { client, newClient } = await testEnv(t);
    const topic = uniqueTopic("ack-close");
    const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
    const subscribeOptions = {
      topic,
      subscription: "s",
      consumerName: "c",
      subscriptionType: "Exclusive",
    } as const;
    const reader = closer === "client" ? newClient() : client;
    const consumer = await reader.subscribe(subscribeOptions);
    for (let i = 0; i < 5; i++) await producer.send(`m${i}`);
    const acks: Promise<void>[] = [];
    for await (const message of consumer) {
      acks.push(message.ack()); // not awaited
      if (acks.length === 5) break;
    }
    await (closer === "client" ? reader.close() : consumer.close());
    const rejected = (await Promise.allSettled(acks)).filter((r) => r.status === "rejected");
    assert.deepEqual(rejected, [], "no ack rejected");
    const again = await client.subscribe(subscribeOptions);
    await assert.rejects(again.receive({ timeoutMs: 1000 }), isCode(ErrorCode.DEADLINE_EXCEEDED));
  });
}

test("use after close gives CLOSED", async (t) => {
  const { client, newClient } = await testEnv(t);
  const topic = uniqueTopic("closed");
  const producer = await client.createProducer({ topic, name: "p" });
  const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
  await producer.send("m");
  const [message] = await take(consumer, 1, 10_000, false);
  assert.ok(message);
  await consumer.close();
  await assert.rejects(message.ack(), isCode(ErrorCode.CLOSED));
  await assert.rejects(message.nack(), isCode(ErrorCode.CLOSED));
  assert.deepEqual(await consumer[Symbol.asyncIterator]().next(), { value: undefined, done: true });
  await producer[Symbol.asyncDispose]();
  await assert.rejects(producer.send("late"), isCode(ErrorCode.CLOSED));

  const other = newClient();
  await other.close();
  await assert.rejects(other.createProducer({ topic, name: "p" }), isCode(ErrorCode.CLOSED));
  await assert.rejects(
    other.subscribe({ topic, subscription: "s", consumerName: "c" }),
    isCode(ErrorCode.CLOSED),
  );
  await other.close(); // idempotent
});

test("await using disposes client, producer and consumer", async (t) => {
  const { url } = await testEnv(t);
  const { createClient } = await import("../src/index.ts");
  const topic = uniqueTopic("dispose");
  let loop: Promise<number> | undefined;
  {
    await using client = createClient({ serviceUrl: url });
    await using producer = await client.createProducer({ topic, name: "p" });
    await using consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
    loop = (async () => {
      let n = 0;
      for await (const m of consumer) {
        n++;
        await m.ack();
      }
      return n;
    })();
    await producer.send("x");
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(await loop, 1);
});
