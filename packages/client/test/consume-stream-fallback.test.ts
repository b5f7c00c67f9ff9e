// Consume-stream behaviour a real broker does not show, against a scripted broker
// (fake-broker.ts): a broker that announces the stream but answers it UNIMPLEMENTED (a proxy that
// does not pass the danube_ts package), and per-ack errors in an ack frame. The real-broker tests
// of the consume stream are in consume-stream.e2e.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { consumeStream } from "@danube-ts/protocol";
import { status } from "@grpc/grpc-js";
import { createClient, DanubeError, ErrorCode } from "../src/index.ts";
import { grpcError, startFakeBroker, wireMessage } from "./fake-broker.ts";
import { take } from "./helpers.ts";

test("a broker that announces the stream but answers UNIMPLEMENTED: auto falls back to ReceiveMessages", async (t) => {
  const broker = await startFakeBroker();
  t.after(() => broker.close());
  broker.responseHeaders.set("subscribe", { "x-danube-ts-consume-stream": "1" });
  broker.handlers.receiveMessages = (call) => {
    for (let i = 0; i < 3; i++) call.write(wireMessage("/d/t", i));
  };
  const client = createClient({ serviceUrl: broker.url, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  t.after(() => client.close());
  const consumer = await client.subscribe({ topic: "/d/t", subscription: "s", consumerName: "c" });
  const got = await take(consumer, 3);
  assert.deepEqual(
    got.map((m) => m.requestId),
    [0n, 1n, 2n],
  );
  assert.equal(broker.count("consume"), 1, "the announced stream was tried once");
  assert.equal(broker.count("subscribe"), 1, "the fallback needs no new Subscribe");
  assert.equal(broker.count("ack"), 3, "acks went as unary RPCs");
  await consumer.close();
});

test("per-ack errors from the stream become the same DanubeErrors as from the unary Ack", async (t) => {
  const broker = await startFakeBroker();
  t.after(() => broker.close());
  broker.responseHeaders.set("subscribe", { "x-danube-ts-consume-stream": "1" });
  const ackFrames: consumeStream.ConsumeAck[][] = [];
  broker.handlers.consume = (call) => {
    call.on("data", (frame: consumeStream.ConsumeRequest) => {
      if (frame.frame?.$case === "open") {
        const messages = [0, 1, 2].map((i) => wireMessage("/d/t", i));
        call.write({ frame: { $case: "delivery", value: { messages } } });
      } else if (frame.frame?.$case === "acks") {
        const acks = frame.frame.value.acks;
        ackFrames.push(acks);
        // The first ack fails with NOT_FOUND, the second with PERMISSION_DENIED, the rest apply.
        const errors = acks.flatMap((a, i) =>
          i < 2
            ? [
                {
                  ackId: a.ackId,
                  code: i === 0 ? status.NOT_FOUND : status.PERMISSION_DENIED,
                  message: `refused ${i}`,
                },
              ]
            : [],
        );
        call.write({
          frame: { $case: "ackResult", value: { settledThrough: acks.at(-1)?.ackId ?? 0n, errors } },
        });
      }
    });
  };
  broker.handlers.ack = () => {
    throw grpcError(status.NOT_FOUND, "refused 0");
  };
  const client = createClient({ serviceUrl: broker.url, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  t.after(() => client.close());
  const consumer = await client.subscribe({ topic: "/d/t", subscription: "s", consumerName: "c" });
  const got = await take(consumer, 3, 5_000, false);
  const outcomes = await Promise.allSettled([
    got[0]!.ack(),
    got[1]!.nack({ delayMs: 50, reason: "r" }),
    got[2]!.ack(),
  ]);
  assert.equal(ackFrames.length, 1, "the three acks of one tick went in one frame");
  assert.deepEqual(
    ackFrames[0]!.map((a) => [a.nack, a.delayMs, a.reason, a.msgId?.topicOffset, a.subscriptionName]),
    [
      [false, undefined, undefined, 0n, "s"],
      [true, 50n, "r", 1n, "s"],
      [false, undefined, undefined, 2n, "s"],
    ],
  );
  const [first, second, third] = outcomes;
  assert.equal(third?.status, "fulfilled");
  assert.ok(first?.status === "rejected" && second?.status === "rejected");
  assert.ok(first.reason instanceof DanubeError && second.reason instanceof DanubeError);
  assert.equal(first.reason.code, ErrorCode.NOT_FOUND);
  assert.equal(first.reason.message, "ack (Ack): refused 0");
  assert.equal(second.reason.code, ErrorCode.PERMISSION_DENIED);
  assert.equal(second.reason.message, "nack (Nack): refused 1");
  assert.equal(broker.count("ack"), 0, "nothing went as a unary call");
  // The unary path maps the same status to the same error.
  const unary = createClient({ serviceUrl: broker.url, transport: "unary" });
  t.after(() => unary.close());
  broker.handlers.receiveMessages = (call) => call.write(wireMessage("/d/t", 0));
  const plain = await unary.subscribe({ topic: "/d/t", subscription: "s", consumerName: "c2" });
  const [m] = await take(plain, 1, 5_000, false);
  const unaryError = await m!.ack().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(unaryError instanceof DanubeError);
  assert.equal(unaryError.code, first.reason.code);
  assert.equal(unaryError.message, first.reason.message);
  await consumer.close();
  await plain.close();
});
