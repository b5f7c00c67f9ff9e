// Producer close() against the scripted server: every send still pending (failed and waiting for
// recovery, in flight, queued behind them) is rejected once with CANCELLED, in-flight RPCs are
// cancelled, and nothing is left for flush() to wait on.
import assert from "node:assert/strict";
import { test } from "node:test";
import { status } from "@grpc/grpc-js";
import { createClient, DanubeError, ErrorCode } from "../src/index.ts";
import { grpcError, startFakeBroker } from "./fake-broker.ts";
import { waitUntil, watchUnhandledRejections } from "./helpers.ts";

test("close() rejects failed, in-flight and queued sends once with CANCELLED and cancels the RPCs", async (t) => {
  const unhandled = watchUnhandledRejections(t);
  const broker = await startFakeBroker();
  // A long backoff: the failed send waits for a recovery that close() has to cut short.
  const client = createClient({
    serviceUrl: broker.url,
    retry: { maxRetries: 20, baseDelayMs: 60_000, maxDelayMs: 60_000 },
  });
  t.after(async () => {
    await client.close();
    await broker.close();
  });
  broker.responseHeaders.set("createProducer", { "x-danube-ts-sequencing": "1" });
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  let arrivals = 0;
  broker.handlers.sendMessage = () => {
    if (arrivals++ === 0) throw grpcError(status.UNAVAILABLE, "busy");
    return new Promise(() => {}); // never answered
  };
  const outcomes: { code: string; message: string }[][] = [];
  const track = (i: number, p: Promise<unknown>) => {
    outcomes[i] = [];
    p.then(
      () => outcomes[i]!.push({ code: "resolved", message: "resolved" }),
      (e: unknown) => {
        assert.ok(e instanceof DanubeError);
        outcomes[i]!.push({ code: e.code, message: e.message });
      },
    );
  };
  for (let i = 0; i < 3; i++) track(i, producer.send(String(i)));
  await waitUntil(() => broker.count("sendMessage") === 3, "three sends at the broker");
  // Send 0 failed (retryable, kept for the recovery), 1 and 2 hang: the producer drains, so
  // these wait in its queue.
  const aborter = new AbortController();
  track(3, producer.send("3"));
  track(4, producer.send("4", { signal: aborter.signal }));
  track(5, producer.send("5"));
  aborter.abort(new Error("by the app"));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const cancelledBefore = broker.cancelled.get("sendMessage") ?? 0;
  await producer.close({ timeoutMs: 100 });
  await waitUntil(() => outcomes.every((o) => o.length > 0), "every send settled");
  // (grpc-js also reports a call the server answered as cancelled: count the difference)
  await waitUntil(
    () => (broker.cancelled.get("sendMessage") ?? 0) - cancelledBefore === 2,
    "both in-flight RPCs cancelled",
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (const [i, o] of outcomes.entries()) {
    assert.equal(o.length, 1, `send ${i} settled once`);
    assert.equal(o[0]!.code, ErrorCode.CANCELLED, `send ${i}: ${o[0]!.message}`);
    assert.match(o[0]!.message, i === 4 ? /by the app/ : /closed/, `send ${i}`);
  }
  assert.equal(broker.count("sendMessage"), 3, "queued sends were never sent");
  await producer.flush({ timeoutMs: 1000 }); // nothing left unsettled
  unhandled.check();
});
