import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import { scrape, sum } from "../prom-text.ts";
import { rawClient } from "../raw-client.ts";
import { until } from "../until.ts";
import { SEED, type SeededBroker, seededBroker } from "./seed.ts";

let env: SeededBroker;

async function call(path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init;
  const res = await fetch(env.consoleUrl + path, {
    ...rest,
    ...(json !== undefined && {
      body: JSON.stringify(json),
      headers: { "content-type": "application/json" },
    }),
    signal: AbortSignal.timeout(10_000),
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field below
  const body = (await res.json().catch(() => undefined)) as any;
  return { status: res.status, body, headers: res.headers };
}
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe("console JSON API over HTTP", { timeout: 60_000 }, () => {
  before(async () => {
    env = await seededBroker();
  });
  after(() => env?.close());

  test("overview and topic list count the seeded topics, producers and messages", async () => {
    const o = await call("/api/overview");
    assert.equal(o.status, 200);
    assert.equal(o.body.broker.brokerId, String(env.broker.brokerId));
    const topics = (await call("/api/topics")).body as {
      name: string;
      messagesIn: number;
      partitionOf?: string;
    }[];
    const names = topics.map((t) => t.name);
    for (const name of [
      SEED.orders,
      SEED.payments,
      SEED.events,
      SEED.blobs,
      SEED.dlq,
      `${SEED.partitioned}-part-2`,
    ])
      assert.ok(names.includes(name), `${name} listed`);
    assert.equal(topics.find((t) => t.name === SEED.orders)?.messagesIn, 14);
    assert.equal(topics.find((t) => t.name === `${SEED.partitioned}-part-1`)?.partitionOf, SEED.partitioned);
    assert.equal(o.body.topics, topics.length);
    assert.ok(o.body.messagesIn >= 14 + 5 + 3 + 5);
    const page = await fetch(env.consoleUrl);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    // Every file of the bundled front end is served (a module missing from the server's list would 404).
    const ui = new URL("../../src/console/ui/", import.meta.url);
    for (const file of await readdir(ui)) {
      const res = await fetch(`${env.consoleUrl}/${file}`, { signal: AbortSignal.timeout(5_000) });
      assert.equal(res.status, 200, file);
      assert.equal(await res.text(), await readFile(new URL(file, ui), "utf8"));
    }
  });

  test("topic page data: subscriptions with backlog, unacked, dead-lettering and failure policy", async () => {
    const t = (await call(`/api/topic?${q({ name: SEED.orders })}`)).body;
    assert.equal(t.delivery, "Reliable");
    assert.deepEqual(t.log, { startOffset: "0", endOffset: "14" });
    assert.equal(t.schema.subject, SEED.ordersSubject);
    const billing = t.subscriptionList.find((s: { name: string }) => s.name === "billing");
    assert.equal(billing.deadLettered, 1);
    assert.equal(billing.nacks, 2);
    assert.equal(billing.failurePolicy.poison, "dead_letter");
    assert.equal(billing.failurePolicy.deadLetterTopic, SEED.dlq);
    const audit = t.subscriptionList.find((s: { name: string }) => s.name === "audit");
    assert.equal(audit.backlog, 14, "a subscription that never acked is 14 behind");
    const sample = (await call(`/api/topic/sample?${q({ name: SEED.orders })}`)).body;
    assert.equal(sample.messagesIn, 14);
    assert.ok(sample.commitCount >= 1, "group commits are sampled from the broker's metrics");
    const partitioned = (await call(`/api/topic?${q({ name: SEED.partitioned })}`)).body;
    assert.equal(partitioned.partitions.length, 3);
  });

  test("browsing stored messages decodes by schema, escapes nothing, cuts long payloads and consumes nothing", async () => {
    const before = (await call(`/api/topic?${q({ name: SEED.orders })}`)).body;
    const orders = (await call(`/api/topic/messages?${q({ name: SEED.orders, from: "0", limit: "3" })}`))
      .body;
    assert.deepEqual(
      orders.messages.map((m: { offset: string }) => m.offset),
      ["0", "1", "2"],
    );
    assert.equal(orders.messages[0].payload.kind, "json");
    assert.deepEqual(JSON.parse(orders.messages[0].payload.text), { id: 1, item: "item-1", quantity: 1 });
    const payments = (await call(`/api/topic/messages?${q({ name: SEED.payments })}`)).body;
    assert.equal(payments.messages.length, 5);
    assert.equal(payments.messages[1].payload.kind, "avro");
    assert.deepEqual(JSON.parse(payments.messages[1].payload.text), { id: 2, amount: 21, currency: "USD" });
    const blobs = (await call(`/api/topic/messages?${q({ name: SEED.blobs })}`)).body.messages;
    assert.deepEqual(blobs[0].payload, { size: 6, kind: "binary", hex: "000102feff80", truncated: false });
    assert.equal(
      blobs[1].payload.text,
      "<script>alert('x')</script> & <b>bold</b>",
      "raw text; the page inserts it as text",
    );
    assert.equal(blobs[2].payload.size, 10_000);
    assert.equal(blobs[2].payload.truncated, true);
    assert.equal(blobs[2].payload.text.length, 4096);
    const after = (await call(`/api/topic?${q({ name: SEED.orders })}`)).body;
    const backlog = (t: typeof before) =>
      t.subscriptionList.map((s: { name: string; backlog: number }) => [s.name, s.backlog]);
    assert.deepEqual(backlog(after), backlog(before), "browsing moved no cursor");
    const nonReliable = await call(`/api/topic/messages?${q({ name: SEED.events })}`);
    assert.equal(nonReliable.status, 409);
    assert.match(nonReliable.body.error, /non-reliable/);
    assert.equal((await call(`/api/topic/messages?${q({ name: SEED.orders, from: "x" })}`)).status, 400);
  });

  test("dead letters: the DLQ topic, who feeds it, and the poisoned message with its reason", async () => {
    const dl = (await call("/api/dead-letters")).body;
    assert.deepEqual(dl, [
      {
        topic: SEED.dlq,
        exists: true,
        storedMessages: 1,
        sources: [{ topic: SEED.orders, subscription: "billing" }],
      },
    ]);
    const m = (await call(`/api/topic/messages?${q({ name: SEED.dlq })}`)).body.messages[0];
    assert.equal(m.attributes["x-original-topic"], SEED.orders);
    assert.equal(m.attributes["x-failure-reason"], "order 13 cannot be billed");
    assert.equal(JSON.parse(m.payload.text).id, 13);
  });

  test("create, send a test message, read it back, delete", async () => {
    const name = "/default/console-api";
    assert.equal(
      (await call("/api/topics", { method: "POST", json: { name, delivery: "reliable" } })).status,
      200,
    );
    const again = await call("/api/topics", { method: "POST", json: { name, delivery: "reliable" } });
    assert.equal(again.status, 409);
    const bad = await call("/api/topics", { method: "POST", json: { name: "nope", delivery: "reliable" } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /invalid format/);
    const sent = await call("/api/topic/messages", {
      method: "POST",
      json: { name, payload: "hello console", attributes: { origin: "test" } },
    });
    assert.deepEqual(sent.body, { offset: "0" });
    const read = (await call(`/api/topic/messages?${q({ name })}`)).body.messages;
    assert.equal(read.length, 1);
    assert.equal(read[0].payload.text, "hello console");
    assert.equal(read[0].attributes.origin, "test");
    const topic = (await call(`/api/topic?${q({ name })}`)).body;
    assert.equal(topic.producers, 0, "the console's producer is detached after the send");
    // An Avro topic takes a JSON datum and stores it encoded with the topic's schema.
    const avro = await call("/api/topic/messages", {
      method: "POST",
      json: {
        name: SEED.payments,
        payload: '{"id": 99, "amount": 1.5, "currency": "CHF"}',
        encoding: "json",
      },
    });
    assert.equal(avro.status, 200, JSON.stringify(avro.body));
    const stored = (await call(`/api/topic/messages?${q({ name: SEED.payments, from: avro.body.offset })}`))
      .body;
    assert.deepEqual(JSON.parse(stored.messages[0].payload.text), { id: 99, amount: 1.5, currency: "CHF" });
    const wrong = await call("/api/topic/messages", {
      method: "POST",
      json: { name: SEED.payments, payload: '{"id": "x"}', encoding: "json" },
    });
    assert.equal(wrong.status, 400);
    const plain = await fetch(`${env.consoleUrl}/api/topics`, { method: "POST", body: "{}" });
    assert.equal(
      plain.status,
      400,
      "a body that is not declared JSON is refused (no cross-site simple POSTs)",
    );
    const foreign = await fetch(`${env.consoleUrl}/api/topics?${q({ name })}`, {
      method: "DELETE",
      headers: { origin: "http://evil.example" },
    });
    assert.equal(foreign.status, 403);
    const opaque = await fetch(`${env.consoleUrl}/api/topics?${q({ name })}`, {
      method: "DELETE",
      headers: { origin: "null" },
    });
    assert.equal(opaque.status, 403, "a sandboxed page's opaque origin is refused too");
    assert.equal((await call(`/api/topics?${q({ name })}`, { method: "DELETE" })).status, 200);
    assert.equal((await call(`/api/topic?${q({ name })}`)).status, 404);
  });

  test("schemas: subjects, versions and a diff between two versions", async () => {
    const list = (await call("/api/schemas")).body;
    assert.deepEqual(
      list.map((s: { subject: string; latestVersion: number; schemaType: string; topics: string[] }) => [
        s.subject,
        s.latestVersion,
        s.schemaType,
        s.topics,
      ]),
      [
        [SEED.ordersSubject, 2, "json_schema", [SEED.orders]],
        [SEED.paymentsSubject, 2, "avro", [SEED.payments]],
      ],
    );
    const subject = (await call(`/api/schema?${q({ subject: SEED.paymentsSubject })}`)).body;
    assert.equal(subject.compatibilityMode, "backward");
    assert.deepEqual(
      subject.versions.map((v: { version: number }) => v.version),
      [1, 2],
    );
    const diff = (await call(`/api/schema/diff?${q({ subject: SEED.paymentsSubject, from: "1", to: "2" })}`))
      .body;
    const added = diff.lines
      .filter((l: { op: string }) => l.op === "+")
      .map((l: { text: string }) => l.text.trim());
    assert.ok(
      added.some((l: string) => l.includes('"currency"')),
      JSON.stringify(diff.lines),
    );
    assert.equal(diff.lines.filter((l: { op: string }) => l.op === "-").length <= 2, true);
    assert.equal((await call(`/api/schema?${q({ subject: "ghost" })}`)).status, 404);
  });
});

describe("non-reliable backlog gauge", { timeout: 30_000 }, () => {
  test("counts messages queued for a consumer without an open stream, and drops to 0 once delivered", async (t) => {
    const seeded = await seededBroker({ prometheus: { port: 0 } });
    t.after(() => seeded.close());
    const raw = rawClient(seeded.broker.url, seeded.broker.adminUrl);
    t.after(() => raw.close());
    const topic = "/default/nr-backlog";
    const producer = await seeded.client.createProducer({ topic, name: "nr" });
    // Subscribed, no ReceiveMessages stream yet: the broker queues the messages for it.
    const consumerId = await raw.subscribe(topic, "slow", "slow-1", 0);
    for (let i = 0; i < 7; i++) await producer.send(`m${i}`);
    const labels = { topic, subscription: "slow" };
    let e = await scrape(seeded.broker.metricsUrl!);
    assert.equal(e.types.get("danube_ts_nonreliable_backlog_messages"), "gauge");
    assert.equal(sum(e, "danube_ts_nonreliable_backlog_messages", labels), 7);
    assert.ok(sum(e, "danube_ts_nonreliable_backlog_bytes", labels) >= 7 * 2);
    const page = (await (await fetch(`${seeded.consoleUrl}/api/topic?${q({ name: topic })}`)).json()) as {
      subscriptionList: { name: string; backlog: number }[];
    };
    assert.equal(page.subscriptionList[0]?.backlog, 7, "the console shows the same backlog");
    const stream = raw.stream(consumerId);
    t.after(() => stream.cancel());
    await until("the queued messages delivered", () => stream.received.length === 7, 10_000);
    e = await scrape(seeded.broker.metricsUrl!);
    assert.equal(sum(e, "danube_ts_nonreliable_backlog_messages", labels), 0);
  });
});
