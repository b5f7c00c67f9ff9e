// Per-producer order with many sends in flight, against a sequencing (danube-ts) broker and a
// broker behaving as upstream does (sendSequencing off): stored offsets follow send() order.
// The danube-ts broker runs are repeated over both publish transports (the publish stream and
// upstream's unary SendMessage).
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { BrokerOptions } from "@danube-ts/broker";
import { type Consumer, createClient, type Producer, type TransportMode } from "../src/index.ts";
import { exclusiveConsumer, restartableBroker, uniqueTopic, waitUntil } from "./helpers.ts";

/** Payload: the index as 8 decimal digits, padded to `size` bytes. */
function numbered(i: number, size: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(size, 8)).fill(0x2e);
  bytes.set(Buffer.from(String(i).padStart(8, "0")));
  return bytes;
}
const indexOf = (payload: Uint8Array) => Number(Buffer.from(payload.subarray(0, 8)).toString());

/** Sends 0..count-1 with up to `inFlight` unsettled sends; returns the indices acknowledged. */
async function produce(
  producer: Producer,
  count: number,
  size: number,
  inFlight: number,
  onAck?: (acked: number) => void,
): Promise<{ acked: Set<number>; failed: unknown[] }> {
  const acked = new Set<number>();
  const failed: unknown[] = [];
  const window = new Set<Promise<void>>();
  for (let i = 0; i < count; i++) {
    if (window.size >= inFlight) await Promise.race(window);
    const sent: Promise<void> = producer.send(numbered(i, size)).then(
      () => {
        acked.add(i);
        onAck?.(acked.size);
      },
      (error: unknown) => {
        failed.push(error);
      },
    );
    const tracked = sent.finally(() => window.delete(tracked));
    window.add(tracked);
  }
  await Promise.all(window);
  return { acked, failed };
}

/** Reads (and acks) until every index of `expected` was seen; returns the first deliveries. */
async function consume(consumer: Consumer, expected: Set<number>, timeoutMs: number) {
  const first: number[] = [];
  const seen = new Set<number>();
  let duplicates = 0;
  const done = (async () => {
    for await (const message of consumer) {
      const i = indexOf(message.payload);
      if (seen.has(i)) duplicates++;
      else {
        seen.add(i);
        first.push(i);
      }
      await message.ack().catch(() => {});
      if ([...expected].every((e) => seen.has(e))) break;
    }
  })();
  await waitUntil(
    () => [...expected].every((e) => seen.has(e)),
    `every acknowledged send to be consumed (${[...expected].filter((e) => !seen.has(e)).length} missing)`,
    timeoutMs,
  );
  await done;
  return { first, duplicates };
}

/** Positions where an index is lower than the one before it. */
function orderBreaks(indices: number[]): number {
  let breaks = 0;
  for (let k = 1; k < indices.length; k++) if (indices[k]! < indices[k - 1]!) breaks++;
  return breaks;
}

const transports: TransportMode[] = ["stream", "unary"];

async function orderRun(
  t: TestContext,
  brokerOptions: Partial<BrokerOptions>,
  runs: Array<{ count: number; size: number; inFlight: number }>,
  transport: TransportMode = "auto",
) {
  const b = await restartableBroker(t, brokerOptions);
  const client = createClient({ serviceUrl: b.url, transport });
  t.after(() => client.close());
  for (const run of runs) {
    const topic = uniqueTopic("order");
    const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
    const consumer = await exclusiveConsumer(client, topic);
    const started = Date.now();
    const { acked, failed } = await produce(producer, run.count, run.size, run.inFlight);
    const elapsed = Date.now() - started;
    assert.equal(failed.length, 0, `no send fails: ${String(failed[0])}`);
    const { first, duplicates } = await consume(consumer, acked, 30_000);
    const label = `${run.count} x ${run.size} B, ${run.inFlight} in flight`;
    t.diagnostic(`${label}: ${elapsed} ms, ${duplicates} duplicates`);
    assert.equal(orderBreaks(first), 0, `${label}: stored in send order`);
    assert.deepEqual(
      first,
      Array.from({ length: run.count }, (_, i) => i),
      label,
    );
    assert.equal(duplicates, 0, label);
    await producer.close();
    await consumer.close();
  }
}

for (const transport of transports) {
  test(`a sequencing broker stores many in-flight sends in send order, small and large [${transport}]`, async (t) => {
    await orderRun(
      t,
      {},
      [
        { count: 300, size: 200, inFlight: 64 },
        { count: 300, size: 20_000, inFlight: 64 },
        { count: 60, size: 300_000, inFlight: 64 },
      ],
      transport,
    );
  });
}

test("against a broker that does not sequence (upstream mode) the client keeps order by default", async (t) => {
  // Upstream mode for publishing too: no publish stream announced, "auto" uses unary SendMessage.
  await orderRun(t, { sendSequencing: { enabled: false }, extensions: { publishStream: false } }, [
    { count: 300, size: 20_000, inFlight: 64 },
    { count: 40, size: 300_000, inFlight: 64 },
  ]);
});

for (const transport of transports) {
  test(`a broker restart in the middle of pipelined large sends: nothing acknowledged lost, order kept [${transport}]`, async (t) => {
    const b = await restartableBroker(t);
    const client = createClient({ serviceUrl: b.url, healthCheckIntervalMs: 300, transport });
    t.after(() => client.close());
    const topic = uniqueTopic("order-restart");
    const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
    const consumer = await exclusiveConsumer(client, topic);
    let restart: Promise<void> | undefined;
    const { acked, failed } = await produce(producer, 400, 20_000, 64, (n) => {
      if (n === 150) restart ??= b.stop().then(() => b.start());
    });
    assert.ok(restart, "the broker was restarted during the run");
    await restart;
    assert.equal(failed.length, 0, `every send resolves: ${String(failed[0])}`);
    assert.equal(acked.size, 400);
    const { first, duplicates } = await consume(consumer, acked, 30_000);
    t.diagnostic(`${duplicates} duplicates after the restart`);
    assert.equal(orderBreaks(first), 0, "first deliveries in send order");
    await consumer.close();
  });
}
