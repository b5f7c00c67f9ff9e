// The client's `metrics` and `logger` options against a real broker: exact counts from a fake
// recorder, and a logger that hears a retry and a reconnect across a broker restart.
import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { test } from "node:test";
import {
  type ClientLogger,
  type ClientMetrics,
  clientMetricDefinitions,
  createClient,
  DanubeError,
  ErrorCode,
  type MetricLabels,
} from "../src/index.ts";
import { restartableBroker, testEnv, uniqueTopic, waitUntil } from "./helpers.ts";

/** A metrics option that keeps every observation, keyed `name{label=value,...}`. */
function recorder() {
  const created: string[] = [];
  const sums = new Map<string, number>();
  const deltas = new Map<string, number[]>();
  const key = (name: string, labels: MetricLabels) =>
    `${name}{${Object.entries(labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join(",")}}`;
  const keep = (name: string) => (value: number, labels: MetricLabels) => {
    const k = key(name, labels);
    sums.set(k, (sums.get(k) ?? 0) + value);
    deltas.set(k, [...(deltas.get(k) ?? []), value]);
  };
  const metrics: ClientMetrics = {
    counter: (d) => {
      created.push(d.name);
      return { add: keep(d.name) };
    },
    gauge: (d) => {
      created.push(d.name);
      return { add: keep(d.name) };
    },
    histogram: (d) => {
      created.push(d.name);
      return { record: keep(d.name) };
    },
  };
  /** Sum of the series whose key starts with `prefix`. */
  const total = (prefix: string) =>
    [...sums].filter(([k]) => k.startsWith(prefix)).reduce((sum, [, v]) => sum + v, 0);
  return { metrics, created, sums, deltas, total };
}

interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

/** A pino-shaped logger keeping every line; `child` records its bindings. */
function memoryLogger() {
  const lines: LogLine[] = [];
  const bindings: Record<string, unknown>[] = [];
  const make = (): ClientLogger => {
    const at =
      (level: string) =>
      (fields: Record<string, unknown>, message: string): void => {
        lines.push({ level, fields, message });
      };
    return {
      trace: at("trace"),
      debug: at("debug"),
      info: at("info"),
      warn: at("warn"),
      error: at("error"),
      child(b) {
        bindings.push(b);
        return make();
      },
    };
  };
  return { logger: make(), lines, bindings };
}

test("metrics option: exact counts of sends, receives, acks, nacks and a failed ack", async (t) => {
  const rec = recorder();
  const env = await testEnv(t, { metrics: rec.metrics });
  const topic = uniqueTopic("metered");
  const producer = await env.client.createProducer({ topic, name: "mp", dispatchStrategy: "Reliable" });
  const consumer = await env.client.subscribe({
    topic,
    subscription: "ms",
    consumerName: "mc",
    subscriptionType: "Exclusive",
  });
  for (const text of ["a", "b", "c"]) await producer.send(text);
  const [a, b, c] = [
    await consumer.receive({ timeoutMs: 10_000 }),
    await consumer.receive({ timeoutMs: 10_000 }),
    await consumer.receive({ timeoutMs: 10_000 }),
  ];
  await a.ack();
  await b.nack({ delayMs: 0 });
  await c.ack();
  const again = await consumer.receive({ timeoutMs: 10_000 });
  assert.equal(again.text(), "b");
  await again.ack();
  await consumer.close();
  await assert.rejects(a.ack(), (e: unknown) => e instanceof DanubeError && e.code === ErrorCode.CLOSED);

  const names = Object.values(clientMetricDefinitions).map((d) => d.name);
  assert.deepEqual([...rec.created].sort(), [...names].sort(), "every instrument created once");
  const t0 = `topic=${topic}`;
  const sub = `subscription=ms,${t0}`;
  assert.equal(rec.sums.get(`danube_client_messages_sent_total{${t0}}`), 3);
  assert.deepEqual(rec.deltas.get(`danube_client_sends_in_flight{${t0}}`), [1, -1, 1, -1, 1, -1]);
  const latencies = rec.deltas.get(`danube_client_send_latency_seconds{${t0}}`) ?? [];
  assert.equal(latencies.length, 3);
  for (const s of latencies) assert.ok(s > 0 && s < 10, `latency ${s} s`);
  assert.equal(rec.sums.get(`danube_client_messages_received_total{${sub}}`), 4);
  assert.equal(rec.sums.get(`danube_client_acks_total{${sub}}`), 3);
  assert.equal(rec.sums.get(`danube_client_nacks_total{${sub}}`), 1);
  assert.equal(rec.sums.get(`danube_client_ack_failures_total{code=CLOSED,${sub}}`), 1);
  assert.equal(rec.total("danube_client_send_failures_total"), 0);
  assert.equal(rec.total("danube_client_nack_failures_total"), 0);
  assert.equal(rec.total("danube_client_retries_total"), 0);
  assert.equal(rec.total("danube_client_reconnect"), 0);
  await producer.close();
});

