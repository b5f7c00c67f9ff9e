import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient, DanubeError } from "@danube-ts/client";
import { collect, testBroker, uniqueTopic } from "./helpers.ts";

const isCode = (code: string, retryable: boolean) => (err: unknown) => {
  assert.ok(err instanceof DanubeError, String(err));
  assert.equal(err.code, code);
  assert.equal(err.retryable, retryable);
  return true;
};

test("a payload over the gRPC limit fails at once with INVALID_ARGUMENT and loses nothing else", async (t) => {
  const { client } = await testBroker(t);
  const topic = uniqueTopic("big");
  const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
  const seen = collect(consumer, (m) => m.ack());
  await assert.rejects(producer.send(new Uint8Array(5 * 1024 * 1024)), isCode("INVALID_ARGUMENT", false));
  await producer.send("small");
  assert.deepEqual(
    (await seen.waitFor(1)).map((m) => m.text()),
    ["small"],
  );
});

test("the broker's max message size policy answers INVALID_ARGUMENT", async (t) => {
  const { client } = await testBroker(t, { maxMessageSize: 1000 });
  const producer = await client.createProducer({ topic: uniqueTopic("policy"), name: "p" });
  await assert.rejects(producer.send(new Uint8Array(1001)), (err: unknown) => {
    isCode("INVALID_ARGUMENT", false)(err);
    assert.match((err as Error).message, /exceeds maximum allowed 1000/);
    return true;
  });
  await producer.send(new Uint8Array(1000));
});

test("a producer with another dispatch strategy than the topic's is refused", async (t) => {
  const { client } = await testBroker(t);
  const topic = uniqueTopic("strategy");
  await client.createProducer({ topic, name: "reliable", dispatchStrategy: "Reliable" });
  await assert.rejects(client.createProducer({ topic, name: "plain" }), (err: unknown) => {
    isCode("FAILED_PRECONDITION", false)(err);
    assert.match((err as Error).message, /dispatch strategy does not match/);
    return true;
  });
});

test("a topic in a namespace that does not exist cannot be created", async (t) => {
  const { broker } = await testBroker(t);
  // Upstream answers UNAVAILABLE here (so its clients retry); without retries we see it at once.
  const client = createClient({ serviceUrl: broker.url, retry: { maxRetries: 0 } });
  t.after(() => client.close());
  await assert.rejects(client.createProducer({ topic: "/nowhere/t", name: "p" }), (err: unknown) => {
    isCode("UNAVAILABLE", true)(err);
    assert.match((err as Error).message, /Unable to find the namespace nowhere/);
    return true;
  });
});

test("a non-reliable message no consumer can take is dropped, counted and logged, never silently", async (t) => {
  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, warn: (msg: string) => warnings.push(msg), error() {} };
  const { client } = await testBroker(t, { logger });
  const topic = uniqueTopic("drop");
  const producer = await client.createProducer({ topic, name: "p" });
  const consumer = await client.subscribe({ topic, subscription: "gone", consumerName: "c" });
  await consumer.close();
  await new Promise((r) => setTimeout(r, 100)); // the broker notices the closed stream
  await producer.send("into the void");
  assert.ok(
    warnings.some((w) =>
      w.includes(`${topic} [gone]: dropped 1 non-reliable message(s): no active consumer`),
    ),
    `warnings: ${JSON.stringify(warnings)}`,
  );
});
