// close() right after subscribe: the broker must not keep the consumer active (its delivery call
// was opened an instant before close). The unary-path wrapper runs this again on ReceiveMessages.
import assert from "node:assert/strict";
import { test } from "node:test";
import { testEnv, uniqueTopic } from "./helpers.ts";

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
