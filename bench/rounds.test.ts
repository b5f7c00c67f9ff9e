// --rounds: the run order, medians and spreads, and ratios taken within each round, on fixed inputs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { renderMarkdown } from "./report.ts";
import type { RunResults, System, ThroughputRow } from "./results.ts";
import { median, roundOrder, spread } from "./rounds.ts";
import { baselineComparisons, comparisons, summarizeRounds, targets } from "./summary.ts";

test("median and spread", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.deepEqual(spread([5, undefined, Number.NaN, 1, 3]), { median: 3, min: 1, max: 5, n: 3 });
  const none = spread([undefined]);
  assert.equal(none.n, 0);
  assert.ok(Number.isNaN(none.median));
});

test("run order: one round as given; more rounds latency first, then group by group, systems reversed every other round", () => {
  // Given in the one-round order: system by system.
  const u = (name: string, group: number, system: number, latency = false) => ({
    name,
    group,
    system,
    latency,
  });
  const units = [
    u("danube-pub", 0, 1),
    u("danube-con", 1, 1),
    u("danube-lat", 2, 1, true),
    u("base-pub", 0, 0),
    u("js-pub", 0, 2),
    u("js-con", 1, 2),
    u("js-lat", 2, 2, true),
  ];
  const names = (round: number, rounds: number, latencyRounds = false) =>
    roundOrder(units, round, rounds, latencyRounds).map((x) => x.name);
  assert.deepEqual(
    names(1, 1),
    units.map((x) => x.name),
  );
  assert.deepEqual(names(1, 3), [
    "danube-lat",
    "js-lat",
    "base-pub",
    "danube-pub",
    "js-pub",
    "danube-con",
    "js-con",
  ]);
  assert.deepEqual(names(2, 3), ["js-pub", "danube-pub", "base-pub", "js-con", "danube-con"]);
  assert.deepEqual(names(3, 3), ["base-pub", "danube-pub", "js-pub", "danube-con", "js-con"]);
  assert.deepEqual(names(2, 3, true).slice(0, 2), ["js-lat", "danube-lat"]);
});

test("run order: units marked last run after all the others, in every round", () => {
  const u = (name: string, group: number, system: number, last = false) => ({
    name,
    group,
    system,
    latency: true,
    last,
  });
  const units = [
    u("unary-lat1k", 0, 1, true),
    u("stream-lat1k", 0, 2),
    u("js-lat1k", 0, 3),
    u("unary-lat5k", 1, 1, true),
    u("stream-lat5k", 1, 2),
    u("js-lat5k", 1, 3),
  ];
  const names = (round: number) => roundOrder(units, round, 2, true).map((x) => x.name);
  assert.deepEqual(names(1), [
    "stream-lat1k",
    "js-lat1k",
    "stream-lat5k",
    "js-lat5k",
    "unary-lat1k",
    "unary-lat5k",
  ]);
  assert.deepEqual(names(2), [
    "js-lat1k",
    "stream-lat1k",
    "js-lat5k",
    "stream-lat5k",
    "unary-lat1k",
    "unary-lat5k",
  ]);
});

const row = (round: number, key: string, system: System, msgsPerSec: number, path = ""): ThroughputRow => ({
  key,
  figure: key,
  system,
  path,
  messages: 1000,
  seconds: 1000 / msgsPerSec,
  msgsPerSec,
  clientUsPerMsg: 10 * round,
  serverUsPerMsg: 20,
  failures: 0,
  note: round === 2 && system === "jetstream" ? "time cap hit (60 s)" : "",
  round,
});

/** Three rounds whose ratios differ from the ratio of the medians. */
function threeRounds(): RunResults {
  const rates = [
    // stream publish, JetStream publish, unary publish, raw grpc-js calls
    [30_000, 20_000, 5_000, 5_000],
    [20_000, 10_000, 4_000, 8_000],
    [50_000, 25_000, 6_000, 6_000],
  ];
  return {
    meta: {
      date: "d",
      machine: "m",
      node: "v20",
      broker: "b",
      nats: "n",
      settings: "s",
      argv: [],
      rounds: 3,
    },
    throughput: rates.flatMap(([stream, js, unary, raw], i) => [
      row(i + 1, "publish-64", "danube", unary!, "unary"),
      row(i + 1, "publish-64", "danube", stream!, "stream"),
      row(i + 1, "baseline-64", "grpc-js", raw!),
      row(i + 1, "publish-64", "jetstream", js!),
    ]),
    latency: [],
    backlog: undefined,
    profile: [],
    skipped: [],
  };
}

test("ratios are medians of the ratios within each round", () => {
  const results = threeRounds();
  const stream = comparisons(results).find((c) => c.path === "stream")!;
  assert.equal(stream.danube.median, 30_000);
  assert.equal(stream.other.median, 20_000);
  // Per round 1.5, 2.0 and 2.0: the median is 2.0, not 30,000 / 20,000.
  assert.deepEqual(stream.ratio, { median: 2, min: 1.5, max: 2, n: 3 });
  const [base] = baselineComparisons(results);
  assert.deepEqual(base!.percent, { median: 100, min: 50, max: 100, n: 3 });
  assert.equal(base!.danubeClientUs.median, 20);
  const byName = new Map(targets(results).map((t) => [t.target, t]));
  assert.deepEqual(byName.get("publish, 64 in flight >= 1.5x JetStream"), {
    target: "publish, 64 in flight >= 1.5x JetStream",
    text: "2.00x",
    range: "1.50x - 2.00x",
    met: true,
    values: [1.5, 2, 2],
  });
  assert.equal(byName.get("publish, 64 in flight >= 47k msgs/s")?.met, false);
  assert.equal(byName.get("unary path >= 90% of raw grpc-js (64 in flight)")?.text, "100%");
  assert.equal(byName.get("unary path >= 90% of raw grpc-js (64 in flight)")?.range, "50% - 100%");
  assert.deepEqual(summarizeRounds(results).rounds, [1, 2, 3]);
});

test("the markdown of several rounds shows medians, spreads and every round", () => {
  const md = renderMarkdown(threeRounds());
  assert.match(md, /- Rounds: 3\./);
  assert.match(
    md,
    /\| publish, 64 in flight >= 1\.5x JetStream\s*\|\s*2\.00x\s*\|\s*1\.50x - 2\.00x\s*\|\s*yes\s*\|/,
  );
  assert.match(md, /#### Throughput \(reliable, 1 KiB\), over 3 rounds/);
  // Median, min - max, and client µs as median (min-max).
  assert.match(
    md,
    /\| publish-64\s*\| danube-ts, stream\s*\|\s*3 \|\s*1,000 \|\s*30,000 \|\s*20,000 - 50,000 \|\s*30\.7 \|\s*20 \(10-30\) \|\s*20 \(20-20\) \|\s*\|/,
  );
  assert.match(md, /\| publish-64\s*\| danube-ts, stream\s*\|\s*30,000 \|\s*20,000 \|\s*50,000 \|/);
  assert.match(md, /round 2: time cap hit \(60 s\)/);
  assert.match(md, /\|\s*64 \|\s*6,000 \|\s*5,000 \(unary\) \|\s*100% \|\s*50% - 100% \|/);
  // One round renders as before: no rounds columns.
  const one = threeRounds();
  one.throughput = one.throughput.filter((r) => r.round === 1);
  const md1 = renderMarkdown(one);
  assert.doesNotMatch(md1, /median|Rounds:/);
  assert.match(md1, /\| target \(issue 12\)\s*\| this run\s*\| met\s*\|/);
});
