// Producer backpressure and per-send bookkeeping against a scripted in-process gRPC server: the
// bound on pending sends (wait / fail fast), deadlines on one timer, a responsive event loop.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as tick } from "node:timers/promises";
import type { danube } from "@danube-ts/protocol";
import { createClient, type DanubeError, ErrorCode } from "../src/index.ts";
import { startFakeBroker } from "./fake-broker.ts";

async function setup(t: import("node:test").TestContext) {
  const broker = await startFakeBroker();
  const client = createClient({ serviceUrl: broker.url, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  t.after(async () => {
    await client.close();
    await broker.close();
  });
  return { broker, client };
}

/** A sendMessage handler that answers only when `release()` is called. */
function heldSends(broker: Awaited<ReturnType<typeof startFakeBroker>>) {
  const held: (() => void)[] = [];
  broker.handlers.sendMessage = (r) =>
    new Promise<danube.MessageResponse>((resolve) => held.push(() => resolve({ requestId: r.requestId })));
  return {
    get count() {
      return held.length;
    },
    release() {
      for (const r of held.splice(0)) r();
    },
  };
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

test("an overloaded producer (10k sends, slow broker) stays responsive and settles every send by its deadline", async (t) => {
  const { broker, client } = await setup(t);
  // A slow broker: one send at a time (no sequencing header), each answered after 2 ms.
  const arrived = new Map<number, number>();
  broker.handlers.sendMessage = (r) => {
    arrived.set(Number(Buffer.from(r.payload).toString()), Date.now());
    return new Promise((resolve) => setTimeout(() => resolve({ requestId: r.requestId }), 2));
  };
  const producer = await client.createProducer({ topic: "/d/t", name: "p", maxPendingSends: 200 });
  const timeoutMs = 2000;
  const total = 10_000;
  let maxLag = 0;
  let last = performance.now();
  // When the event loop stalled (a tick of this 5 ms interval came late), in Date.now() time.
  const stalls: Array<[number, number]> = [];
  let lastWall = Date.now();
  const lagTimer = setInterval(() => {
    const now = performance.now();
    maxLag = Math.max(maxLag, now - last - 5);
    last = now;
    const wall = Date.now();
    if (wall - lastWall > 6) stalls.push([lastWall, wall]);
    lastWall = wall;
  }, 5);
  t.after(() => clearInterval(lagTimer));
  const outcomes: { index: number; started: number; settled: number; code: string }[] = [];
  const all: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const started = Date.now();
    all.push(
      producer.send(String(i), { timeoutMs }).then(
        () => void outcomes.push({ index: i, started, settled: Date.now(), code: "OK" }),
        (e: DanubeError) => void outcomes.push({ index: i, started, settled: Date.now(), code: e.code }),
      ),
    );
    if (i % 250 === 249) await tick();
  }
  // From here on the application does nothing: whatever blocks the loop is the producer's.
  maxLag = 0;
  last = performance.now();
  await Promise.all(all);
  clearInterval(lagTimer);
  assert.equal(outcomes.length, total);
  // Every send settles by its deadline plus the time the event loop was stalled in between: a
  // busy shared machine delays every timer, and expiring thousands of sends at once is itself a
  // stall (one error and rejection each); sends due during one expiry batch settle in the next.
  // Under load average 20+ that made sends settle 1-3.5 s late, all of it stalls. Late beyond
  // the stalls would be the producer's own fault (a deadline not on its timer, a timer armed late).
  let worst = { index: -1, late: 0, stalled: 0 };
  for (const o of outcomes) {
    const deadline = o.started + timeoutMs;
    const late = o.settled - deadline;
    if (late - worst.late + worst.stalled <= 0) continue;
    let stalled = 0;
    for (const [from, to] of stalls)
      stalled += Math.max(0, Math.min(to, o.settled) - Math.max(from, deadline));
    if (late - stalled > worst.late - worst.stalled) worst = { index: o.index, late, stalled };
  }
  assert.ok(
    worst.late - worst.stalled < 200,
    `send ${worst.index} settled ${worst.late} ms after its deadline, of which the loop was stalled ${worst.stalled} ms`,
  );
  const codes = new Set(outcomes.map((o) => o.code));
  for (const code of codes) assert.ok(code === "OK" || code === ErrorCode.DEADLINE_EXCEEDED, code);
  // No overtaking: a send reached the broker only after every earlier send had either gone
  // before it or expired, so no send missed a deadline it could have met.
  outcomes.sort((x, y) => x.index - y.index);
  let latestExpired = Number.NEGATIVE_INFINITY;
  let served = 0;
  for (const o of outcomes) {
    if (o.code === "OK") {
      served++;
      const at = arrived.get(o.index)!;
      assert.ok(at >= latestExpired - 50, `send ${o.index} overtook a send that expired at ${latestExpired}`);
    } else {
      latestExpired = o.started + timeoutMs;
    }
  }
  assert.ok(served >= 20, `the producer kept the broker busy (${served} sends succeeded)`);
  assert.ok(maxLag < 5000, `event loop lag ${maxLag.toFixed(0)} ms`);
  await producer.close();
});

test('onFull "fail" rejects past maxPendingSends at once with RESOURCE_EXHAUSTED; room comes back', async (t) => {
  const { broker, client } = await setup(t);
  const held = heldSends(broker);
  const producer = await client.createProducer({
    topic: "/d/t",
    name: "p",
    maxPendingSends: 5,
    onFull: "fail",
    allowReorder: true,
  });
  const first = Array.from({ length: 5 }, (_, i) => producer.send(`m${i}`));
  await assert.rejects(producer.send("over"), (e: DanubeError) => {
    assert.equal(e.code, ErrorCode.RESOURCE_EXHAUSTED);
    assert.equal(e.retryable, true);
    assert.match(e.message, /maxPendingSends \(5\)/);
    return true;
  });
  while (held.count < 5) await tick();
  held.release();
  await Promise.all(first);
  broker.handlers.sendMessage = (r) => ({ requestId: r.requestId });
  await producer.send("again");
  assert.equal(broker.count("sendMessage"), 6, "the refused send never reached the broker");
});

test('onFull "wait": sends wait in order for room, honour their own signal and deadline, flush and close cover them', async (t) => {
  const { broker, client } = await setup(t);
  const held = heldSends(broker);
  const producer = await client.createProducer({
    topic: "/d/t",
    name: "p",
    maxPendingSends: 2,
    allowReorder: true,
  });
  const a = producer.send("a");
  const b = producer.send("b");
  const aborter = new AbortController();
  const c = producer.send("c", { signal: aborter.signal });
  const d = producer.send("d", { timeoutMs: 50 });
  const e = producer.send("e");
  while (held.count < 2) await tick();
  aborter.abort();
  await assert.rejects(c, { code: ErrorCode.CANCELLED });
  await assert.rejects(d, { code: ErrorCode.DEADLINE_EXCEEDED });
  assert.equal(broker.count("sendMessage"), 2, "waiting sends are not sent");
  let flushed = false;
  const flushing = producer.flush().then(() => {
    flushed = true;
  });
  held.release();
  while (held.count < 1) await tick();
  assert.equal(flushed, false, "flush waits for the send that was waiting for room");
  held.release();
  await Promise.all([a, b, e, flushing]);
  const sent = (broker.calls.get("sendMessage") as danube.StreamMessage[]).map((m) =>
    Buffer.from(m.payload).toString(),
  );
  assert.deepEqual(sent, ["a", "b", "e"]);
  // close() fails what still waits with CANCELLED.
  const f = producer.send("f");
  const g = producer.send("g");
  const h = producer.send("h");
  while (held.count < 2) await tick();
  await producer.close({ timeoutMs: 50 });
  await assert.rejects(h, { code: ErrorCode.CANCELLED });
  await assert.rejects(f, { code: ErrorCode.CANCELLED });
  await assert.rejects(g, { code: ErrorCode.CANCELLED });
});

test("invalid maxPendingSends / onFull fail before any RPC", async (t) => {
  const { broker, client } = await setup(t);
  await assert.rejects(client.createProducer({ topic: "/d/t", name: "p", maxPendingSends: 0 }), {
    code: ErrorCode.INVALID_ARGUMENT,
    message: /maxPendingSends/,
  });
  await assert.rejects(
    client.createProducer({ topic: "/d/t", name: "p", onFull: "drop" as unknown as "wait" }),
    { code: ErrorCode.INVALID_ARGUMENT, message: /onFull/ },
  );
  assert.equal(broker.count(), 0);
});

test("pending sends share one deadline timer: 500 waiting sends add no timer each", async (t) => {
  const { broker, client } = await setup(t);
  const held = heldSends(broker);
  const producer = await client.createProducer({ topic: "/d/t", name: "p", allowReorder: true });
  const before = timers();
  const sends = Array.from({ length: 500 }, (_, i) => producer.send(`m${i}`, { timeoutMs: 10_000 }));
  while (held.count < 500) await tick();
  // The in-process fake broker (a grpc-js server) arms one deadline timer per call that carries
  // grpc-timeout: those are the server's, not the producer's.
  const during = timers() - held.count;
  assert.ok(during - before <= 3, `client timers went from ${before} to ${during}`);
  held.release();
  const receipts = await Promise.all(sends);
  assert.equal(receipts.length, 500);
  assert.ok(receipts.every((r, i) => i === 0 || r.requestId > receipts[i - 1]!.requestId));
});

test("a send in flight past its deadline fails with DEADLINE_EXCEEDED and its RPC is cancelled", async (t) => {
  const { broker, client } = await setup(t);
  heldSends(broker);
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  const started = Date.now();
  await assert.rejects(producer.send("slow", { timeoutMs: 100 }), (e: DanubeError) => {
    assert.equal(e.code, ErrorCode.DEADLINE_EXCEEDED);
    return true;
  });
  const took = Date.now() - started;
  assert.ok(took >= 95 && took < 1000, `took ${took} ms`);
  // The broker sees the call cancelled (not left running until the broker answers).
  const until = Date.now() + 5000;
  while ((broker.cancelled.get("sendMessage") ?? 0) === 0 && Date.now() < until) await tick();
  assert.equal(broker.cancelled.get("sendMessage"), 1, "the SendMessage call was cancelled");
});
