// close() right after subscribe: the broker must not keep the consumer active (its delivery call
// was opened an instant before close). The unary-path wrapper runs this again on ReceiveMessages.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ErrorCode } from "../src/index.ts";
import { testEnv, uniqueTopic, watchUnhandledRejections } from "./helpers.ts";

const ROUNDS = 5;

test("close() right after subscribe: a new Exclusive consumer subscribes at once, unsubscribe succeeds", async (t) => {
  const { adminUrl, newClient } = await testEnv(t);
  // A short request timeout: close() must not sit out its bound waiting for the broker's answer.
  const client = newClient({ adminUrl, requestTimeoutMs: 5000 });
  const topic = uniqueTopic("close-at-once");
  await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const options = { topic, subscription: "s", subscriptionType: "Exclusive" } as const;
  for (let round = 0; round < ROUNDS; round++) {
    const first = await client.subscribe({ ...options, consumerName: `a${round}` });
    const started = Date.now();
    await first.close();
    assert.ok(Date.now() - started < 2500, `close() took ${Date.now() - started} ms`);
    // Another name on an Exclusive subscription: refused while the first still counts as active.
    const second = await client.subscribe({ ...options, consumerName: `b${round}` });
    await second.close();
  }
  for (let round = 0; round < ROUNDS; round++) {
    const subscription = `u${round}`;
    const consumer = await client.subscribe({ ...options, subscription, consumerName: "c" });
    await consumer.unsubscribe();
    const again = await client.subscribe({ ...options, subscription, consumerName: "other" });
    await again.close();
  }
});

test("a receive() pending across a close() that waits for an ack is rejected (CLOSED) without going unhandled", async (t) => {
  const unhandled = watchUnhandledRejections(t);
  const { client } = await testEnv(t);
  const topic = uniqueTopic("close-receive");
  const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
  await producer.send("one");
  const message = await consumer.receive({ timeoutMs: 10_000 });
  const acked = message.ack(); // in flight: close() waits for the broker's answer
  const pending = consumer.receive();
  await consumer.close();
  // The application handles the receive only after close() resolved.
  await assert.rejects(pending, { code: ErrorCode.CLOSED });
  await acked;
  await new Promise((resolve) => setTimeout(resolve, 20));
  unhandled.check();
});
