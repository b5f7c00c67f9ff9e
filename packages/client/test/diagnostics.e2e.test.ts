// The client's diagnostics_channel tracing channels against a real broker: every channel of a
// produce / consume / ack / nack / schema flow publishes start, end, asyncStart and asyncEnd (or
// error) with its documented context, and a broker restart shows as reconnect and connect traces.
import assert from "node:assert/strict";
import { tracingChannel } from "node:diagnostics_channel";
import type { TestContext } from "node:test";
import { test } from "node:test";
import { createClient, DanubeError, ErrorCode } from "../src/index.ts";
import { restartableBroker, testEnv, uniqueTopic, waitUntil } from "./helpers.ts";

const names = [
  "connect",
  "lookup",
  "createProducer",
  "subscribe",
  "send",
  "receive",
  "ack",
  "nack",
  "schema",
  "reconnect",
] as const;
const phases = ["start", "end", "asyncStart", "asyncEnd", "error"] as const;

interface TraceEvent {
  readonly channel: (typeof names)[number];
  readonly phase: (typeof phases)[number];
  /** The context as it was when published (a shallow copy). */
  readonly context: Record<string, unknown>;
  /** The context object itself (the same object across one operation's events). */
  readonly object: object;
}

/** Subscribes to every client tracing channel by its public name for the test's duration. */
function recordTraces(t: TestContext): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (const channel of names) {
    const tc = tracingChannel<unknown, object>(`danube-ts:client:${channel}`);
    const handlers = Object.fromEntries(
      phases.map((phase) => [
        phase,
        (context: object) => {
          events.push({ channel, phase, context: { ...context }, object: context });
        },
      ]),
    ) as Record<(typeof phases)[number], (context: object) => void>;
    tc.subscribe(handlers);
    t.after(() => tc.unsubscribe(handlers));
  }
  return events;
}

/** The phases published for each distinct context object of `channel` matching `where`. */
function operations(
  events: TraceEvent[],
  channel: TraceEvent["channel"],
  where: (context: Record<string, unknown>) => boolean = () => true,
): { phases: string[]; first: Record<string, unknown>; last: Record<string, unknown> }[] {
  const byObject = new Map<object, TraceEvent[]>();
  for (const e of events) {
    if (e.channel !== channel) continue;
    const list = byObject.get(e.object) ?? [];
    list.push(e);
    byObject.set(e.object, list);
  }
  return [...byObject.values()]
    .filter((list) => where(list[0]!.context))
    .map((list) => ({
      phases: list.map((e) => e.phase),
      first: list[0]!.context,
      last: list.at(-1)!.context,
    }));
}

const ok = ["start", "end", "asyncStart", "asyncEnd"];
const failed = ["start", "end", "error", "asyncStart", "asyncEnd"];

