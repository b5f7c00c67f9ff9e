// HTTP/2 flow control on the client's channel (transport/channel.ts): a consumer that stops
// reading holds at most its stream's window in transit and never stalls the other calls and
// streams sharing its connection.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { danube } from "@danube-ts/protocol";
import type { ServerWritableStream } from "@grpc/grpc-js";
import { createClient } from "../src/index.ts";
import { startFakeBroker, wireMessage } from "./fake-broker.ts";

test("a consumer that stops reading stalls neither large sends nor another consumer on the same connection", async (t) => {
  const broker = await startFakeBroker();
  const client = createClient({ serviceUrl: broker.url });
  t.after(async () => {
    await client.close();
    await broker.close();
  });
  const topics = new Map<bigint, string>();
  let nextId = 1n;
  broker.handlers.subscribe = (r) => {
    const consumerId = nextId++;
    topics.set(consumerId, r.topicName);
    return { requestId: r.requestId, consumerId, consumerName: r.consumerName };
  };
  let stalledWritten = 0;
  let stalledPaused = false;
  broker.handlers.receiveMessages = (
    call: ServerWritableStream<danube.ReceiveRequest, danube.StreamMessage>,
  ) => {
    const topic = topics.get(call.request.consumerId)!;
    let i = 0;
    const total = topic === "/d/stalled" ? 5000 : 300;
    const pump = () => {
      while (i < total) {
        if (!call.write(wireMessage(topic, i++, 1024))) {
          if (topic === "/d/stalled") stalledPaused = true;
          call.once("drain", pump);
          return;
        }
        if (topic === "/d/stalled") stalledWritten = i;
      }
    };
    pump();
  };
  const stalled = await client.subscribe({
    topic: "/d/stalled",
    subscription: "s",
    consumerName: "a",
    receiveQueueSize: 1,
  });
  const iterator = stalled[Symbol.asyncIterator]();
  await iterator.next(); // reads one message, then nobody reads this consumer again
  const deadline = Date.now() + 10_000;
  while (!stalledPaused && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(stalledPaused, "the stalled consumer's stream is paused by flow control");
  // In transit for the stalled consumer: its stream window (64 KiB) plus the broker's and
  // grpc-js's own buffers, far below the 5,000 messages the broker would send.
  assert.ok(
    stalledWritten < 1000,
    `broker wrote ${stalledWritten} messages to a consumer that does not read`,
  );

  const producer = await client.createProducer({ topic: "/d/big", name: "p", allowReorder: true });
  const big = new Uint8Array(256 * 1024).fill(1);
  const started = Date.now();
  const sends = Array.from({ length: 32 }, () => producer.send(big, { timeoutMs: 10_000 }));
  const other = await client.subscribe({ topic: "/d/live", subscription: "s", consumerName: "b" });
  let received = 0;
  for await (const _ of other) {
    if (++received === 300) break;
  }
  await Promise.all(sends);
  assert.equal(received, 300);
  assert.ok(Date.now() - started < 10_000);
  assert.equal(broker.count("sendMessage"), 32);
  await other.close();
  await stalled.close();
});
