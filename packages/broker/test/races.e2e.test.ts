// Clients that stop half-way or race each other: the broker must neither lose acknowledged
// messages nor get stuck.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startBroker } from "../src/index.ts";
import { closeBeforeRemoval, tempDir, testBroker } from "./helpers.ts";
import { type RawClient, rawClient } from "./raw-client.ts";
import { sleep, until } from "./until.ts";

const Exclusive = 0;
const Failover = 2;
const KeyShared = 3;
const housekeeping = {
  sweepIntervalMs: 50,
  consumerIdleMs: 300,
  subscriptionIdleMs: 300,
  producerSilenceMs: 300,
};

async function raw(t: Parameters<typeof testBroker>[0], options = {}) {
  let r: RawClient | undefined;
  // Registered first: the raw client closes before the broker, so none of its calls is left
  // retrying a closed broker after the test.
  t.after(() => r?.close());
  const env = await testBroker(t, options);
  r = rawClient(env.broker.url, env.broker.adminUrl);
  return { env, r };
}

test("two concurrent subscribes to a new Exclusive subscription admit exactly one", async (t) => {
  const { r } = await raw(t);
  await r.createProducer("/default/x1", "p");
  const results = await Promise.allSettled([
    r.subscribe("/default/x1", "s", "c1", Exclusive),
    r.subscribe("/default/x1", "s", "c2", Exclusive),
  ]);
  assert.equal(results.filter((x) => x.status === "fulfilled").length, 1);
});

test("a consumer that subscribed but never opened a stream is forgotten after the idle time", async (t) => {
  const { r } = await raw(t, { housekeeping });
  const producer = await r.createProducer("/default/ghost", "p");
  const ghost = await r.subscribe("/default/ghost", "s", "ghost", Exclusive); // the app died here
  await r.send("/default/ghost", producer, "m0");
  await until("the ghost to be forgotten", async () => (await r.health(1, ghost)) === 1);
  const newcomer = await r.subscribe("/default/ghost", "s", "newcomer", Exclusive);
  const stream = r.stream(newcomer);
  t.after(stream.cancel);
  await until("m0 to reach the newcomer", () => stream.texts().includes("m0"));
});

test("Failover: a standby with a stream gets the messages while the first consumer never opened one", async (t) => {
  const { r } = await raw(t, { housekeeping });
  const producer = await r.createProducer("/default/fo", "p");
  await r.subscribe("/default/fo", "s", "ghost", Failover);
  const live = r.stream(await r.subscribe("/default/fo", "s", "live", Failover));
  t.after(live.cancel);
  for (let i = 0; i < 3; i++) await r.send("/default/fo", producer, `m${i}`);
  await until("all three at the live consumer", () => live.texts().length === 3);
  assert.deepEqual(live.texts(), ["m0", "m1", "m2"]);
});

test("a second stream for the same consumer gets the unacked messages again, in order", async (t) => {
  const { r } = await raw(t);
  const producer = await r.createProducer("/default/restream", "p");
  const consumer = await r.subscribe("/default/restream", "s", "c", Exclusive);
  const first = r.stream(consumer);
  for (let i = 0; i < 3; i++) await r.send("/default/restream", producer, `m${i}`);
  await until("the first stream to get all three", () => first.texts().length === 3);
  const second = r.stream(consumer); // e.g. a client that reconnected without subscribing again
  t.after(second.cancel);
  await until("the second stream to get them again", () => second.texts().length === 3, 3_000);
  assert.deepEqual(second.texts(), ["m0", "m1", "m2"]);
});

test("Key-Shared with Block: a poisoned key stops only that key, however many of its messages follow", async (t) => {
  const { env, r } = await raw(t);
  const topic = "/default/poison-key";
  const producer = await r.createProducer(topic, "p");
  await env.admin.setSubscriptionFailurePolicy({
    topic,
    subscription: "s",
    policy: {
      maxRedeliveryCount: 0,
      ackTimeoutMs: 30_000,
      baseRedeliveryDelayMs: 10,
      maxRedeliveryDelayMs: 10,
      backoffStrategy: "Fixed",
      poisonPolicy: "Block",
    },
  });
  const consumer = await r.subscribe(topic, "s", "c", KeyShared);
  // Acks still in flight when the test ends fail as the client closes: nothing to report then.
  const stream = r.stream(consumer, (m) => {
    if (m.routingKey === "K") r.nack("s", m, "bad").catch(() => {});
    else r.ack("s", m).catch(() => {});
  });
  t.after(stream.cancel);
  await r.send(topic, producer, "K-0", "K");
  await until("K-0 to be delivered", () => stream.texts().includes("K-0"));
  for (let i = 1; i < 15; i++) await r.send(topic, producer, `K-${i}`, "K"); // more than the window (10)
  for (let i = 0; i < 5; i++) await r.send(topic, producer, `other-${i}`, `o${i}`);
  await until(
    "the other keys to flow",
    () => stream.texts().filter((x) => x.startsWith("other-")).length === 5,
  );
  assert.deepEqual(
    stream.texts().filter((x) => x.startsWith("K-")),
    ["K-0"],
  );
});

