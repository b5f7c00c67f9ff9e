import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { parseExposition, sum } from "../../test/prom-text.ts";
import { QuantileSummary } from "./quantile-summary.ts";

const quantiles = [0, 0.5, 0.9, 0.99, 1];

test("quantiles within 1% (exact minimum and maximum), exact sum and count, rendered as a summary", async () => {
  const registry = new Registry();
  registry.setDefaultLabels({ broker: "7" });
  const summary = new QuantileSummary("lat_ms", "latency", "topic", quantiles, registry);
  // 1..1000 in a shuffled order, and 0 once (counts as the minimum).
  const values = Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1000) + 1);
  for (const v of values) summary.observe("a", v);
  summary.observe("a", 0);
  summary.observe("b", 2.5);
  assert.deepEqual(summary.totals("a"), { count: 1001, sum: 500_500 });
  assert.deepEqual(summary.totals("none"), { count: 0, sum: 0 });
  const e = parseExposition(await registry.metrics());
  assert.equal(e.types.get("lat_ms"), "summary");
  const q = (quantile: string, topic = "a") => sum(e, "lat_ms", { topic, quantile, broker: "7" });
  assert.equal(q("0"), 0);
  assert.equal(q("1"), 1000);
  for (const [quantile, exact] of [
    ["0.5", 500],
    ["0.9", 900],
    ["0.99", 990],
  ] as const) {
    const got = q(quantile);
    assert.ok(Math.abs(got - exact) <= exact * 0.01 + 1, `quantile ${quantile}: ${got} against ${exact}`);
  }
  assert.equal(sum(e, "lat_ms_sum", { topic: "a" }), 500_500);
  assert.equal(sum(e, "lat_ms_count", { topic: "a" }), 1001);
  assert.equal(q("0.5", "b"), 2.5, "a single value is every quantile");

  summary.remove("a");
  const after = parseExposition(await registry.metrics());
  assert.equal(sum(after, "lat_ms_count", { topic: "a" }), 0);
  assert.equal(sum(after, "lat_ms_count", { topic: "b" }), 1);
});

test("a value that is not finite is refused", () => {
  const summary = new QuantileSummary("x", "x", "topic", quantiles, new Registry());
  assert.throws(() => summary.observe("a", Number.NaN), TypeError);
});
