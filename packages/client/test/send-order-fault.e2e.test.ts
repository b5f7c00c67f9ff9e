// A storage failure injected in the middle of a pipeline of large sends, against the real broker:
// the failed group-commit write (ENOSPC, retryable) rejects its batch and what queued behind it,
// the broker fences the producer's later sends, and the client resends from the failed one in
// order. Nothing acknowledged is lost, the stored order is the send order, and since a failed
// write stores nothing, no message is stored twice.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { SegmentWrite } from "@danube-ts/broker";
import { createClient } from "../src/index.ts";
import { exclusiveConsumer, tempBroker, uniqueTopic, waitUntil } from "./helpers.ts";

const COUNT = 128;
const SIZE = 128 * 1024;
const IN_FLIGHT = 64;

const numbered = (i: number) => {
  const bytes = new Uint8Array(SIZE).fill(0x2e);
  bytes.set(Buffer.from(String(i).padStart(8, "0")));
  return bytes;
};
const indexOf = (payload: Uint8Array) => Number(Buffer.from(payload.subarray(0, 8)).toString());

for (const code of ["ENOSPC", "EAGAIN"] as const) {
  test(`an injected ${code} write failure in the middle of ${IN_FLIGHT} pipelined ${SIZE / 1024} KiB sends: order kept, nothing lost, nothing stored twice`, {
    timeout: 120_000,
  }, async (t) => {
    let acked = 0;
    let writes = 0;
    const injected: Array<{ write: SegmentWrite; ackedBefore: number }> = [];
    const topic = uniqueTopic("fault");
    const broker = await tempBroker(t, {
      faults: {
        beforeSegmentWrite(write) {
          if (!write.dir.includes(topic.split("/").pop()!)) return;
          // The first writes succeed; the one after about a quarter of the sends fails once.
          if (writes++ < 2 || acked < COUNT / 4 || injected.length > 0) return;
          injected.push({ write, ackedBefore: acked });
          throw Object.assign(new Error(`${code}: injected write failure`), { code });
        },
      },
    });
    const client = createClient({ serviceUrl: broker.url });
    t.after(() => client.close());
    const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
    const consumer = await exclusiveConsumer(client, topic);

    const failures: unknown[] = [];
    const window = new Set<Promise<void>>();
    for (let i = 0; i < COUNT; i++) {
      if (window.size >= IN_FLIGHT) await Promise.race(window);
      const sent = producer.send(numbered(i)).then(
        () => void acked++,
        (err: unknown) => void failures.push(err),
      );
      const tracked = sent.finally(() => window.delete(tracked));
      window.add(tracked);
    }
    await Promise.all(window);
    assert.equal(failures.length, 0, `every send resolves: ${String(failures[0])}`);
    assert.equal(acked, COUNT);
    assert.equal(injected.length, 1, "the failure was injected once");
    const [{ ackedBefore, write }] = injected as [(typeof injected)[0]];
    assert.ok(ackedBefore > 0 && ackedBefore < COUNT, `injected mid-pipeline (${ackedBefore} acked before)`);
    t.diagnostic(`failed write of ${write.bytes} bytes after ${ackedBefore} acks`);

    const stored: Array<{ index: number; offset: number }> = [];
    const reading = (async () => {
      for await (const message of consumer) {
        stored.push({ index: indexOf(message.payload), offset: Number(message.id.topicOffset) });
        await message.ack();
        if (stored.length === COUNT + 1) break;
      }
    })();
    await waitUntil(
      () => stored.length >= COUNT,
      `all ${COUNT} messages consumed (${stored.length})`,
      30_000,
    );
    // A sentinel sent after them comes next, at offset COUNT: no duplicate was stored after the
    // first COUNT records.
    await producer.send(numbered(COUNT));
    await waitUntil(() => stored.length >= COUNT + 1, "the sentinel consumed", 30_000);
    await reading;
    assert.deepEqual(
      stored.map((s) => s.index),
      Array.from({ length: COUNT + 1 }, (_, i) => i),
      "stored in send order, each once",
    );
    assert.deepEqual(
      stored.map((s) => s.offset),
      Array.from({ length: COUNT + 1 }, (_, i) => i),
      "offsets contiguous: the failed write's offsets were given back",
    );
  });
}
