// A broker that announces the publish stream but answers the stream call UNIMPLEMENTED (e.g. a
// proxy that does not pass the danube_ts package): "auto" falls back to unary SendMessage and
// loses nothing; "stream" fails the sends with UNIMPLEMENTED. Scripted broker (fake-broker.ts).
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { danube } from "@danube-ts/protocol";
import { type ClientOptions, createClient, DanubeError, ErrorCode } from "../src/index.ts";
import { startFakeBroker } from "./fake-broker.ts";

async function setup(t: TestContext, options: Partial<ClientOptions>) {
  const broker = await startFakeBroker();
  broker.responseHeaders.set("createProducer", {
    "x-danube-ts-sequencing": "1",
    "x-danube-ts-publish-stream": "1",
  });
  const client = createClient({ serviceUrl: broker.url, requestTimeoutMs: 5_000, ...options });
  t.after(async () => {
    await client.close();
    await broker.close();
  });
  return { broker, client };
}

test("auto: a stream answered UNIMPLEMENTED falls back to SendMessage, every send in order", async (t) => {
  const { broker, client } = await setup(t, {});
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  const receipts = await Promise.all(Array.from({ length: 30 }, (_, i) => producer.send(`m${i}`)));
  assert.equal(receipts.length, 30);
  const sent = (broker.calls.get("sendMessage") ?? []) as danube.StreamMessage[];
  assert.deepEqual(
    sent.map((m) => Buffer.from(m.payload).toString()),
    Array.from({ length: 30 }, (_, i) => `m${i}`),
  );
  await producer.send("later");
  assert.equal(broker.count("sendMessage"), 31, "later sends go unary directly");
});

test("stream forced: a stream answered UNIMPLEMENTED fails the sends with UNIMPLEMENTED", async (t) => {
  const { broker, client } = await setup(t, { transport: "stream" });
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  await assert.rejects(producer.send("x"), (error: unknown) => {
    assert.ok(error instanceof DanubeError);
    assert.equal(error.code, ErrorCode.UNIMPLEMENTED, error.message);
    return true;
  });
  assert.equal(broker.count("sendMessage"), 0);
});
