// The broker's HTTP/2 receive windows (grpc/flow-control.ts): with many sends in flight on one
// connection, no send is starved. With Node's default 64 KiB connection window a send could wait
// while thousands of later sends overtook it (measured: 2,956 of 3,000, stalls of seconds).
// Count-based: a send may be overtaken by about the number in flight, never by the whole run.
import assert from "node:assert/strict";
import { test } from "node:test";
import { danube } from "@danube-ts/protocol";
import { credentials, Metadata } from "@grpc/grpc-js";
import { testBroker, uniqueTopic } from "./helpers.ts";

interface Outcome {
  failures: number;
  /** Most sends that completed while one send was in flight. */
  maxOvertaken: number;
  maxMs: number;
}

/** `count` unary SendMessage calls of `size` bytes, `inFlight` at a time, on one grpc-js connection with default options. */
async function sendMany(url: string, reliable: boolean, count: number, size: number, inFlight: number) {
  const client = new danube.ProducerServiceClient(url.replace("http://", ""), credentials.createInsecure());
  try {
    const topicName = uniqueTopic("flow");
    const producerId = await new Promise<bigint>((resolve, reject) =>
      client.createProducer(
        {
          requestId: 1n,
          producerName: "flow",
          topicName,
          schemaRef: undefined,
          producerAccessMode: danube.ProducerAccessMode.Shared,
          dispatchStrategy: reliable ? danube.DispatchStrategy.Reliable : danube.DispatchStrategy.NonReliable,
        },
        (err, res) => (err ? reject(err) : resolve(res!.producerId)),
      ),
    );
    const payload = new Uint8Array(size).fill(7);
    const outcome: Outcome = { failures: 0, maxOvertaken: 0, maxMs: 0 };
    let completed = 0;
    let issued = 0;
    const sendOne = (i: number) =>
      new Promise<void>((resolve) => {
        const startedAt = performance.now();
        const completedBefore = completed;
        const message = danube.StreamMessage.fromPartial({
          requestId: BigInt(i + 1),
          msgId: { producerId, topicName, brokerAddr: "", topicOffset: 0n },
          payload,
          producerName: "flow",
        });
        client.sendMessage(message, new Metadata(), { deadline: Date.now() + 20_000 }, (err) => {
          completed++;
          if (err) outcome.failures++;
          outcome.maxOvertaken = Math.max(outcome.maxOvertaken, completed - 1 - completedBefore);
          outcome.maxMs = Math.max(outcome.maxMs, performance.now() - startedAt);
          resolve();
        });
      });
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (issued < count) await sendOne(issued++);
      }),
    );
    return outcome;
  } finally {
    client.close();
  }
}

test("many small sends in flight on one connection: none is starved", { timeout: 60_000 }, async (t) => {
  const { broker } = await testBroker(t, { logLevel: "warn" });
  const inFlight = 256;
  const outcome = await sendMany(broker.url, false, 2_000, 1024, inFlight);
  assert.equal(outcome.failures, 0);
  // FIFO-ish service lets about `inFlight` sends complete during one send; starvation lets the whole run.
  assert.ok(
    outcome.maxOvertaken <= 2 * inFlight,
    `a send was overtaken by ${outcome.maxOvertaken} others (max ${Math.round(outcome.maxMs)} ms)`,
  );
});

test("256 x 64 KiB reliable sends in flight all complete, none starved", { timeout: 60_000 }, async (t) => {
  const { broker } = await testBroker(t, { logLevel: "warn" });
  const inFlight = 256;
  const outcome = await sendMany(broker.url, true, 768, 64 * 1024, inFlight);
  assert.equal(outcome.failures, 0);
  assert.ok(
    outcome.maxOvertaken <= 2 * inFlight,
    `a send was overtaken by ${outcome.maxOvertaken} others (max ${Math.round(outcome.maxMs)} ms)`,
  );
  assert.ok(outcome.maxMs < 15_000, `a send took ${Math.round(outcome.maxMs)} ms`);
});
