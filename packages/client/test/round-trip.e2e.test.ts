import assert from "node:assert/strict";
import { test } from "node:test";
import { DispatchStrategy, partitionForKey, SubscriptionType } from "../src/index.ts";
import { take, testEnv, uniqueTopic } from "./helpers.ts";

for (const dispatchStrategy of [DispatchStrategy.NonReliable, DispatchStrategy.Reliable]) {
  test(`round trip (${dispatchStrategy}) preserves payload, attributes, key and publish time`, async (t) => {
    const { client } = await testEnv(t);
    const topic = uniqueTopic("rt");
    const producer = await client.createProducer({ topic, name: "p1", dispatchStrategy });
    assert.equal(producer.topic, topic);
    assert.equal(producer.name, "p1");
    assert.deepEqual(producer.partitions, [topic]);
    const consumer = await client.subscribe({
      topic,
      subscription: "s1",
      consumerName: "c1",
      subscriptionType: SubscriptionType.Exclusive,
    });
    assert.deepEqual(consumer.topics, [topic]);

    const payload = new Uint8Array(256);
    for (let i = 0; i < payload.length; i++) payload[i] = i;
    const attributes = { "content-type": "application/octet-stream", empty: "", unicode: "héllo ✓" };
    const before = BigInt(Date.now());
    const receipt = await producer.send(payload, { attributes, key: "order-123" });
    const after = BigInt(Date.now());
    const second = await producer.send("second, as text");
    assert.equal(receipt.topic, topic);
    assert.equal(second.producerId, receipt.producerId);
    assert.ok(second.requestId > receipt.requestId);

    const [first, next] = await take(consumer, 2);
    assert.ok(first && next);
    assert.deepEqual(first.payload, payload);
    assert.deepEqual({ ...first.attributes }, attributes);
    assert.equal(first.routingKey, "order-123");
    assert.ok(first.publishTime >= before && first.publishTime <= after, `publishTime ${first.publishTime}`);
    assert.equal(first.producerName, "p1");
    assert.equal(first.topic, topic);
    assert.equal(first.requestId, receipt.requestId);
    assert.equal(first.id.producerId, receipt.producerId);
    assert.equal(first.id.topicName, topic);
    assert.match(first.id.brokerAddr, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(first.schemaId, undefined);
    assert.equal(first.schemaVersion, undefined);
    assert.equal(next.text(), "second, as text");
    assert.equal(next.routingKey, undefined);
    assert.deepEqual({ ...next.attributes }, {});
    if (dispatchStrategy === DispatchStrategy.Reliable) {
      assert.equal(first.id.topicOffset, 0n);
      assert.equal(next.id.topicOffset, 1n);
    }
    await consumer.close();
    await producer.close();
  });
}

test("service URL without scheme works", async (t) => {
  const { url, newClient } = await testEnv(t);
  const client = newClient({ serviceUrl: url.replace(/^http:\/\//, "") });
  const topic = uniqueTopic("noscheme");
  const producer = await client.createProducer({ topic, name: "p" });
  const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
  await producer.send("x");
  const [message] = await take(consumer, 1);
  assert.equal(message?.text(), "x");
});

test("partitioned topic: every partition is created, reached and subscribed", async (t) => {
  const { client } = await testEnv(t);
  const topic = uniqueTopic("parts");
  const producer = await client.createProducer({ topic, name: "pp", partitions: 3 });
  const names = [0, 1, 2].map((i) => `${topic}-part-${i}`);
  assert.deepEqual(producer.partitions, names);
  const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
  assert.deepEqual([...consumer.topics].sort(), names);

  const receipts = [];
  for (let i = 0; i < 6; i++) receipts.push(await producer.send(`rr-${i}`));
  assert.deepEqual(
    receipts.map((r) => r.topic),
    [0, 1, 2, 0, 1, 2].map((i) => names[i]),
  );
  const keys = ["keyA", "keyB", "payment", "shipping", "invoice"];
  for (const key of keys) {
    const r = await producer.send(`k-${key}`, { key });
    assert.equal(r.topic, names[partitionForKey(key, 3)], key);
  }

  const messages = await take(consumer, 6 + keys.length);
  const byTopic = new Map<string, string[]>();
  for (const m of messages) {
    assert.equal(m.id.topicName, m.topic);
    byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m.text()]);
  }
  assert.deepEqual([...byTopic.keys()].sort(), names);
  for (const [i, name] of names.entries()) {
    const rr = (byTopic.get(name) ?? []).filter((x) => x.startsWith("rr-"));
    assert.deepEqual(rr, [`rr-${i}`, `rr-${i + 3}`]);
  }
  for (const m of messages.filter((x) => x.routingKey !== undefined)) {
    assert.equal(m.topic, names[partitionForKey(m.routingKey!, 3)]);
    assert.match(m.producerName, /^pp-[012]$/);
  }
});