test("tracing channels: connect, lookup, create, subscribe, send, receive, ack, nack, schema", async (t) => {
  const events = recordTraces(t);
  const env = await testEnv(t);
  const client = env.client;
  const topic = uniqueTopic("traced");
  const producer = await client.createProducer({ topic, name: "tp", dispatchStrategy: "Reliable" });
  const consumer = await client.subscribe({
    topic,
    subscription: "ts",
    consumerName: "tc",
    subscriptionType: "Exclusive",
  });
  const receipts = [await producer.send("first"), await producer.send("second!")];
  const m1 = await consumer.receive({ timeoutMs: 10_000 });
  const m2 = await consumer.receive({ timeoutMs: 10_000 });
  await m1.ack();
  await m2.nack({ delayMs: 0 });
  const again = await consumer.receive({ timeoutMs: 10_000 });
  assert.equal(again.text(), "second!");
  await again.ack();
  const subject = `traced-${Date.now()}`;
  await client.schema.registerSchema({ subject, schemaType: "json_schema", schema: { type: "object" } });
  await assert.rejects(client.schema.getLatestSchema(`${subject}-missing`), DanubeError);

  // connect: the first channel to the broker reached READY.
  const target = env.url.replace(/^http:\/\//, "");
  const connects = operations(events, "connect", (c) => c.target === target);
  assert.ok(connects.length >= 1, "a connect trace");
  assert.deepEqual(connects[0]!.phases, ok);
  assert.equal(connects[0]!.first.secure, false);
  assert.equal(connects[0]!.first.reconnect, false);

  // lookup: TopicLookup for the producer and the consumer, TopicPartitions for subscribe.
  const lookups = operations(events, "lookup", (c) => c.topic === topic);
  // The producer's lookup finds no topic yet (NOT_FOUND: it is created by CreateProducer).
  assert.deepEqual(
    lookups.map((l) => [l.first.kind, l.phases, (l.last.error as DanubeError | undefined)?.code]),
    [
      ["lookup", failed, ErrorCode.NOT_FOUND],
      ["partitions", ok, undefined],
      ["lookup", ok, undefined],
    ],
  );
  for (const l of lookups) assert.equal(typeof l.first.requestId, "bigint");

  const creates = operations(events, "createProducer", (c) => c.topic === topic);
  assert.equal(creates.length, 1);
  assert.deepEqual(creates[0]!.phases, ok);
  assert.equal(creates[0]!.first.producerName, "tp");
  assert.equal(creates[0]!.first.partition, undefined);
  assert.equal(creates[0]!.last.producerId, receipts[0]!.producerId);

  const subscribes = operations(events, "subscribe", (c) => c.topic === topic);
  assert.equal(subscribes.length, 1);
  assert.deepEqual(subscribes[0]!.phases, ok);
  assert.equal(subscribes[0]!.first.subscription, "ts");
  assert.equal(subscribes[0]!.first.consumerName, "tc");
  assert.equal(subscribes[0]!.first.subscriptionType, "Exclusive");
  assert.equal(typeof subscribes[0]!.last.consumerId, "bigint");

  const sends = operations(events, "send", (c) => c.topic === topic);
  assert.equal(sends.length, 2);
  assert.deepEqual(
    sends.map((s) => [
      s.phases,
      s.first.requestId,
      s.first.payloadSize,
      s.first.producerName,
      s.last.retries,
    ]),
    [
      [ok, receipts[0]!.requestId, 5, "tp", 0],
      [ok, receipts[1]!.requestId, 7, "tp", 0],
    ],
  );
  assert.deepEqual(sends[1]!.last.result, receipts[1]);

  const receives = operations(events, "receive", (c) => c.topic === topic);
  assert.equal(receives.length, 3);
  assert.deepEqual(
    receives.map((r) => [
      r.phases,
      r.first.subscription,
      r.last.messageTopic,
      r.last.requestId,
      r.last.offset,
    ]),
    [
      [ok, "ts", topic, receipts[0]!.requestId, 0n],
      [ok, "ts", topic, receipts[1]!.requestId, 1n],
      [ok, "ts", topic, receipts[1]!.requestId, 1n],
    ],
  );
  assert.equal(receives[1]!.last.payloadSize, 7);
  assert.equal(receives[1]!.last.producerName, "tp");

  const acks = operations(events, "ack", (c) => c.topic === topic);
  assert.deepEqual(
    acks.map((a) => [a.phases, a.first.operation, a.first.requestId, a.first.offset, a.first.subscription]),
    [
      [ok, "ack", receipts[0]!.requestId, 0n, "ts"],
      [ok, "ack", receipts[1]!.requestId, 1n, "ts"],
    ],
  );
  assert.equal(acks[0]!.first.producerId, receipts[0]!.producerId);
  const nacks = operations(events, "nack", (c) => c.topic === topic);
  assert.deepEqual(
    nacks.map((n) => [n.phases, n.first.operation, n.first.requestId, n.first.delayMs]),
    [[ok, "nack", receipts[1]!.requestId, 0]],
  );

  const schemaCalls = operations(events, "schema");
  const register = schemaCalls.find((s) => s.first.operation === "registerSchema");
  assert.deepEqual(register?.phases, ok);
  assert.equal(register?.first.rpc, "RegisterSchema");
  const missing = schemaCalls.find((s) => s.first.operation === "getLatestSchema");
  assert.deepEqual(missing?.phases, failed);
  assert.ok(missing?.last.error instanceof DanubeError, "missing?.last.error instanceof DanubeError");
  assert.equal((missing?.last.error as DanubeError | undefined)?.code, ErrorCode.NOT_FOUND);

  // No context carries a payload or anything shaped like a secret.
  for (const e of events) {
    for (const key of Object.keys(e.context)) assert.doesNotMatch(key, /payload$|token|password|secret/i);
  }
  await consumer.close();
  await producer.close();
});

test("a broker restart: reconnect traces for producer and consumer, a reconnect of the channel", async (t) => {
  const events = recordTraces(t);
  const broker = await restartableBroker(t);
  const client = createClient({
    serviceUrl: broker.url,
    retry: { baseDelayMs: 50, maxDelayMs: 300 },
    healthCheckIntervalMs: 300,
  });
  t.after(() => client.close());
  const topic = uniqueTopic("retraced");
  const producer = await client.createProducer({ topic, name: "rp", dispatchStrategy: "Reliable" });
  const consumer = await client.subscribe({ topic, subscription: "rs", consumerName: "rc" });
  await producer.send("before");
  const before = await consumer.receive({ timeoutMs: 10_000 });
  assert.equal(before.text(), "before");
  await before.ack();

  await broker.restart();
  await producer.send("after", { timeoutMs: 20_000 });
  const after = await consumer.receive({ timeoutMs: 20_000 });
  assert.equal(after.text(), "after");
  await after.ack({ timeoutMs: 20_000 });
  const done = (source: string) =>
    operations(events, "reconnect", (c) => c.topic === topic && c.source === source).some((r) =>
      r.phases.includes("asyncEnd"),
    );
  await waitUntil(() => done("producer") && done("consumer"), "reconnect traces of both", 20_000);

  for (const source of ["producer", "consumer"]) {
    const recoveries = operations(events, "reconnect", (c) => c.topic === topic && c.source === source);
    const finished = recoveries.filter((r) => r.phases.includes("asyncEnd"));
    assert.ok(finished.length >= 1, `${source}: a finished reconnect`);
    const last = finished.at(-1)!;
    assert.deepEqual(last.phases, ok, `${source}: recovered without error`);
    assert.equal(last.first.name, source === "producer" ? "rp" : "rc");
    assert.equal(typeof last.first.reason, "string");
    assert.ok((last.last.attempts as number) >= 1, "(last.last.attempts as number) >= 1");
  }
  const target = broker.url.replace(/^http:\/\//, "");
  const reconnects = operations(events, "connect", (c) => c.target === target && c.reconnect === true);
  assert.ok(
    reconnects.some((r) => r.phases.join() === ok.join()),
    "the channel connected again after the restart",
  );
  await consumer.close();
  await producer.close();
});

test("the send trace starts at send(): it covers the wait for room (maxPendingSends)", async (t) => {
  const { client } = await testEnv(t);
  const topic = uniqueTopic("trace-wait");
  const producer = await client.createProducer({
    topic,
    name: "wp",
    dispatchStrategy: "Reliable",
    maxPendingSends: 1,
  });
  const events = recordTraces(t);
  const starts = () => events.filter((e) => e.channel === "send" && e.phase === "start").length;
  const sends: Promise<{ requestId: bigint }>[] = [];
  for (let i = 0; i < 6; i++) sends.push(producer.send(`m${i}`));
  // One send is pending, five wait for room: every one of them is traced from its send() call.
  assert.equal(starts(), 6, "a start per send() call, waiting ones included");
  // A send that gives up while waiting for room is traced too, with its error.
  const late = producer.send("late", { timeoutMs: 1 });
  await assert.rejects(late, { code: ErrorCode.DEADLINE_EXCEEDED });
  const receipts = await Promise.all(sends);
  const traced = operations(events, "send", (c) => c.topic === topic);
  assert.equal(traced.length, 7);
  for (const [i, receipt] of receipts.entries()) {
    assert.deepEqual(traced[i]!.phases, ok);
    assert.equal(
      traced[i]!.first.requestId,
      receipt.requestId,
      "the trace names the request id it was sent under",
    );
    assert.equal(traced[i]!.last.retries, 0);
  }
  assert.deepEqual(traced[6]!.phases, failed);
  assert.equal((traced[6]!.last.error as DanubeError).code, ErrorCode.DEADLINE_EXCEEDED);
  await producer.close();
});
