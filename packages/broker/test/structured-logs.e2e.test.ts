import assert from "node:assert/strict";
import { test } from "node:test";
import { consoleLogger } from "../src/index.ts";
import { collect, testBroker, uniqueTopic } from "./helpers.ts";

/** Captures what is written to stderr while `fn` runs. */
async function captureStderr(fn: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  }) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = original;
  }
  return chunks.join("");
}

test("logFormat json: one JSON object per line, with the metrics' label names as fields", async (t) => {
  const topic = uniqueTopic("logs");
  const text = await captureStderr(async () => {
    const env = await testBroker(t, {
      logLevel: "debug",
      logFormat: "json",
      housekeeping: { sweepIntervalMs: 60_000 },
    });
    const producer = await env.client.createProducer({ topic, name: "lp", dispatchStrategy: "Reliable" });
    await env.admin.setSubscriptionFailurePolicy({
      topic,
      subscription: "ls",
      policy: {
        maxRedeliveryCount: 0,
        ackTimeoutMs: 30_000,
        baseRedeliveryDelayMs: 10,
        maxRedeliveryDelayMs: 100,
        backoffStrategy: "Fixed",
        poisonPolicy: "Drop",
      },
    });
    const consumer = await env.client.subscribe({ topic, subscription: "ls", consumerName: "lc" });
    const seen = collect(consumer, (m) => m.nack());
    await producer.send("x");
    await seen.waitFor(1, 5_000);
    // The drop is logged once the nack is processed.
    await new Promise((r) => setTimeout(r, 200));
    await env.client.close();
    await env.broker.close();
  });
  const lines = text.split("\n").filter((l) => l.length > 0);
  assert.ok(lines.length > 0);
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const r of records) {
    assert.equal(typeof r.time, "string");
    assert.ok(["debug", "info", "warn", "error"].includes(String(r.level)));
    assert.equal(typeof r.msg, "string");
  }
  const mine = records.filter((r) => r.topic === topic);
  assert.ok(
    mine.some((r) => r.producer === "lp" && r.level === "debug" && String(r.msg).includes("attached")),
    "producer attach carries topic and producer",
  );
  assert.ok(
    mine.some((r) => r.subscription === "ls" && r.consumer === "lc"),
    "subscribe carries topic, subscription and consumer",
  );
  const drop = mine.find((r) => r.level === "warn" && String(r.msg).includes("dropping"));
  assert.ok(drop, `the poison drop is logged: ${JSON.stringify(mine)}`);
  assert.equal(drop.subscription, "ls");
  assert.equal(drop.producer, "lp");
  assert.equal(drop.offset, "0", "64-bit values are strings in JSON");
});

test("text format keeps one readable line, fields as key=value", async () => {
  const out = await captureStderr(async () => {
    consoleLogger("info").warn("dropped", { topic: "/default/a", subscription: "s" }, new Error("boom"));
    consoleLogger("info", "json").error("failed", { topic: "/default/a" }, new Error("boom"));
    consoleLogger("warn", "json").info("not shown");
  });
  const [text, json, ...rest] = out.split("\n");
  assert.match(text!, / WARN danube-broker: dropped topic="\/default\/a" subscription="s" boom$/);
  const record = JSON.parse(json!) as Record<string, unknown>;
  assert.equal(record.level, "error");
  assert.equal(record.topic, "/default/a");
  assert.deepEqual(record.err, { type: "Error", message: "boom" });
  assert.deepEqual(rest, [""]);
});
