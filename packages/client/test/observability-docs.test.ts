// docs/observability.md shows docs/examples/client-prometheus.ts and client-opentelemetry.ts
// verbatim, and both run against a real broker: prom-client's scrape has the client series, the
// OpenTelemetry bridge opens and ends one span per traced operation.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Attributes, Meter, Span, SpanOptions, SpanStatus, Tracer } from "@opentelemetry/api";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { Registry } from "prom-client";
import { openTelemetryMetrics, traceWithOpenTelemetry } from "../../../docs/examples/client-opentelemetry.ts";
import { prometheusMetrics } from "../../../docs/examples/client-prometheus.ts";
import { DanubeError } from "../src/index.ts";
import { assertShowsExample } from "./doc-examples.ts";
import { testEnv, uniqueTopic } from "./helpers.ts";

test("docs/observability.md shows the client metrics and OpenTelemetry examples", async () => {
  for (const name of ["client-prometheus.ts", "client-opentelemetry.ts"]) {
    await assertShowsExample("docs/observability.md", `docs/examples/${name}`);
  }
});

test("prom-client adapter: the scrape carries the client's series", async (t) => {
  const registry = new Registry();
  const env = await testEnv(t, { metrics: prometheusMetrics(registry) });
  const topic = uniqueTopic("scraped");
  const producer = await env.client.createProducer({ topic, name: "pp", dispatchStrategy: "Reliable" });
  const consumer = await env.client.subscribe({ topic, subscription: "ps", consumerName: "pc" });
  await producer.send("one");
  await producer.send("two");
  for (let i = 0; i < 2; i++) await (await consumer.receive({ timeoutMs: 10_000 })).ack();
  const text = await registry.metrics();
  const series = [
    `danube_client_messages_sent_total{topic="${topic}"} 2`,
    `danube_client_sends_in_flight{topic="${topic}"} 0`,
    `danube_client_send_latency_seconds_count{topic="${topic}"} 2`,
    `danube_client_send_latency_seconds_bucket{le="30",topic="${topic}"} 2`,
    `danube_client_messages_received_total{topic="${topic}",subscription="ps"} 2`,
    `danube_client_acks_total{topic="${topic}",subscription="ps"} 2`,
    "# TYPE danube_client_send_latency_seconds histogram",
    "# TYPE danube_client_retries_total counter",
    "# TYPE danube_client_sends_in_flight gauge",
  ];
  for (const line of series) assert.ok(text.includes(line), `scrape lacks ${line}\n${text}`);
  await consumer.close();
  await producer.close();
});

class RecordedSpan implements Span {
  readonly name: string;
  readonly kind: SpanKind | undefined;
  readonly attributes: Attributes;
  status: SpanStatus | undefined;
  readonly exceptions: unknown[] = [];
  ended = false;
  constructor(name: string, options: SpanOptions | undefined) {
    this.name = name;
    this.kind = options?.kind;
    this.attributes = { ...options?.attributes };
  }
  spanContext() {
    return { traceId: "1".repeat(32), spanId: "2".repeat(16), traceFlags: 1 };
  }
  setAttribute(key: string, value: Attributes[string]): this {
    this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    Object.assign(this.attributes, attributes);
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.status = status;
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {
    this.ended = true;
  }
  isRecording(): boolean {
    return !this.ended;
  }
  recordException(exception: unknown): void {
    this.exceptions.push(exception);
  }
}

test("OpenTelemetry: spans from the tracing channels, instruments from a meter", async (t) => {
  const spans: RecordedSpan[] = [];
  const tracer = {
    startSpan(name: string, options?: SpanOptions) {
      const span = new RecordedSpan(name, options);
      spans.push(span);
      return span;
    },
  } as unknown as Tracer;
  const stop = traceWithOpenTelemetry(tracer);
  t.after(stop);
  const recorded: [string, number, Attributes | undefined][] = [];
  const instrument = (name: string) => ({
    add: (value: number, attributes?: Attributes) => recorded.push([name, value, attributes]),
    record: (value: number, attributes?: Attributes) => recorded.push([name, value, attributes]),
  });
  const options: [string, unknown][] = [];
  const meter = {
    createCounter: (name: string) => instrument(name),
    createUpDownCounter: (name: string) => instrument(name),
    createHistogram: (name: string, o: unknown) => {
      options.push([name, o]);
      return instrument(name);
    },
  } as unknown as Meter;
  const env = await testEnv(t, { metrics: openTelemetryMetrics(meter) });
  const topic = uniqueTopic("otel");
  const producer = await env.client.createProducer({ topic, name: "op", dispatchStrategy: "Reliable" });
  const consumer = await env.client.subscribe({ topic, subscription: "os", consumerName: "oc" });
  const receipt = await producer.send("hello");
  await (await consumer.receive({ timeoutMs: 10_000 })).ack();
  await assert.rejects(env.client.schema.getLatestSchema(`missing-${Date.now()}`), DanubeError);
  await consumer.close();
  await producer.close();

  const mine = spans.filter((s) => s.attributes["danube.topic"] === topic);
  const names = new Set(mine.map((s) => s.name));
  for (const name of ["lookup", "createProducer", "subscribe", "send", "receive", "ack"]) {
    assert.ok(names.has(`danube-ts ${name}`), `a danube-ts ${name} span`);
  }
  const send = mine.find((s) => s.name === "danube-ts send")!;
  assert.equal(send.kind, SpanKind.PRODUCER);
  assert.equal(send.attributes["messaging.system"], "danube");
  assert.equal(send.attributes["messaging.destination.name"], topic);
  assert.equal(send.attributes["danube.requestId"], receipt.requestId.toString());
  assert.equal(send.attributes["danube.producerName"], "op");
  assert.equal(mine.find((s) => s.name === "danube-ts receive")?.kind, SpanKind.CONSUMER);
  assert.equal(mine.find((s) => s.name === "danube-ts receive")?.attributes["danube.offset"], "0");
  const schema = spans.find(
    (s) => s.name === "danube-ts schema" && s.attributes["danube.rpc"] === "GetLatestSchema",
  );
  assert.equal(schema?.status?.code, SpanStatusCode.ERROR);
  assert.ok(schema?.exceptions[0] instanceof DanubeError, "schema?.exceptions[0] instanceof DanubeError");
  assert.ok(
    spans
      .filter((s) => s.name !== "danube-ts receive" && s.name !== "danube-ts connect")
      .every((s) => s.ended),
    "every span ended",
  );

  assert.ok(
    recorded.some(
      ([name, v, a]) => name === "danube_client_messages_sent_total" && v === 1 && a?.topic === topic,
    ),
    "a sent message counted on the meter",
  );
  assert.ok(
    recorded.some(([name, , a]) => name === "danube_client_send_latency_seconds" && a?.topic === topic),
    "a send latency recorded on the meter",
  );
  const latency = options.find(([name]) => name === "danube_client_send_latency_seconds")?.[1] as {
    unit: string;
    advice: { explicitBucketBoundaries: number[] };
  };
  assert.equal(latency.unit, "s");
  assert.equal(latency.advice.explicitBucketBoundaries.at(-1), 30);
});
