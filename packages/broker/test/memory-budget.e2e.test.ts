import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Message } from "@danube-ts/client";
import { startBroker } from "../src/index.ts";
import { collect, tempDir, testBroker, uniqueTopic } from "./helpers.ts";
import { rawClient } from "./raw-client.ts";
import { sleep, until } from "./until.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Memory after a full collection, so garbage from the flood itself does not count. */
async function settledMemory(): Promise<{ rss: number; arrayBuffers: number }> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(20);
  }
  const { rss, arrayBuffers } = process.memoryUsage();
  return { rss, arrayBuffers };
}

test("a non-reliable consumer that never reads holds at most its byte budget; the rest is dropped and counted", async (t) => {
  const budget = 2 * MiB;
  const { broker, client } = await testBroker(t, {
    maxMessageSize: MiB,
    nonReliableBufferBytes: budget,
    subscriptionBufferBytes: 2 * budget,
    brokerBufferBytes: 4 * budget,
  });
  const topic = uniqueTopic("stalled");
  const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "NonReliable" });
  const raw = rawClient(broker.url, broker.adminUrl);
  t.after(() => raw.close());
  const consumerId = await raw.subscribe(topic, "s", "never-reads", 0);
  const stalled = raw.stalledStream(consumerId);
  t.after(() => stalled.cancel());

  const payload = new Uint8Array(64 * KiB).fill(7);
  const count = 800; // 50 MiB: a count-bound buffer of 10,000 would have held all of it
  const before = await settledMemory();
  let next = 0;
  const sender = async () => {
    while (next < count) {
      next++;
      await producer.send(payload);
    }
  };
  await Promise.all(Array.from({ length: 16 }, sender));
  const stats = broker.memoryStats();
  const after = await settledMemory();
  const rssGrowth = after.rss - before.rss;
  const bufferGrowth = after.arrayBuffers - before.arrayBuffers;

  // What the stalled consumer holds, queued or in the transport, is accounted and bounded.
  assert.ok(stats.bufferedBytes <= budget, `holding ${stats.bufferedBytes} bytes`);
  assert.ok(stats.peakBufferedBytes <= budget, `peak ${stats.peakBufferedBytes} bytes`);
  assert.ok(stats.bufferedBytes > budget / 2, `the budget is used: ${stats.bufferedBytes} bytes`);
  const held = Math.floor(budget / (64 * KiB));
  assert.ok(
    stats.nonReliableDroppedMessages >= count - held - 64,
    `${stats.nonReliableDroppedMessages} drops`,
  );
  assert.ok(stats.nonReliableDroppedBytes >= stats.nonReliableDroppedMessages * 64 * KiB);
  // Coarse: the 125 MiB sent did not stay (the budget, transport windows and allocator slack do).
  t.diagnostic(
    `held ${(stats.bufferedBytes / MiB).toFixed(2)} MiB, dropped ${stats.nonReliableDroppedMessages}, buffers +${(bufferGrowth / MiB).toFixed(1)} MiB, RSS +${(rssGrowth / MiB).toFixed(1)} MiB`,
  );
  // Payload memory after GC: the held budget only (a count-bound buffer kept all 50 MiB here).
  assert.ok(bufferGrowth < 8 * MiB, `ArrayBuffer memory grew ${(bufferGrowth / MiB).toFixed(1)} MiB`);
  // Coarse: RSS includes allocator slack from the flood itself (about 60 MiB measured).
  assert.ok(rssGrowth < 128 * MiB, `RSS grew ${(rssGrowth / MiB).toFixed(1)} MiB`);

  // When the consumer goes away its bytes are given back.
  stalled.cancel();
  await until("the stalled consumer's bytes are released", () => broker.memoryStats().bufferedBytes === 0);
});

test("a reliable window of 10,000 stops filling at the subscription's byte budget and still delivers everything", async (t) => {
  const budget = 4 * MiB;
  const { broker, client } = await testBroker(t, {
    maxMessageSize: MiB,
    maxUnackedMessages: 10_000,
    subscriptionBufferBytes: budget,
    fsync: false, // memory, not durability, is under test here
  });
  const topic = uniqueTopic("window");
  const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "slow" });
  let acking = false;
  const got = collect(consumer, async (m: Message) => {
    if (acking) await m.ack();
  });
  const size = 256 * KiB;
  const count = 120; // 30 MiB, all of which a count-bound window of 10,000 would hold
  for (let i = 0; i < count; i++) {
    const payload = new Uint8Array(size);
    new DataView(payload.buffer).setUint32(0, i);
    await producer.send(payload);
  }
  await until("the window filled", () => got.messages.length > 0);
  await got.quietFor(300);
  const held = broker.memoryStats();
  const inWindow = got.messages.length;
  assert.ok(inWindow < count / 2, `${inWindow} messages in flight`);
  assert.ok(held.peakBufferedBytes <= budget, `peak ${held.peakBufferedBytes} bytes`);
  assert.ok(held.bufferedBytes > budget / 2, `window holds ${held.bufferedBytes} bytes`);
  assert.ok(held.reliableWindowsDeferred > 0);

  acking = true;
  for (const m of got.messages) await m.ack();
  await got.waitFor(count, 20_000);
  const offsets = got.messages.map((m) => new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0));
  assert.deepEqual(
    offsets,
    Array.from({ length: count }, (_, i) => i),
  );
  assert.ok(broker.memoryStats().peakBufferedBytes <= budget);
  await until("the window empties", () => broker.memoryStats().bufferedBytes === 0);
});

test("byte budgets below maxMessageSize are refused at start", async (t) => {
  const dataDir = await tempDir(t);
  await assert.rejects(
    startBroker({ dataDir, port: 0, adminPort: 0, maxMessageSize: 2 * MiB, nonReliableBufferBytes: MiB }),
    /nonReliableBufferBytes must be at least maxMessageSize/,
  );
});
