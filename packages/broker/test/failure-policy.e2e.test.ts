import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { Consumer, SubscriptionFailurePolicyInput } from "@danube-ts/client";
import {
  collect,
  exclusiveConsumer,
  fastFailurePolicy as fast,
  type TestBroker,
  testBroker,
  uniqueTopic,
} from "./helpers.ts";

async function reliableTopicWithPolicy(env: TestBroker, policy: SubscriptionFailurePolicyInput) {
  const topic = uniqueTopic("policy");
  const producer = await env.client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  await env.admin.setSubscriptionFailurePolicy({ topic, subscription: "s", policy });
  const consumer = await exclusiveConsumer(env.client, topic);
  return { topic, producer, consumer };
}

/** One redelivery, then the message goes to `dlq`. */
const deadLetterTo = (dlq: string): SubscriptionFailurePolicyInput => ({
  ...fast,
  maxRedeliveryCount: 1,
  poisonPolicy: "DeadLetter",
  deadLetterTopic: dlq,
});

/** Collects `consumer`'s messages, nacking "poison" (reason "cannot parse") and acking the rest. */
const nackingPoison = (consumer: Consumer) =>
  collect(consumer, async (m) => {
    if (m.text() === "poison") await m.nack({ reason: "cannot parse" });
    else await m.ack();
  });

/** Collects `topic`'s messages on a new Exclusive subscription "ops", acking each. */
async function opsReader(env: TestBroker, topic: string) {
  const consumer = await env.client.subscribe({
    topic,
    subscription: "ops",
    consumerName: "ops",
    subscriptionType: "Exclusive",
  });
  return collect(consumer, (m) => m.ack());
}

