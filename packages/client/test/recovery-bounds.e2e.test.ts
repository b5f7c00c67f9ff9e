// Client recovery with default options: retries are bounded by the call's deadline, not a count,
// so sends outlast a broker restart; recovery follows the broker's return within seconds; an
// oversized message fails at once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient, DanubeError, ErrorCode } from "../src/index.ts";
import {
  exclusiveConsumer,
  restartableBroker,
  uniqueTopic,
  waitUntil,
  watchUnhandledRejections,
} from "./helpers.ts";

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a broker down for 3 s during sends: every send resolves (default retry options)", async (t) => {
  const unhandled = watchUnhandledRejections(t);
  const broker = await restartableBroker(t);
  const client = createClient({ serviceUrl: broker.url });
  t.after(() => client.close());
  const producer = await client.createProducer({
    topic: uniqueTopic("outage3"),
    name: "p",
    dispatchStrategy: "Reliable",
  });
  const sends: Promise<unknown>[] = [];
  let sending = true;
  const loop = (async () => {
    for (let i = 0; sending; i++) {
      sends.push(producer.send(String(i)));
      await later(20);
    }
  })();
  await later(300);
  await broker.stop();
  await later(3000);
  await broker.start();
  const returned = Date.now();
  await later(300);
  sending = false;
  await loop;
  const results = await Promise.allSettled(sends);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  t.diagnostic(`${sends.length} sends, all settled ${Date.now() - returned} ms after the broker returned`);
  assert.equal(failed.length, 0, `every send resolves: ${String(failed[0]?.reason)}`);
  assert.ok(sends.length > 100);
  unhandled.check();
});

test("after an 8 s outage a waiting send, new sends and the consumer recover within seconds of the broker's return", async (t) => {
  const broker = await restartableBroker(t);
  const client = createClient({ serviceUrl: broker.url });
  t.after(() => client.close());
  const topic = uniqueTopic("outage8");
  const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const consumer = await exclusiveConsumer(client, topic);
  const received: Array<{ text: string; at: number }> = [];
  const reading = (async () => {
    for await (const message of consumer) {
      received.push({ text: message.text(), at: Date.now() });
      await message.ack().catch(() => {});
    }
  })();
  await producer.send("before");
  await waitUntil(() => received.some((r) => r.text === "before"), "the first message");
  await broker.stop();
  const waiting = producer.send("during", { timeoutMs: 25_000 });
  await later(8000);
  await broker.start();
  const returned = Date.now();
  await waiting;
  const recovered = Date.now() - returned;
  await producer.send("after", { timeoutMs: 10_000 });
  await waitUntil(() => received.some((r) => r.text === "after"), "the consumer to resubscribe", 20_000);
  const consumed = received.find((r) => r.text === "after")!.at - returned;
  t.diagnostic(
    `the send waiting through the outage resolved ${recovered} ms, the consumer got a new message ${consumed} ms after the broker returned`,
  );
  // Backoff caps: retries at most maxDelayMs (5 s) apart; generous for a loaded CI machine.
  assert.ok(recovered < 8000, `producer recovered ${recovered} ms after the broker returned`);
  assert.ok(consumed < 10_000, `consumer recovered ${consumed} ms after the broker returned`);
  await consumer.close();
  await reading;
});

test("an oversized message fails at once with INVALID_ARGUMENT, never retried", async (t) => {
  const broker = await restartableBroker(t);
  // The client's own limit raised past the broker's transport limit (4 MiB payload + 1 MiB).
  const client = createClient({ serviceUrl: broker.url, maxMessageBytes: 16 * 1024 * 1024 });
  t.after(() => client.close());
  const producer = await client.createProducer({ topic: uniqueTopic("big"), name: "p" });
  for (const size of [4 * 1024 * 1024 + 1, 6 * 1024 * 1024]) {
    const started = Date.now();
    await assert.rejects(producer.send(new Uint8Array(size)), (e: unknown) => {
      assert.ok(e instanceof DanubeError);
      assert.equal(e.code, ErrorCode.INVALID_ARGUMENT, e.message);
      assert.equal(e.retryable, false);
      return true;
    });
    const elapsed = Date.now() - started;
    t.diagnostic(`${size} B refused in ${elapsed} ms`);
    // The code already tells it from a retried failure (RESOURCE_EXHAUSTED after ~3 s of retries).
    assert.ok(elapsed < 3000, `refused without retrying (${elapsed} ms)`);
  }
  await producer.send("still fine");
});
