// Unreadable records follow the subscription's failure policy: with a dead-letter topic, a notice
// (the raw stored bytes of an undecodable record, nothing for a damaged one, attributes naming the
// offsets and the reason) goes there before the cursor passes them; otherwise they are skipped.
// Either way every readable record is delivered in order and the broker lists what it met.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { test } from "node:test";
import type { Logger } from "../src/index.ts";
import { crc32 } from "../src/storage/crc32.ts";
import { RECORD_HEADER_BYTES } from "../src/storage/record-format.ts";
import { collect, fastFailurePolicy as policy, type TestBroker, testBroker, uniqueTopic } from "./helpers.ts";
import { scrape, sum } from "./prom-text.ts";
import { recordsIn, segmentFiles } from "./segment-files.ts";

const COUNT = 10;
const DAMAGED = 3; // a payload byte flipped: the CRC no longer matches
const UNDECODABLE = 6; // intact on disk (CRC recomputed) but not a StreamMessage
const HEADER = RECORD_HEADER_BYTES;

/** Damages record `damaged` and makes record `undecodable` not decode, in the topic's only segment. */
async function spoil(env: TestBroker, topic: string): Promise<Uint8Array> {
  const [segment, ...more] = await segmentFiles(env.dataDir, topic);
  assert.deepEqual(more, [], "the topic has one segment");
  const file = await readFile(segment!);
  const records = recordsIn(file);
  assert.equal(records.length, COUNT);
  file[records[DAMAGED]!.at + HEADER + 2]! ^= 0xff;
  const { at, length } = records[UNDECODABLE]!;
  file[at + HEADER] = 0xff; // field 31 with wire type 7: protobuf refuses it
  file.writeUInt32LE(crc32(file, at + 4, at + HEADER + length), at);
  await writeFile(segment!, file);
  return Uint8Array.from(file.subarray(at + HEADER, at + HEADER + length));
}

async function scenario(t: Parameters<typeof testBroker>[0], poisonPolicy: "Block" | "DeadLetter") {
  const errors: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn() {}, error: (msg) => errors.push(msg) };
  const env = await testBroker(t, { logger, prometheus: { port: 0 } });
  const topic = uniqueTopic("unreadable");
  const dlq = uniqueTopic("dlq");
  const producer = await env.client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  await env.admin.setSubscriptionFailurePolicy({
    topic,
    subscription: "s",
    policy: { ...policy, poisonPolicy, ...(poisonPolicy === "DeadLetter" && { deadLetterTopic: dlq }) },
  });
  const subscribe = (name: string, subscription: string) =>
    env.client.subscribe({ topic: name, subscription, consumerName: "c", subscriptionType: "Exclusive" });
  await (await subscribe(topic, "s")).close();
  // The dead-letter topic and a subscription on it exist before anything is dead-lettered.
  const dlqProducer = await env.client.createProducer({
    topic: dlq,
    name: "x",
    dispatchStrategy: "Reliable",
  });
  await dlqProducer.close();
  await (await subscribe(dlq, "reader")).close();
  for (let i = 0; i < COUNT; i++) await producer.send(`m-${i}`);
  let raw: Uint8Array | undefined;
  await env.restart(async () => {
    raw = await spoil(env, topic);
  });
  const seen = collect(await subscribe(topic, "s"), (m) => void m.ack());
  const expected = Array.from({ length: COUNT }, (_, i) => i).filter(
    (i) => i !== DAMAGED && i !== UNDECODABLE,
  );
  await seen.waitFor(expected.length, 15_000);
  await seen.quietFor(200);
  assert.deepEqual(
    seen.messages.map((m) => Number(m.id.topicOffset)),
    expected,
  );
  assert.deepEqual(
    seen.messages.map((m) => m.text()),
    expected.map((i) => `m-${i}`),
  );
  return { env, topic, dlq, raw: raw!, errors, subscribe };
}

