import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DanubeError, type DispatchStrategy } from "@danube-ts/client";
import { collect, exclusiveConsumer, testBroker, uniqueTopic } from "./helpers.ts";

const strategies: DispatchStrategy[] = ["NonReliable", "Reliable"];

for (const dispatchStrategy of strategies) {
  describe(`${dispatchStrategy} topic`, () => {
    for (const consumers of [2, 3]) {
      test(`${consumers} Shared consumers split 36 messages evenly`, async (t) => {
        const { client } = await testBroker(t);
        const topic = uniqueTopic("shared");
        const total = 36;
        const producer = await client.createProducer({ topic, name: "p", dispatchStrategy });
        const collectors = [];
        for (let i = 0; i < consumers; i++) {
          const consumer = await client.subscribe({
            topic,
            subscription: "work",
            consumerName: `c${i}`,
            subscriptionType: "Shared",
          });
          collectors.push(collect(consumer, (m) => m.ack()));
        }
        for (let i = 0; i < total; i++) await producer.send(`m${i}`);
        await Promise.all(collectors.map((c) => c.waitFor(total / consumers)));
        assert.equal(await collectors[0]!.quietFor(200), 0, "no extra messages");
        const counts = collectors.map((c) => c.messages.length);
        assert.deepEqual(counts, Array(consumers).fill(total / consumers));
        const all = collectors.flatMap((c) => c.messages.map((m) => m.text())).sort();
        assert.deepEqual(all, Array.from({ length: total }, (_, i) => `m${i}`).sort());
      });
    }

    test("an Exclusive subscription refuses a second consumer with another name", async (t) => {
      const { client } = await testBroker(t);
      const topic = uniqueTopic("excl");
      await client.createProducer({ topic, name: "p", dispatchStrategy });
      await client.subscribe({
        topic,
        subscription: "only",
        consumerName: "first",
        subscriptionType: "Exclusive",
      });
      await assert.rejects(
        client.subscribe({
          topic,
          subscription: "only",
          consumerName: "second",
          subscriptionType: "Exclusive",
        }),
        (err: unknown) => {
          assert.ok(err instanceof DanubeError);
          assert.equal(err.code, "PERMISSION_DENIED");
          assert.match(err.message, /Exclusive subscription can't be shared/);
          return true;
        },
      );
      // Same name again is a reconnect, not a conflict.
      await client.subscribe({
        topic,
        subscription: "only",
        consumerName: "first",
        subscriptionType: "Exclusive",
      });
    });
  });
}

describe("acknowledgements on a reliable topic", () => {
  test("a nacked message comes back with the same offset and payload; an acked one does not", async (t) => {
    const { client } = await testBroker(t);
    const topic = uniqueTopic("nack");
    const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
    const consumer = await exclusiveConsumer(client, topic);
    let nacked = false;
    const seen = collect(consumer, async (m) => {
      if (m.text() === "first" && !nacked) {
        nacked = true;
        await m.nack({ delayMs: 50, reason: "try again" });
      } else {
        await m.ack();
      }
    });
    await producer.send("first");
    await producer.send("second");
    const messages = await seen.waitFor(3);
    const firsts = messages.filter((m) => m.text() === "first");
    assert.equal(firsts.length, 2, "delivered, nacked, redelivered");
    assert.equal(firsts[0]!.id.topicOffset, firsts[1]!.id.topicOffset);
    assert.deepEqual(firsts[0]!.payload, firsts[1]!.payload);
    assert.equal(messages.filter((m) => m.text() === "second").length, 1);
    // Everything acked: nothing more arrives, even past the redelivery delays.
    assert.equal(await seen.quietFor(1_500), 0);
    const offsets = messages.map((m) => m.id.topicOffset);
    assert.deepEqual(
      [...new Set(offsets)].sort((a, b) => Number(a - b)),
      [0n, 1n],
    );
  });

  test("an unacked message is redelivered first when the same consumer reconnects", async (t) => {
    const { client } = await testBroker(t);
    const topic = uniqueTopic("reconnect");
    const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
    const first = await exclusiveConsumer(client, topic);
    await producer.send("a");
    const got = collect(first); // no ack
    await got.waitFor(1);
    await first.close();
    await producer.send("b");
    const again = await exclusiveConsumer(client, topic);
    const second = collect(again, (m) => m.ack());
    const messages = await second.waitFor(2);
    assert.deepEqual(
      messages.map((m) => m.text()),
      ["a", "b"],
    );
  });
});
