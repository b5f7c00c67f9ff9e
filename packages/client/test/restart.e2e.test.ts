// Broker restarts under load and while idle: the client recovers on its own.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ClientStatus, createClient, type Message } from "../src/index.ts";
import {
  exclusiveConsumer,
  restartableBroker,
  testTransport,
  uniqueTopic,
  waitUntil,
  watchUnhandledRejections,
} from "./helpers.ts";

// Generous retry budget so sends and acks outlast the restart; fast health checks.
const resilient = {
  retry: { maxRetries: 40, baseDelayMs: 50, maxDelayMs: 500 },
  healthCheckIntervalMs: 300,
  transport: testTransport,
};

// Run on both transports here; under the unary-path wrapper (which checks that no stream opens)
// only the tests after this loop run again.
for (const transport of testTransport === "unary" ? [] : (["stream", "unary"] as const)) {
  test(`broker restart mid-run: no acknowledged message lost, per-producer order kept [${transport}]`, async (t) => {
    const unhandled = watchUnhandledRejections(t);
    const broker = await restartableBroker(t);
    const client = createClient({ serviceUrl: broker.url, ...resilient, transport });
    t.after(() => client.close());
    const topic = uniqueTopic("restart");
    const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
    const consumer = await exclusiveConsumer(client, topic);

    const producerEvents = collectStatus(producer.status());
    const consumerEvents = collectStatus(consumer.status());
    const total = 2000;
    const inFlight = 64;
    const resolved = new Set<number>();
    const rejected: unknown[] = [];
    let restart: Promise<void> | undefined;
    const produce = (async () => {
      const window = new Set<Promise<void>>();
      for (let i = 0; i < total; i++) {
        if (window.size >= inFlight) await Promise.race(window);
        const sent: Promise<void> = producer.send(String(i)).then(
          () => {
            resolved.add(i);
            if (resolved.size === 600) restart ??= broker.restart();
          },
          (error: unknown) => {
            rejected.push(error);
          },
        );
        const tracked = sent.finally(() => window.delete(tracked));
        window.add(tracked);
      }
      await Promise.all(window);
    })();

    const seen = new Set<number>();
    const firstDeliveries: number[] = [];
    let duplicates = 0;
    let ackFailures = 0;
    let producing = true;
    const consume = (async () => {
      for await (const message of consumer) {
        const i = Number(message.text());
        if (seen.has(i)) duplicates++;
        else {
          seen.add(i);
          firstDeliveries.push(i);
        }
        await message.ack().catch(() => {
          ackFailures++;
        });
        if (!producing && [...resolved].every((r) => seen.has(r))) break;
      }
    })();

    await produce;
    producing = false;
    assert.ok(restart, "the broker was restarted during the run");
    await restart;
    await waitUntil(
      () => [...resolved].every((r) => seen.has(r)),
      `every resolved send to be consumed (${[...resolved].filter((r) => !seen.has(r)).length} missing)`,
      60_000, // generous: a loaded CI machine consumes and acks 2,000 messages slowly
    );
    await consumer.close();
    await consume;

    console.log(
      `restart run: ${resolved.size} sends resolved, ${rejected.length} rejected, ` +
        `${firstDeliveries.length} distinct delivered, ${duplicates} redelivered duplicates, ${ackFailures} ack failures`,
    );
    assert.equal(rejected.length, 0, `no send should fail with this retry budget: ${String(rejected[0])}`);
    assert.equal(resolved.size, total);
    for (let k = 1; k < firstDeliveries.length; k++) {
      assert.ok(
        firstDeliveries[k]! > firstDeliveries[k - 1]!,
        `first deliveries out of order at ${k}: ${firstDeliveries[k - 1]} then ${firstDeliveries[k]}`,
      );
    }
    // Redeliveries come from the unacked window, the local receive queue and re-sent in-flight
    // sends around the restart: bounded, not proportional to the run.
    assert.ok(duplicates <= 400, `too many duplicates: ${duplicates}`);
    for (const [who, events] of [
      ["producer", producerEvents],
      ["consumer", consumerEvents],
    ] as const) {
      assert.ok(
        events.some((e) => e.type === "reconnecting"),
        `${who} went through recovery`,
      );
      assert.ok(
        events.some((e) => e.type === "reconnected"),
        `${who} recovered`,
      );
    }
    unhandled.check();
  });
}

/** Collects status events in the background until the iterable ends. */
function collectStatus(source: AsyncIterable<ClientStatus>): ClientStatus[] {
  const events: ClientStatus[] = [];
  void (async () => {
    for await (const event of source) events.push(event);
  })();
  return events;
}

test("restart while idle: consumer resubscribes, producer re-creates, status reports both", async (t) => {
  const unhandled = watchUnhandledRejections(t);
  const broker = await restartableBroker(t);
  const client = createClient({ serviceUrl: broker.url, ...resilient });
  t.after(() => client.close());
  const topic = uniqueTopic("idle");
  const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
  const all = collectStatus(client.status());
  const ofConsumer = collectStatus(consumer.status());
  const ofProducer = collectStatus(producer.status());
  const received: Message[] = [];
  const loop = (async () => {
    for await (const message of consumer) {
      received.push(message);
      await message.ack().catch(() => {}); // the last ack may race client.close()
    }
  })();

  await producer.send("before");
  await waitUntil(() => received.length === 1, "the message sent before the restart");
  await broker.restart();
  // Nothing is sent or called by the application here: recovery is the client's own doing.
  await waitUntil(
    () =>
      ofConsumer.some((e) => e.type === "reconnected") && ofProducer.some((e) => e.type === "reconnected"),
    "consumer and producer to report reconnected",
  );
  await producer.send("after");
  await waitUntil(() => received.some((m) => m.text() === "after"), "the message sent after the restart");

  const consumerEvents = ofConsumer.map((e) => e.type);
  assert.equal(consumerEvents[0], "reconnecting");
  assert.ok(consumerEvents.indexOf("reconnected") > 0);
  const reconnecting = ofConsumer[0];
  assert.ok(reconnecting?.type === "reconnecting");
  assert.equal(reconnecting.source, "consumer");
  assert.equal(reconnecting.topic, topic);
  assert.equal(reconnecting.name, "c");
  assert.equal(reconnecting.attempt, 1);
  assert.ok(reconnecting.reason.length > 0);
  assert.ok(ofProducer.every((e) => e.type !== "closed" && e.source === "producer"));
  assert.equal(ofProducer[0]?.type, "reconnecting");
  assert.ok(all.length >= ofConsumer.length + ofProducer.length, "client.status() sees every event");

  await client.close();
  await loop;
  assert.deepEqual(
    all.filter((e) => e.type === "closed").map((e) => e.source),
    ["producer", "consumer", "client"],
  );
  assert.equal(ofConsumer.at(-1)?.type, "closed");
  unhandled.check();
});