test("producers arriving while a topic is deleted never attach to the dead topic", async (t) => {
  const { r } = await raw(t);
  // Each round races a CreateProducer against a DeleteTopic. Either order is fine; a zombie is
  // not: a producer the health check calls alive must be able to send (before the fix it got
  // OK from the health check and PERMISSION_DENIED on every send).
  for (let round = 0; round < 10; round++) {
    const topic = `/default/dying-${round}`;
    await r.createProducer(topic, "p");
    await r.subscribe(topic, "old", "x", 1);
    const deleting = r.deleteTopic(topic);
    await sleep(round % 3);
    const producer = await r.createProducer(topic, "p2");
    await deleting;
    if ((await r.health(0, producer)) === 0) {
      await r.send(topic, producer, "after");
    } else {
      await assert.rejects(r.send(topic, producer, "after"), /does not exist/);
    }
  }
});

test("a deleted and re-created topic keeps its own cursors: nothing acknowledged is skipped after a restart", async (t) => {
  const dataDir = await tempDir(t);
  let broker = await startBroker({ dataDir, port: 0, adminPort: 0 });
  let r = rawClient(broker.url, broker.adminUrl);
  const topic = "/default/reborn";
  const producer = await r.createProducer(topic, "p");
  const consumer = await r.subscribe(topic, "s", "c", Exclusive);
  let acked = 0;
  const stream = r.stream(consumer, (m) => void r.ack("s", m).then(() => acked++));
  for (let i = 0; i < 50; i++) await r.send(topic, producer, `old-${i}`);
  await until("50 acks", () => acked === 50);
  stream.cancel();
  await r.deleteTopic(topic); // right away: the debounced cursor write is still pending
  const again = await r.createProducer(topic, "p");
  await r.subscribe(topic, "s", "c", Exclusive);
  for (let i = 0; i < 60; i++) await r.send(topic, again, `new-${i}`);
  await sleep(300);
  r.close();
  await broker.close();

  broker = await startBroker({ dataDir, port: 0, adminPort: 0 });
  r = rawClient(broker.url, broker.adminUrl);
  closeBeforeRemoval(t, async () => {
    r.close();
    await broker.close();
  });
  const resumed = r.stream(await r.subscribe(topic, "s", "c", Exclusive));
  t.after(resumed.cancel);
  await until("the first re-created message", () => resumed.texts().length >= 1);
  assert.equal(resumed.texts()[0], "new-0");
  assert.equal(resumed.received[0]!.msgId?.topicOffset, 0n);
});

test("a broker shutting down ends consumer streams with UNAVAILABLE, so every client subscribes again", async (t) => {
  const dataDir = await tempDir(t);
  const broker = await startBroker({ dataDir, port: 0, adminPort: 0 });
  const r = rawClient(broker.url, broker.adminUrl);
  t.after(() => r.close());
  await r.createProducer("/default/bye", "p");
  const stream = r.stream(await r.subscribe("/default/bye", "s", "c", Exclusive));
  await sleep(50);
  await broker.close();
  await until("the stream to end", () => stream.ended() !== undefined);
  assert.equal(stream.ended(), 14, "UNAVAILABLE, not a clean end");
});

test("a takeover by the same consumer name ends the old stream cleanly", async (t) => {
  const { r } = await raw(t);
  await r.createProducer("/default/takeover", "p");
  const consumer = await r.subscribe("/default/takeover", "s", "c", Exclusive);
  const old = r.stream(consumer);
  await sleep(50);
  assert.equal(await r.subscribe("/default/takeover", "s", "c", Exclusive), consumer, "same consumer id");
  await until("the old stream to end", () => old.ended() !== undefined);
  assert.equal(old.ended(), "ok");
});
