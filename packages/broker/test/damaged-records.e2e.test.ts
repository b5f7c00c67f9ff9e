// A record damaged on disk while the broker runs (beyond the in-memory cache) must not block its
// subscription: the good records before and after it are delivered, the damaged one is skipped
// and counted, and the log line is rate-limited.
import assert from "node:assert/strict";
import { open, readFile } from "node:fs/promises";
import { test } from "node:test";
import type { Logger } from "../src/index.ts";
import { RECORD_HEADER_BYTES } from "../src/storage/record-format.ts";
import { collect, exclusiveConsumer, testBroker, uniqueTopic } from "./helpers.ts";
import { recordsIn, segmentFiles } from "./segment-files.ts";

// 16 KiB messages: the log's read cache (8 MiB) holds about 500, so the first ones are read from disk.
const COUNT = 600;
const PAD = "x".repeat(16 * 1024);
const DAMAGED = 60; // past the first window, which the idle subscription may already hold in memory

/**
 * Flips a byte inside the payload of the record at `index` of a segment file, in place (the
 * broker has the file open).
 */
async function damageRecord(path: string, index: number): Promise<void> {
  const file = await readFile(path);
  const position = recordsIn(file)[index]!.at + RECORD_HEADER_BYTES + 4;
  const handle = await open(path, "r+");
  try {
    await handle.write(Buffer.from([file[position]! ^ 0xff]), 0, 1, position);
  } finally {
    await handle.close();
  }
}

test("a damaged record does not block its subscription: good records before and after it are delivered", async (t) => {
  const errors: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn() {}, error: (msg) => errors.push(msg) };
  const env = await testBroker(t, { fsync: false, logger, maxUnackedMessages: 50 });
  const topic = uniqueTopic("damaged");
  const producer = await env.client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const idle = await exclusiveConsumer(env.client, topic);
  await idle.close();
  for (let i = 0; i < COUNT; i += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, j) => producer.send(`m-${i + j}-${PAD}`)));
  }
  const [segment] = await segmentFiles(env.dataDir, topic);
  await damageRecord(segment!, DAMAGED);

  const consumer = await exclusiveConsumer(env.client, topic);
  const seen = collect(consumer, (m) => {
    void m.ack();
  });
  await seen.waitFor(COUNT - 1, 30_000);
  await seen.quietFor(300);
  const offsets = seen.messages.map((m) => Number(m.id.topicOffset));
  assert.deepEqual(
    offsets,
    Array.from({ length: COUNT }, (_, i) => i).filter((i) => i !== DAMAGED),
  );
  assert.equal(
    new Set(seen.messages.map((m) => m.text())).size,
    COUNT - 1,
    "no duplicates, nothing else lost",
  );
  const damageLines = errors.filter((line) => line.includes("skipped unreadable records"));
  assert.ok(damageLines.length >= 1 && damageLines.length <= 2, `rate-limited: ${damageLines.length} lines`);
  assert.match(damageLines[0]!, new RegExp(`\\[${DAMAGED}, ${DAMAGED + 1}\\)`));
});
