// Routing keys are bounded (upstream has none): Key-Shared filters are matched against every key,
// and a 4 MiB key costs ~90 ms of CPU per message against the worst filter. A key past the bound
// is refused with INVALID_ARGUMENT; nothing is stored.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ServiceError, status } from "@grpc/grpc-js";
import { collect, exclusiveConsumer, type TestBroker, testBroker, uniqueTopic } from "./helpers.ts";
import { rawClient } from "./raw-client.ts";

const refused = (bytes: number, max: number) => (err: ServiceError) => {
  assert.equal(err.code, status.INVALID_ARGUMENT);
  assert.equal(err.details, `Routing key of ${bytes} bytes exceeds the maximum of ${max} bytes`);
  return true;
};

async function subscribed(env: TestBroker, topic: string) {
  const consumer = await exclusiveConsumer(env.client, topic);
  return collect(consumer, (m) => void m.ack());
}

test("a routing key past 64 KiB is refused with INVALID_ARGUMENT; one at the bound is stored", async (t) => {
  const env = await testBroker(t, { fsync: false });
  const raw = rawClient(env.broker.url, env.broker.adminUrl);
  t.after(() => raw.close());
  const topic = uniqueTopic("keys");
  const producerId = await raw.createProducer(topic, "p");
  const seen = await subscribed(env, topic);
  const max = 64 * 1024;
  await raw.send(topic, producerId, "at the bound", "k".repeat(max));
  await assert.rejects(raw.send(topic, producerId, "past it", "k".repeat(max + 1)), refused(max + 1, max));
  // Counted in UTF-8 bytes, not characters: 30,000 three-byte characters are 90,000 bytes.
  await assert.rejects(raw.send(topic, producerId, "wide", "€".repeat(30_000)), refused(90_000, max));
  await raw.send(topic, producerId, "after", "k");
  await seen.waitFor(2, 10_000);
  await seen.quietFor(200);
  assert.deepEqual(
    seen.messages.map((m) => m.text()),
    ["at the bound", "after"],
  );
});

test("maxRoutingKeyBytes sets the bound", async (t) => {
  const env = await testBroker(t, { fsync: false, maxRoutingKeyBytes: 8 });
  const raw = rawClient(env.broker.url, env.broker.adminUrl);
  t.after(() => raw.close());
  const topic = uniqueTopic("keys");
  const producerId = await raw.createProducer(topic, "p");
  const seen = await subscribed(env, topic);
  await raw.send(topic, producerId, "ok", "12345678");
  await assert.rejects(raw.send(topic, producerId, "no", "123456789"), refused(9, 8));
  await assert.rejects(raw.send(topic, producerId, "no", "ééééé"), refused(10, 8));
  await seen.waitFor(1, 10_000);
  await seen.quietFor(200);
  assert.deepEqual(
    seen.messages.map((m) => m.text()),
    ["ok"],
  );
});