test("with a dead-letter policy, unreadable records become notices in the dead-letter topic", async (t) => {
  const { env, topic, dlq, raw, subscribe } = await scenario(t, "DeadLetter");
  const notices = collect(await subscribe(dlq, "reader"), (m) => void m.ack());
  await notices.waitFor(2, 10_000);
  await notices.quietFor(200);
  assert.equal(notices.messages.length, 2);
  const [damaged, undecodable] = notices.messages;
  assert.equal(damaged!.payload.length, 0);
  assert.deepEqual(
    {
      kind: damaged!.attributes["x-unreadable"],
      from: damaged!.attributes["x-unreadable-from"],
      to: damaged!.attributes["x-unreadable-to"],
      topic: damaged!.attributes["x-original-topic"],
      subscription: damaged!.attributes["x-original-subscription"],
      offset: damaged!.attributes["x-original-topic-offset"],
      policy: damaged!.attributes["x-poison-policy"],
    },
    {
      kind: "damaged",
      from: String(DAMAGED),
      to: String(DAMAGED + 1),
      topic,
      subscription: "s",
      offset: String(DAMAGED),
      policy: "dead_letter",
    },
  );
  assert.match(damaged!.attributes["x-failure-reason"]!, /lost in storage: .*CRC mismatch/);
  assert.deepEqual(undecodable!.payload, raw, "the raw stored bytes");
  assert.equal(undecodable!.attributes["x-unreadable"], "undecodable");
  assert.equal(undecodable!.attributes["x-original-topic-offset"], String(UNDECODABLE));
  assert.match(undecodable!.attributes["x-failure-reason"]!, /cannot be decoded/);

  const [listed] = env.broker.unreadableRecords();
  assert.equal(listed?.topic, topic);
  assert.equal(listed?.subscription, "s");
  assert.equal(listed?.offsets, 2n);
  assert.equal(listed?.deadLettered, 2);
  assert.deepEqual(
    listed?.ranges.map((r) => [Number(r.from), Number(r.to), r.kind, r.outcome, r.deadLetterTopic]),
    [
      [DAMAGED, DAMAGED + 1, "damaged", "dead_lettered", dlq],
      [UNDECODABLE, UNDECODABLE + 1, "undecodable", "dead_lettered", dlq],
    ],
  );
  // The cursor moved past them (acks and notices are durable): nothing comes again after a restart.
  await new Promise((r) => setTimeout(r, 300));
  await env.restart();
  const again = collect(await subscribe(topic, "s"), (m) => void m.ack());
  const dlqAgain = collect(await subscribe(dlq, "reader"), (m) => void m.ack());
  assert.equal(await again.quietFor(500), 0);
  assert.equal(dlqAgain.messages.length, 0);
});

test("without a dead-letter topic (default Block policy), unreadable records are skipped, counted and listed", async (t) => {
  const { env, topic, dlq, errors, subscribe } = await scenario(t, "Block");
  const [listed] = env.broker.unreadableRecords();
  assert.equal(listed?.offsets, 2n);
  assert.equal(listed?.deadLettered, 0);
  assert.deepEqual(
    listed?.ranges.map((r) => [Number(r.from), r.kind, r.outcome]),
    [
      [DAMAGED, "damaged", "skipped"],
      [UNDECODABLE, "undecodable", "skipped"],
    ],
  );
  assert.ok(listed?.ranges.every((r) => r.deadLetterTopic === undefined));
  const metrics = await scrape(env.broker.metricsUrl!);
  assert.equal(
    sum(metrics, "danube_ts_subscription_unreadable_offsets_total", { topic, subscription: "s" }),
    2,
  );
  assert.ok(
    errors.some((line) =>
      line.includes(`${topic} [s]: skipped unreadable offsets [${DAMAGED}, ${DAMAGED + 1})`),
    ),
    errors.join("\n"),
  );
  const nothing = collect(await subscribe(dlq, "reader"));
  assert.equal(await nothing.quietFor(300), 0, "nothing dead-lettered");
});

test("a dead-letter notice that cannot be published holds the cursor but never stops delivery", async (t) => {
  const env = await testBroker(t, { logger: { debug() {}, info() {}, warn() {}, error() {} } });
  const topic = uniqueTopic("unreadable");
  const dlq = uniqueTopic("dlq");
  // The dead-letter topic exists as a non-reliable topic: every dead-letter publish to it fails.
  await (await env.client.createProducer({ topic: dlq, name: "x", dispatchStrategy: "NonReliable" })).close();
  const producer = await env.client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  await env.admin.setSubscriptionFailurePolicy({
    topic,
    subscription: "s",
    policy: { ...policy, poisonPolicy: "DeadLetter", deadLetterTopic: dlq },
  });
  const subscribe = () =>
    env.client.subscribe({ topic, subscription: "s", consumerName: "c", subscriptionType: "Exclusive" });
  await (await subscribe()).close();
  for (let i = 0; i < COUNT; i++) await producer.send(`m-${i}`);
  await env.restart(async () => {
    await spoil(env, topic);
  });
  const seen = collect(await subscribe(), (m) => void m.ack());
  const expected = Array.from({ length: COUNT }, (_, i) => i).filter(
    (i) => i !== DAMAGED && i !== UNDECODABLE,
  );
  // Every readable record after the unreadable ones arrives although their notices stay unpublished.
  await seen.waitFor(expected.length, 15_000);
  assert.deepEqual(
    seen.messages.map((m) => Number(m.id.topicOffset)),
    expected,
  );
  const [listed] = env.broker.unreadableRecords();
  assert.equal(listed?.deadLettered, 0, "no notice reached the non-reliable topic");
});
