// The publish stream (danube-ts extension, docs/streaming.md): which transport a producer uses,
// the fallback to upstream's unary SendMessage, credit under many large sends, per-send errors
// identical to the unary ones, and a broker closing under an open stream.
import assert from "node:assert/strict";
import { test } from "node:test";
import { scrape, sum } from "../../broker/test/prom-text.ts";
import { createClient, DanubeError, ErrorCode, serdes, type TransportMode } from "../src/index.ts";
import { restartableBroker, take, tempBroker, uniqueTopic } from "./helpers.ts";

/** SendMessage calls and publish-stream sends the broker counted. */
async function sendCounts(metricsUrl: string | undefined) {
  assert.ok(metricsUrl);
  const e = await scrape(metricsUrl);
  return {
    sendMessageCalls: sum(e, "danube_broker_rpc_total", { service: "producer", method: "send_message" }),
    sends: sum(e, "danube_producer_send_total", { result: "ok" }),
  };
}

const transports: TransportMode[] = ["stream", "unary"];

test("transport: stream sends without SendMessage calls, unary with one per send, auto streams on a danube-ts broker", async (t) => {
  const b = await tempBroker(t, { prometheus: { port: 0 } });
  let expectedSends = 0;
  for (const transport of ["stream", "unary", "auto"] as TransportMode[]) {
    const before = await sendCounts(b.metricsUrl);
    const client = createClient({ serviceUrl: b.url, transport });
    t.after(() => client.close());
    const producer = await client.createProducer({ topic: uniqueTopic("transport"), name: "p" });
    await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send(`m${i}`)));
    expectedSends += 20;
    const after = await sendCounts(b.metricsUrl);
    const calls = after.sendMessageCalls - before.sendMessageCalls;
    assert.equal(calls, transport === "unary" ? 20 : 0, `${transport}: SendMessage calls`);
    assert.equal(after.sends, expectedSends, `${transport}: every send counted as a send`);
    await producer.close();
  }
});

test("fallback: extensions.publishStream false makes auto use unary; stream forced fails with UNIMPLEMENTED", async (t) => {
  const b = await tempBroker(t, { extensions: { publishStream: false }, prometheus: { port: 0 } });
  const auto = createClient({ serviceUrl: b.url });
  t.after(() => auto.close());
  const topic = uniqueTopic("fallback");
  const producer = await auto.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const consumer = await auto.subscribe({ topic, subscription: "s", consumerName: "c" });
  await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send(`m${i}`)));
  assert.equal((await sendCounts(b.metricsUrl)).sendMessageCalls, 10);
  const got = await take(consumer, 10);
  assert.deepEqual(
    got.map((m) => Buffer.from(m.payload).toString()),
    Array.from({ length: 10 }, (_, i) => `m${i}`),
  );

  const forced = createClient({ serviceUrl: b.url, transport: "stream" });
  t.after(() => forced.close());
  await assert.rejects(
    forced.createProducer({ topic: uniqueTopic("forced"), name: "p2" }),
    (error: unknown) => {
      assert.ok(error instanceof DanubeError);
      assert.equal(error.code, ErrorCode.UNIMPLEMENTED, error.message);
      assert.equal(error.retryable, false);
      assert.match(error.message, /transport "stream".*does not offer the publish stream/);
      return true;
    },
  );
  assert.throws(
    () => createClient({ serviceUrl: b.url, transport: "grpc" as TransportMode }),
    (error: unknown) => error instanceof DanubeError && error.code === ErrorCode.INVALID_ARGUMENT,
  );
});

test("credit: 120 sends of 256 KiB at once (30 MiB, twice the stream's byte window) all land, in order", async (t) => {
  const b = await tempBroker(t);
  const client = createClient({ serviceUrl: b.url, transport: "stream", requestTimeoutMs: 60_000 });
  t.after(() => client.close());
  const topic = uniqueTopic("credit");
  const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
  const count = 120;
  const payload = (i: number) => {
    const bytes = new Uint8Array(256 * 1024).fill(0x2e);
    bytes.set(Buffer.from(String(i).padStart(8, "0")));
    return bytes;
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: count }, (_, i) => producer.send(payload(i))));
  const elapsed = Date.now() - started;
  t.diagnostic(`${count} x 256 KiB in ${elapsed} ms`);
  assert.ok(elapsed < 30_000, `no stall: ${elapsed} ms`);
  const got = await take(consumer, count, 30_000);
  assert.deepEqual(
    got.map((m) => Number(Buffer.from(m.payload.subarray(0, 8)).toString())),
    Array.from({ length: count }, (_, i) => i),
  );
});

