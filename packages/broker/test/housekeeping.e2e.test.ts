import assert from "node:assert/strict";
import { test } from "node:test";
import { danube } from "@danube-ts/protocol";
import { credentials } from "@grpc/grpc-js";
import { testBroker, uniqueTopic } from "./helpers.ts";
import { until } from "./until.ts";

const housekeeping = {
  sweepIntervalMs: 50,
  consumerIdleMs: 200,
  subscriptionIdleMs: 200,
  producerSilenceMs: 300,
};

test("an idle non-reliable subscription is removed and its consumer gets CLOSE", async (t) => {
  const env = await testBroker(t, { housekeeping });
  const topic = uniqueTopic("idle");
  await env.client.createProducer({ topic, name: "p" });
  const consumer = await env.client.subscribe({ topic, subscription: "gone", consumerName: "c" });
  assert.deepEqual(await env.admin.listSubscriptions(topic), ["gone"]);
  await consumer.close();
  await until(
    "the idle subscription to be removed",
    async () => (await env.admin.listSubscriptions(topic)).length === 0,
  );
});

test("a reliable subscription survives idleness (its cursor matters)", async (t) => {
  const env = await testBroker(t, { housekeeping });
  const topic = uniqueTopic("keep");
  await env.client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const consumer = await env.client.subscribe({ topic, subscription: "kept", consumerName: "c" });
  await consumer.close();
  await new Promise((r) => setTimeout(r, 600));
  assert.deepEqual(await env.admin.listSubscriptions(topic), ["kept"]);
});

test("health check: OK while alive, CLOSE for unknown ids and for consumers without a stream", async (t) => {
  const env = await testBroker(t, { housekeeping });
  const raw = new danube.HealthCheckClient(
    env.broker.url.replace("http://", ""),
    credentials.createInsecure(),
  );
  t.after(() => raw.close());
  const ping = (client: number, id: bigint) =>
    new Promise<number>((resolve, reject) =>
      raw.healthCheck({ requestId: 1n, client, id }, (err, res) =>
        err ? reject(err) : resolve(res!.status),
      ),
    );
  assert.equal(await ping(0, 42n), 1, "unknown producer");
  assert.equal(await ping(1, 42n), 1, "unknown consumer");
  await assert.rejects(ping(7, 1n), /Invalid client type/);

  const producers = new danube.ProducerServiceClient(
    env.broker.url.replace("http://", ""),
    credentials.createInsecure(),
  );
  t.after(() => producers.close());
  const topic = uniqueTopic("health");
  const created = await new Promise<danube.ProducerResponse>((resolve, reject) =>
    producers.createProducer(
      {
        requestId: 1n,
        producerName: "raw",
        topicName: topic,
        schemaRef: undefined,
        producerAccessMode: 0,
        dispatchStrategy: 0,
      },
      (err, res) => (err ? reject(err) : resolve(res!)),
    ),
  );
  assert.equal(await ping(0, created.producerId), 0, "live producer");
});

test("an Exclusive producer that falls silent releases the topic", async (t) => {
  const env = await testBroker(t, { housekeeping });
  const topic = uniqueTopic("silent");
  // A raw producer: no health checks keep it alive.
  const raw = new danube.ProducerServiceClient(
    env.broker.url.replace("http://", ""),
    credentials.createInsecure(),
  );
  t.after(() => raw.close());
  await new Promise<void>((resolve, reject) =>
    raw.createProducer(
      {
        requestId: 1n,
        producerName: "ghost",
        topicName: topic,
        schemaRef: undefined,
        producerAccessMode: 1,
        dispatchStrategy: 0,
      },
      (err) => (err ? reject(err) : resolve()),
    ),
  );
  await assert.rejects(env.client.createProducer({ topic, name: "next" }), /exclusive producer 'ghost'/);
  await new Promise((r) => setTimeout(r, 500));
  const next = await env.client.createProducer({ topic, name: "next" });
  await next.send("mine now");
});

test("producers and consumers of a deleted topic get CLOSE from the health check", async (t) => {
  const env = await testBroker(t);
  const address = env.broker.url.replace("http://", "");
  const producers = new danube.ProducerServiceClient(address, credentials.createInsecure());
  const consumers = new danube.ConsumerServiceClient(address, credentials.createInsecure());
  const health = new danube.HealthCheckClient(address, credentials.createInsecure());
  t.after(() => {
    producers.close();
    consumers.close();
    health.close();
  });
  const topic = uniqueTopic("deleted");
  const producer = await new Promise<danube.ProducerResponse>((resolve, reject) =>
    producers.createProducer(
      {
        requestId: 1n,
        producerName: "p",
        topicName: topic,
        schemaRef: undefined,
        producerAccessMode: 0,
        dispatchStrategy: 1,
      },
      (err, res) => (err ? reject(err) : resolve(res!)),
    ),
  );
  const consumer = await new Promise<danube.ConsumerResponse>((resolve, reject) =>
    consumers.subscribe(
      {
        requestId: 2n,
        topicName: topic,
        consumerName: "c",
        subscription: "s",
        subscriptionType: 0,
        keyFilters: [],
      },
      (err, res) => (err ? reject(err) : resolve(res!)),
    ),
  );
  const ping = (client: number, id: bigint) =>
    new Promise<number>((resolve, reject) =>
      health.healthCheck({ requestId: 3n, client, id }, (err, res) =>
        err ? reject(err) : resolve(res!.status),
      ),
    );
  assert.equal(await ping(0, producer.producerId), 0);
  assert.equal(await ping(1, consumer.consumerId), 0);
  await env.admin.deleteTopic(topic);
  assert.equal(await ping(0, producer.producerId), 1, "producer gets CLOSE");
  assert.equal(await ping(1, consumer.consumerId), 1, "consumer gets CLOSE");
});