test("metrics option: a send's latency counts from send(), its wait for room (maxPendingSends) included", async (t) => {
  const rec = recorder();
  const env = await testEnv(t, { metrics: rec.metrics });
  const topic = uniqueTopic("latency");
  const producer = await env.client.createProducer({
    topic,
    name: "lp",
    dispatchStrategy: "Reliable",
    maxPendingSends: 1,
  });
  const started = performance.now();
  const took: number[] = [];
  await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      producer.send(`m${i}`).then(() => took.push((performance.now() - started) / 1000)),
    ),
  );
  const latencies = rec.deltas.get(`danube_client_send_latency_seconds{topic=${topic}}`) ?? [];
  assert.equal(latencies.length, 8);
  // One at a time: the last send waited for the seven before it, and its latency says so.
  const last = took.at(-1)!;
  assert.ok(latencies.at(-1)! >= last * 0.8, `last send: latency ${latencies.at(-1)} s, took ${last} s`);
  await producer.close();
});

test("logger and metrics across a broker outage: a retry, a failed send, reconnects", async (t) => {
  const rec = recorder();
  const log = memoryLogger();
  const broker = await restartableBroker(t);
  const client = createClient({
    serviceUrl: broker.url,
    retry: { baseDelayMs: 50, maxDelayMs: 200 },
    healthCheckIntervalMs: 300,
    metrics: rec.metrics,
    logger: log.logger,
  });
  t.after(() => client.close());
  assert.deepEqual(log.bindings, [{ name: "danube-ts-client" }]);
  const topic = uniqueTopic("logged");
  const producer = await client.createProducer({ topic, name: "lp", dispatchStrategy: "Reliable" });
  const consumer = await client.subscribe({ topic, subscription: "ls", consumerName: "lc" });
  await producer.send("before");
  await (await consumer.receive({ timeoutMs: 10_000 })).ack();

  const retries: { operation: string; attempt: number; error: unknown }[] = [];
  const onRetry = (message: unknown) => {
    retries.push(message as (typeof retries)[number]);
  };
  subscribe("danube-ts:client:retry", onRetry);
  t.after(() => unsubscribe("danube-ts:client:retry", onRetry));
  await broker.stop();
  await assert.rejects(producer.send("lost", { timeoutMs: 600 }), DanubeError);
  await assert.rejects(client.schema.listSubjects({ timeoutMs: 600 }), DanubeError);
  const later = producer.send("after", { timeoutMs: 30_000 });
  await broker.start();
  await later;
  const after = await consumer.receive({ timeoutMs: 30_000 });
  assert.equal(after.text(), "after");
  await after.ack({ timeoutMs: 30_000 });
  const seen = (level: string, message: string) =>
    log.lines.some((l) => l.level === level && l.message === message);
  await waitUntil(
    () => seen("info", "producer reconnected") && seen("info", "consumer reconnected"),
    "both reconnected lines",
    20_000,
  );

  const retry = log.lines.find((l) => l.message === "retrying send");
  assert.ok(retry, "the retry of a send was logged");
  assert.equal(retry.level, "warn");
  assert.equal(retry.fields.topic, topic);
  assert.equal(retry.fields.producerName, "lp");
  assert.ok((retry.fields.attempt as number) >= 1, "(retry.fields.attempt as number) >= 1");
  assert.ok(
    retry.fields.err instanceof DanubeError && retry.fields.err.retryable,
    "retry.fields.err instanceof DanubeError && retry.fields.err.retryable",
  );
  const registryRetry = log.lines.find((l) => l.message === "retrying listSubjects");
  assert.equal(registryRetry?.level, "warn");
  assert.equal(registryRetry?.fields.attempt, 1);
  assert.equal(typeof registryRetry?.fields.delayMs, "number");
  for (const operation of ["send", "listSubjects"]) {
    const first = retries.find((r) => r.operation === operation);
    assert.equal(first?.attempt, 1, `a ${operation} retry on the retry channel`);
    assert.ok(first?.error instanceof DanubeError, "first?.error instanceof DanubeError");
  }
  const reconnecting = log.lines.find((l) => l.message === "producer reconnecting");
  assert.equal(reconnecting?.level, "warn");
  assert.equal(reconnecting?.fields.topic, topic);
  assert.equal(reconnecting?.fields.producer, "lp");
  assert.ok(seen("warn", "consumer reconnecting"), 'seen("warn", "consumer reconnecting")');
  assert.ok(seen("info", "connection to broker lost"), 'seen("info", "connection to broker lost")');
  // Nothing logged carries a bigint (JSON loggers cannot print them).
  for (const line of log.lines) {
    for (const value of Object.values(line.fields)) assert.notEqual(typeof value, "bigint", line.message);
  }

  assert.equal(rec.total("danube_client_send_failures_total"), 1, "the send that timed out");
  assert.ok(
    rec.total("danube_client_retries_total{operation=send}") >= 1,
    'rec.total("danube_client_retries_total{operation=send}") >= 1',
  );
  assert.ok(
    rec.total("danube_client_retries_total{operation=listSubjects}") >= 1,
    'rec.total("danube_client_retries_total{operation=listSubjects}") >= 1',
  );
  assert.ok(
    (rec.sums.get(`danube_client_reconnects_total{source=producer,topic=${topic}}`) ?? 0) >= 1,
    "a producer reconnect counted",
  );
  assert.ok(
    (rec.sums.get(`danube_client_reconnects_total{source=consumer,topic=${topic}}`) ?? 0) >= 1,
    "a consumer reconnect counted",
  );
  assert.ok(
    rec.total("danube_client_reconnect_attempts_total") >= 2,
    'rec.total("danube_client_reconnect_attempts_total") >= 2',
  );
  assert.equal(rec.sums.get(`danube_client_sends_in_flight{topic=${topic}}`), 0);
  assert.equal(rec.sums.get(`danube_client_messages_sent_total{topic=${topic}}`), 2);
  await consumer.close();
  await producer.close();
});

test("logger: an idle producer's health check answered CLOSE after a broker restart", async (t) => {
  const log = memoryLogger();
  const broker = await restartableBroker(t);
  const client = createClient({ serviceUrl: broker.url, healthCheckIntervalMs: 200, logger: log.logger });
  t.after(() => client.close());
  const topic = uniqueTopic("idle");
  const producer = await client.createProducer({ topic, name: "ip", dispatchStrategy: "Reliable" });
  await producer.send("x");
  await broker.restart();
  const closed = "health check: the broker reported the producer as closed; registering again";
  await waitUntil(() => log.lines.some((l) => l.message === closed), "the health-check CLOSE line", 15_000);
  const line = log.lines.find((l) => l.message === closed)!;
  assert.equal(line.level, "warn");
  assert.equal(line.fields.source, "producer");
  assert.equal(typeof line.fields.producerId, "string");
  await waitUntil(
    () => log.lines.some((l) => l.message === "producer reconnected"),
    "the re-creation",
    15_000,
  );
  await producer.close();
});