/** The outcome of a send: its error code and message (without the operation prefix), or "ok". */
async function outcome(send: Promise<unknown>): Promise<string> {
  try {
    await send;
    return "ok";
  } catch (error) {
    assert.ok(error instanceof DanubeError, String(error));
    // Topic and subject names differ per run; the rest must not.
    const text = error.message
      .replace(/^[^:]*: /, "")
      .replace(/\/default\/[\w-]+/g, "TOPIC")
      .replace(/orders-[\w-]+/g, "SUBJECT");
    return `${error.code}: ${text}`;
  }
}

test("per-send errors on the stream are the unary ones (oversized, schema refused); the sends around them land", async (t) => {
  const b = await tempBroker(t, { maxMessageSize: 64 * 1024 });
  const results = new Map<TransportMode, string[]>();
  for (const transport of transports) {
    const client = createClient({ serviceUrl: b.url, transport, maxMessageBytes: 1024 * 1024 });
    t.after(() => client.close());
    // Oversized for the broker (not for the client's own check).
    const topic = uniqueTopic(`errors-${transport}`);
    const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
    const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
    const sends = [
      producer.send("before"),
      producer.send(new Uint8Array(100 * 1024)),
      producer.send("after"),
    ];
    const outcomes = await Promise.all(sends.map(outcome));
    const got = await take(consumer, 2);
    assert.deepEqual(
      got.map((m) => Buffer.from(m.payload).toString()),
      ["before", "after"],
    );
    // Refused by the topic's schema policy (enforce; a producer that stamps no schema).
    const schemaTopic = uniqueTopic(`schema-${transport}`);
    const subject = `orders-${transport}-${Date.now()}`;
    const typed = await client.createProducer({
      topic: schemaTopic,
      name: "typed",
      schema: { subject, serde: serdes.json({ type: "object" }), autoRegister: true },
    });
    await client.schema.updateTopicValidationPolicy({ topic: schemaTopic, validationPolicy: "enforce" });
    await typed.send({ ok: true });
    const raw = await client.createProducer({ topic: schemaTopic, name: "raw" });
    outcomes.push(await outcome(raw.send("not stamped")));
    results.set(transport, outcomes);
  }
  const stream = results.get("stream")!;
  t.diagnostic(stream.join(" | "));
  assert.equal(stream[0], "ok");
  assert.match(stream[1]!, /^INVALID_ARGUMENT: Message size 102400 exceeds maximum allowed 65536/);
  assert.match(stream[3]!, /^PERMISSION_DENIED: Unable to publish the message: Message missing schema_id/);
  assert.deepEqual(stream, results.get("unary"), "same codes and messages on both transports");
});

test("a broker closing under an open stream ends it at once; sends then recover on the restarted broker", async (t) => {
  const b = await restartableBroker(t);
  const client = createClient({ serviceUrl: b.url, transport: "stream", healthCheckIntervalMs: 300 });
  t.after(() => client.close());
  const topic = uniqueTopic("close");
  const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  await producer.send("before");
  const started = Date.now();
  await b.stop();
  const closeMs = Date.now() - started;
  t.diagnostic(`broker closed in ${closeMs} ms with a publish stream open`);
  // Not the gRPC server's 2 s forced shutdown: the stream was ended by the broker.
  assert.ok(closeMs < 1_500, `closed in ${closeMs} ms`);
  const during = producer.send("during the outage");
  await b.start();
  await during;
  const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
  await producer.send("after");
  const got = await take(consumer, 1);
  assert.equal(Buffer.from(got[0]!.payload).toString(), "after");
});

test("stream: a written send fails at its own deadline or abort while the broker still holds it", async (t) => {
  let release: () => void = () => {};
  let hold: Promise<void> | undefined;
  const b = await tempBroker(t, { faults: { beforeSegmentWrite: () => hold } });
  const client = createClient({ serviceUrl: b.url, transport: "stream" });
  t.after(() => client.close());
  const topic = uniqueTopic("stream-deadline");
  const producer = await client.createProducer({
    topic,
    name: "p",
    dispatchStrategy: "Reliable",
    allowReorder: true,
  });
  await producer.send("warm-up");
  hold = new Promise<void>((resolve) => {
    release = resolve;
  });
  const started = Date.now();
  const controller = new AbortController();
  const late = producer.send("late", { timeoutMs: 200 });
  const aborted = producer.send("aborted", { signal: controller.signal, timeoutMs: 30_000 });
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(aborted, (e: DanubeError) => e.code === ErrorCode.CANCELLED);
  await assert.rejects(late, (e: DanubeError) => e.code === ErrorCode.DEADLINE_EXCEEDED);
  const took = Date.now() - started;
  assert.ok(took < 5_000, `settled ${took} ms after sending, while the broker held the write`);
  hold = undefined;
  release();
  // The stream is still usable afterwards.
  await producer.send("after");
});