describe("failure policy", () => {
  test("the policy round-trips through the admin API", async (t) => {
    const env = await testBroker(t);
    const { topic } = await reliableTopicWithPolicy(env, {
      ...fast,
      poisonPolicy: "DeadLetter",
      deadLetterTopic: "/default/dlq-x",
    });
    const info = await env.admin.getSubscriptionFailurePolicy({ topic, subscription: "s" });
    assert.equal(info.policy?.maxRedeliveryCount, 2);
    assert.equal(info.policy?.poisonPolicy, "DeadLetter");
    assert.equal(info.policy?.deadLetterTopic, "/default/dlq-x");
    assert.equal(info.policy?.baseRedeliveryDelayMs, 20n);
    await assert.rejects(
      env.admin.setSubscriptionFailurePolicy({
        topic,
        subscription: "s",
        policy: { ...fast, poisonPolicy: "DeadLetter" },
      }),
      /deadLetterTopic/,
    );
  });

  test("a message not acked within ack_timeout_ms is redelivered", async (t) => {
    const env = await testBroker(t);
    const { producer, consumer } = await reliableTopicWithPolicy(env, { ...fast, ackTimeoutMs: 300 });
    const seen = collect(consumer, async (m) => {
      if (seen.messages.length > 0) await m.ack(); // ignore the first delivery
    });
    await producer.send("slow");
    const [first, second] = await seen.waitFor(2, 5_000);
    assert.equal(first!.text(), "slow");
    assert.equal(second!.id.topicOffset, first!.id.topicOffset);
  });

  test("a nack's delay is honoured before the redelivery", async (t) => {
    const env = await testBroker(t);
    const { producer, consumer } = await reliableTopicWithPolicy(env, fast);
    const times: number[] = [];
    const seen = collect(consumer, async (m) => {
      times.push(Date.now());
      if (times.length === 1) await m.nack({ delayMs: 600, reason: "later" });
      else await m.ack();
    });
    await producer.send("x");
    await seen.waitFor(2, 5_000);
    assert.ok(times[1]! - times[0]! >= 550, `redelivered after ${times[1]! - times[0]!} ms`);
  });

  test("Block: an exhausted message stops the subscription", async (t) => {
    const env = await testBroker(t);
    const { producer, consumer } = await reliableTopicWithPolicy(env, fast);
    const seen = collect(consumer, async (m) => {
      if (m.text() === "poison") await m.nack({ reason: "bad" });
      else await m.ack();
    });
    await producer.send("poison");
    await seen.waitFor(3, 5_000); // delivered max_redelivery_count + 1 = 3 times
    await producer.send("after");
    assert.equal(await seen.quietFor(1_000), 0, "nothing flows past a blocked message");
    assert.deepEqual(
      seen.messages.map((m) => m.text()),
      ["poison", "poison", "poison"],
    );
  });

  test("Drop: an exhausted message is skipped and the next flows", async (t) => {
    const env = await testBroker(t);
    const { producer, consumer } = await reliableTopicWithPolicy(env, { ...fast, poisonPolicy: "Drop" });
    const seen = collect(consumer, async (m) => {
      if (m.text() === "poison") await m.nack({ reason: "bad" });
      else await m.ack();
    });
    await producer.send("poison");
    await seen.waitFor(3, 5_000);
    await producer.send("after");
    const messages = await seen.waitFor(4, 5_000);
    assert.deepEqual(
      messages.map((m) => m.text()),
      ["poison", "poison", "poison", "after"],
    );
    assert.equal(await seen.quietFor(300), 0);
  });

  test("DeadLetter: the exhausted message moves to the dead-letter topic with the original-topic attributes", async (t) => {
    const env = await testBroker(t);
    const dlq = uniqueTopic("dlq");
    const { topic, producer, consumer } = await reliableTopicWithPolicy(env, deadLetterTo(dlq));
    const seen = nackingPoison(consumer);
    await producer.send("poison", { attributes: { app: "orders" } });
    await seen.waitFor(2, 5_000);
    await producer.send("after");
    await seen.waitFor(3, 5_000);
    assert.equal(
      seen.messages.at(-1)!.text(),
      "after",
      "the subscription continues past the dead-lettered message",
    );

    // The DLQ topic was auto-created as reliable; a new subscription starts at its tail, so
    // read it with a subscription created before a second poison message.
    const dead = await opsReader(env, dlq);
    await producer.send("poison", { attributes: { app: "orders" } });
    const [copy] = await dead.waitFor(1, 5_000);
    assert.equal(copy!.text(), "poison");
    assert.equal(copy!.topic, dlq);
    assert.equal(copy!.attributes.app, "orders");
    assert.equal(copy!.attributes["x-original-topic"], topic);
    assert.equal(copy!.attributes["x-original-subscription"], "s");
    assert.equal(copy!.attributes["x-poison-policy"], "dead_letter");
    assert.equal(copy!.attributes["x-delivery-attempt"], "2");
    assert.equal(copy!.attributes["x-failure-reason"], "cannot parse");
    assert.match(copy!.attributes["x-original-topic-offset"] ?? "", /^\d+$/);
    assert.ok(copy!.attributes["x-original-producer-id"]);
    assert.match(copy!.attributes["x-original-broker-addr"] ?? "", /^http:\/\//);
  });

  test("DeadLetter: a failed dead-letter publish is retried until durable, not lost", async (t) => {
    // Writes to the dead-letter topic's log fail (a full disk) until `diskFull` is cleared.
    let diskFull = false;
    const dlq = uniqueTopic("dlq-retry");
    const dlqDir = join(...dlq.split("/").filter(Boolean));
    const env = await testBroker(t, {
      faults: {
        beforeSegmentWrite: ({ dir }) => {
          if (diskFull && dir.endsWith(dlqDir)) {
            throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
          }
        },
      },
    });
    // The dead-letter topic exists (reliable) and is read from its start.
    await env.client.createProducer({ topic: dlq, name: "ops-p", dispatchStrategy: "Reliable" });
    const dead = await opsReader(env, dlq);
    const { producer, consumer } = await reliableTopicWithPolicy(env, deadLetterTo(dlq));
    const seen = nackingPoison(consumer);
    diskFull = true;
    await producer.send("poison");
    await producer.send("after");
    await seen.waitFor(3, 5_000);
    assert.deepEqual(seen.messages.map((m) => m.text()).sort(), ["after", "poison", "poison"]);
    // The dead-letter publish fails and is tried again (every second) while the disk is full.
    assert.equal(await dead.quietFor(2_500), 0, "nothing is dead-lettered while the disk is full");
    diskFull = false;
    const [copy] = await dead.waitFor(1, 10_000);
    assert.equal(copy!.text(), "poison");
    assert.equal(copy!.attributes["x-failure-reason"], "cannot parse");
    assert.equal(await seen.quietFor(300), 0, "the dead-lettered message is not delivered again");
  });
});

describe("admin", () => {
  test("dispatch config caps messages in flight", async (t) => {
    const env = await testBroker(t);
    const topic = uniqueTopic("window");
    const producer = await env.client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
    await env.admin.setSubscriptionDispatchConfig({ topic, subscription: "s", maxUnackedMessages: 3 });
    const consumer = await exclusiveConsumer(env.client, topic);
    const held = collect(consumer); // never acks
    for (let i = 0; i < 10; i++) await producer.send(`m${i}`);
    await held.waitFor(3);
    assert.equal(await held.quietFor(500), 0, "no more than 3 unacked in flight");
    assert.equal(
      (await env.admin.getSubscriptionDispatchConfig({ topic, subscription: "s" }))?.maxUnackedMessages,
      3,
    );
  });

  test("deleting a topic closes its producers and consumers and removes it", async (t) => {
    const env = await testBroker(t);
    const topic = uniqueTopic("delete");
    await env.client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
    await env.client.subscribe({ topic, subscription: "s", consumerName: "c" });
    await env.admin.deleteTopic(topic);
    const names = (await env.admin.listNamespaceTopics("default")).map((x) => x.name);
    assert.ok(!names.includes(topic));
    await assert.rejects(env.admin.describeTopic(topic), /NOT_FOUND|Unable to find/);
  });

  test("a partition cannot be deleted alone; deleting the base removes every partition", async (t) => {
    const env = await testBroker(t);
    const topic = uniqueTopic("pdelete");
    await env.admin.createPartitionedTopic({ name: topic, partitions: 3, dispatchStrategy: "Reliable" });
    await assert.rejects(env.admin.deleteTopic(`${topic}-part-1`), /Cannot delete individual partition/);
    await env.admin.deleteTopic(topic);
    const names = (await env.admin.listNamespaceTopics("default")).map((x) => x.name);
    assert.deepEqual(
      names.filter((n) => n.startsWith(topic)),
      [],
    );
  });
});
