import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFile, stat, truncate, writeFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { createClient } from "@danube-ts/client";
import {
  closeBeforeRemoval,
  collect,
  exclusiveConsumer,
  killed,
  type TestBroker,
  tempDir,
  testBroker,
  testTransport,
  uniqueTopic,
} from "./helpers.ts";
import { segmentFiles } from "./segment-files.ts";

/**
 * A reliable topic with a producer and an (idle) Exclusive subscription "s" created before any
 * message, so the subscription's cursor starts at offset 0.
 */
async function reliableTopic(env: TestBroker, prefix: string) {
  const topic = uniqueTopic(prefix);
  const producer = await env.client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const sub = await exclusiveConsumer(env.client, topic);
  await sub.close();
  return { topic, producer };
}

test("after a restart every reliable message whose send resolved is consumed, and offsets continue", async (t) => {
  const env = await testBroker(t);
  const { topic, producer: first } = await reliableTopic(env, "restart");
  let producer = first;
  for (let i = 0; i < 50; i++) await producer.send(`before-${i}`);

  await env.restart();

  producer = await env.client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  for (let i = 0; i < 10; i++) await producer.send(`after-${i}`);
  const consumer = await exclusiveConsumer(env.client, topic);
  const got = await collect(consumer, (m) => m.ack()).waitFor(60);
  assert.deepEqual(
    got.map((m) => m.text()),
    [
      ...Array.from({ length: 50 }, (_, i) => `before-${i}`),
      ...Array.from({ length: 10 }, (_, i) => `after-${i}`),
    ],
  );
  assert.deepEqual(
    got.map((m) => m.id.topicOffset),
    Array.from({ length: 60 }, (_, i) => BigInt(i)),
  );
});

test("acknowledged progress survives a clean restart", async (t) => {
  const env = await testBroker(t);
  const topic = uniqueTopic("cursor");
  const producer = await env.client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const consumer = await exclusiveConsumer(env.client, topic);
  const seen = collect(consumer, (m) => m.ack());
  for (let i = 0; i < 20; i++) await producer.send(`m${i}`);
  await seen.waitFor(20);
  await env.restart();
  const producer2 = await env.client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  await producer2.send("m20");
  const resumed = await exclusiveConsumer(env.client, topic);
  const after = collect(resumed, (m) => m.ack());
  const got = await after.waitFor(1);
  assert.equal(got[0]!.text(), "m20", "acked messages are not redelivered after a clean shutdown");
  assert.equal(got[0]!.id.topicOffset, 20n);
  assert.equal(await after.quietFor(300), 0);
});

const fixture = fileURLToPath(new URL("./fixtures/broker-process.ts", import.meta.url));

function startChild(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", fixture, dataDir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => resolve({ child, url: (JSON.parse(line) as { url: string }).url }));
    child.once("exit", (code) => reject(new Error(`broker process exited early with ${code}`)));
  });
}

test("kill -9 in the middle of a reliable producer run loses no message whose send resolved", async (t) => {
  const dataDir = await tempDir(t);
  const topic = uniqueTopic("crash");
  const first = await startChild(dataDir);
  closeBeforeRemoval(t, () => killed(first.child));
  const client = createClient({ serviceUrl: first.url, retry: { maxRetries: 0 }, transport: testTransport });
  const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const sub = await exclusiveConsumer(client, topic);
  await sub.close();

  const resolved = new Set<string>();
  let sent = 0;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const body = `m${sent++}`;
      try {
        await producer.send(body, { timeoutMs: 2_000 });
        resolved.add(body);
      } catch {
        return; // the broker died under us
      }
    }
  };
  const workers = Array.from({ length: 16 }, worker);
  while (resolved.size < 300) await new Promise((r) => setTimeout(r, 5));
  first.child.kill("SIGKILL");
  await Promise.all(workers);
  stop = true;
  await client.close();

  const second = await startChild(dataDir);
  closeBeforeRemoval(t, () => killed(second.child));
  const client2 = createClient({ serviceUrl: second.url, transport: testTransport });
  t.after(() => client2.close());
  const consumer = await exclusiveConsumer(client2, topic);
  const seen = collect(consumer, (m) => m.ack());
  // Everything acknowledged is there; messages in flight at the kill may or may not be.
  const deadline = Date.now() + 20_000;
  const bodies = () => new Set(seen.messages.map((m) => m.text()));
  while ([...resolved].some((b) => !bodies().has(b)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const missing = [...resolved].filter((b) => !bodies().has(b));
  assert.deepEqual(missing, [], `${missing.length} acknowledged messages lost`);
  const offsets = seen.messages.map((m) => m.id.topicOffset);
  assert.deepEqual(
    offsets,
    offsets.map((_, i) => BigInt(i)),
    "offsets contiguous from 0",
  );
  await consumer.close();
  // Wait for the clean stop: the data dir is removed next, and a broker still writing its
  // cursors there made that removal fail (ENOTEMPTY) on a loaded machine.
  const exited = new Promise((r) => second.child.once("exit", r));
  if (second.child.exitCode === null && second.child.signalCode === null) {
    second.child.kill("SIGTERM");
    await exited;
  }
});

for (const damage of ["torn tail", "flipped byte"] as const) {
  test(`a ${damage} in a segment is recovered without serving garbage`, async (t) => {
    const env = await testBroker(t);
    const { topic, producer } = await reliableTopic(env, "corrupt");
    const payload = (i: number) => `message-${i}-${"x".repeat(100)}`;
    for (let i = 0; i < 20; i++) await producer.send(payload(i));
    await env.client.close();
    await env.broker.close();

    const [segment] = await segmentFiles(env.dataDir, topic);
    assert.ok(segment, "the topic has a segment file");
    const size = (await stat(segment)).size;
    if (damage === "torn tail") {
      await truncate(segment, size - 7);
    } else {
      const bytes = await readFile(segment);
      bytes[Math.floor(size / 2)]! ^= 0xff; // a record in the middle of the (active) segment
      await writeFile(segment, bytes);
    }

    await env.restart();
    // The operator sees what was lost: on the broker handle (and in the log).
    const report = env.broker.recovery.topics.find((r) => r.topic === topic)?.report;
    assert.ok(report, "the damaged topic is in the recovery report");
    assert.equal(report.lost.length, 1);
    const { from, to } = report.lost[0]!;
    assert.equal(to - from, 1n, "exactly the damaged record is lost");
    if (damage === "torn tail") assert.equal(from, 19n);
    const kept = Array.from({ length: 20 }, (_, i) => i).filter((i) => BigInt(i) !== from);
    const consumer = await exclusiveConsumer(env.client, topic);
    const seen = collect(consumer, (m) => m.ack());
    await seen.waitFor(19);
    await seen.quietFor(300);
    // Only the damaged record is missing: every other acknowledged one is served, in order.
    assert.deepEqual(
      seen.messages.map((m) => m.text()),
      kept.map(payload),
    );
    assert.deepEqual(
      seen.messages.map((m) => m.id.topicOffset),
      kept.map(BigInt),
    );
    // New messages never reuse the lost offset (a consumer may have seen it).
    const producer2 = await env.client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
    await producer2.send("fresh");
    const [fresh] = (await seen.waitFor(20)).slice(19);
    assert.equal(fresh!.text(), "fresh");
    assert.equal(fresh!.id.topicOffset, 20n);
  });
}
