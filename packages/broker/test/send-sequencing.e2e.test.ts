// Send sequencing on the wire: the CreateProducer capability header, the SendMessage order header,
// and the bounds that keep any client (upstream ones included) from stalling.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { danube } from "@danube-ts/protocol";
import { type ClientUnaryCall, credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import type { BrokerOptions } from "../src/index.ts";
import { testBroker, uniqueTopic } from "./helpers.ts";

async function setup(t: TestContext, options: Partial<BrokerOptions> = {}) {
  const env = await testBroker(t, options);
  const stub = new danube.ProducerServiceClient(
    env.broker.url.replace("http://", ""),
    credentials.createInsecure(),
  );
  t.after(() => stub.close());
  const topicName = uniqueTopic("seq");
  let announced: string[] = [];
  const producerId = await new Promise<bigint>((resolve, reject) => {
    const call = stub.createProducer(
      {
        requestId: 0n,
        producerName: "p",
        topicName,
        schemaRef: undefined,
        producerAccessMode: danube.ProducerAccessMode.Shared,
        dispatchStrategy: danube.DispatchStrategy.Reliable,
      },
      (err, res) => (err ? reject(err) : resolve(res!.producerId)),
    );
    call.on("metadata", (m) => {
      announced = m.get("x-danube-ts-sequencing").map(String);
    });
  });
  /** One SendMessage; `after` undefined sends no order header (as upstream clients). */
  const send = (requestId: number, after?: number | "none" | string) => {
    const metadata = new Metadata();
    if (after !== undefined) metadata.set("x-danube-ts-after", String(after));
    let call: ClientUnaryCall | undefined;
    const done = new Promise<number>((resolve, reject) => {
      const started = Date.now();
      call = stub.sendMessage(
        danube.StreamMessage.fromPartial({
          requestId: BigInt(requestId),
          msgId: { producerId, topicName, brokerAddr: "", topicOffset: 0n },
          payload: new TextEncoder().encode(String(requestId)),
          producerName: "p",
        }),
        metadata,
        (err: ServiceError | null) => (err ? reject(err) : resolve(Date.now() - started)),
      );
    });
    return { done, cancel: () => call?.cancel() };
  };
  return { announced: () => announced, send };
}

test("CreateProducer announces sequencing, unless it is disabled", async (t) => {
  const on = await setup(t);
  assert.deepEqual(on.announced(), ["1"]);
  const off = await setup(t, { sendSequencing: { enabled: false } });
  assert.deepEqual(off.announced(), []);
});

test("sends without the order header are never held: gaps, repeats and concurrency", async (t) => {
  const { send } = await setup(t, { sendSequencing: { maxWaitMs: 20_000 } });
  const ids = [7, 3, 3, 12, 40, 41, 100, 5, 5, 99];
  const elapsed = await Promise.all(ids.map((id) => send(id).done));
  assert.ok(Math.max(...elapsed) < 10_000, `none waited for a predecessor: ${elapsed.join(", ")} ms`);
});

test("a predecessor that never comes holds its successor at most maxWaitMs", async (t) => {
  const { send } = await setup(t, { sendSequencing: { maxWaitMs: 400 } });
  const waited = await send(2, 1).done;
  assert.ok(waited >= 350 && waited < 10_000, `waited ${waited} ms`);
  // The producer is not stalled afterwards: the next sends go at once.
  assert.ok((await send(3, 2).done) < 10_000);
  assert.ok((await send(4, "none").done) < 10_000);
});

test("a waiting send cancelled by its caller releases its successor at once", async (t) => {
  const { send } = await setup(t, { sendSequencing: { maxWaitMs: 30_000 } });
  const two = send(2, 1);
  const three = send(3, 2);
  await new Promise((resolve) => setTimeout(resolve, 200));
  two.cancel();
  await assert.rejects(two.done, { code: status.CANCELLED });
  const waited = await three.done;
  assert.ok(waited < 15_000, `released by the cancellation, not by maxWaitMs (${waited} ms)`);
});

test("a malformed order header is INVALID_ARGUMENT", async (t) => {
  const { send } = await setup(t);
  await assert.rejects(send(1, "soon").done, { code: status.INVALID_ARGUMENT });
});
