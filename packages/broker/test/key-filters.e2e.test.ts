import assert from "node:assert/strict";
import { test } from "node:test";
import { DanubeError } from "@danube-ts/client";
import { collect, testBroker, uniqueTopic } from "./helpers.ts";

/**
 * Longest time the event loop was blocked while `work` runs: the largest gap between 5 ms ticks,
 * counted only as far as this process used CPU meanwhile (on a machine shared with other jobs a
 * descheduled process shows wall-clock gaps without blocking anything).
 */
async function maxLag<T>(work: () => Promise<T>): Promise<{ result: T; lagMs: number }> {
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let lagMs = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    lagMs = Math.max(lagMs, Math.min(now - last - 5, cpuMs));
    last = now;
    lastCpu = process.cpuUsage();
  }, 5);
  try {
    return { result: await work(), lagMs };
  } finally {
    clearInterval(probe);
  }
}

test("a pathological key filter routes in linear time: the event loop never stalls", async (t) => {
  const { client } = await testBroker(t);
  const topic = uniqueTopic("glob");
  const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const hostile = await client.subscribe({
    topic,
    subscription: "s",
    consumerName: "hostile",
    subscriptionType: "KeyShared",
    keyFilters: ["*a*a*a*a*a*a*a*a*b"],
  });
  const plain = await client.subscribe({
    topic,
    subscription: "s",
    consumerName: "plain",
    subscriptionType: "KeyShared",
    keyFilters: ["a*"],
  });
  const hostileGot = collect(hostile, (m) => m.ack());
  const plainGot = collect(plain, (m) => m.ack());
  const noB = "a".repeat(50); // the backtracking regex took 7.6 s per message for this key
  const withB = `${"a".repeat(49)}b`; // matches both filters
  const { lagMs } = await maxLag(async () => {
    for (let i = 0; i < 20; i++) await producer.send(String(i), { key: noB });
    await plainGot.waitFor(20, 20_000);
  });
  assert.ok(lagMs < 100, `event loop blocked for ${lagMs.toFixed(0)} ms`);
  assert.equal(hostileGot.messages.length, 0);
  assert.ok(plainGot.messages.every((m) => m.routingKey === noB));

  // A key both filters accept goes to one of them, exactly once.
  await producer.send("both", { key: withB });
  await new Promise((r) => setTimeout(r, 300));
  const both = [...hostileGot.messages, ...plainGot.messages].filter((m) => m.text() === "both");
  assert.equal(both.length, 1);
});

test("too many or too long key filters are refused with INVALID_ARGUMENT", async (t) => {
  const { client } = await testBroker(t);
  const topic = uniqueTopic("glob-limits");
  await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const refused = (pattern: RegExp) => (err: unknown) => {
    assert.ok(err instanceof DanubeError, String(err));
    assert.equal(err.code, "INVALID_ARGUMENT");
    assert.equal(err.retryable, false);
    assert.match(err.message, pattern);
    return true;
  };
  const subscribe = (consumerName: string, keyFilters: string[]) =>
    client.subscribe({ topic, subscription: "s", consumerName, subscriptionType: "KeyShared", keyFilters });
  await assert.rejects(subscribe("many", Array(33).fill("k-*")), refused(/at most 32 key filters/));
  await assert.rejects(subscribe("long", [`${"x".repeat(300)}*`]), refused(/at most 256 bytes/));
  const ok = await subscribe("fine", Array(32).fill(`${"x".repeat(254)}*`));
  await ok.close();
});
