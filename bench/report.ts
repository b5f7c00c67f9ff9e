// Renders a run's results as the markdown that docs/benchmarks.md takes as it is.
import { PAYLOAD_BYTES } from "./phases.ts";
import { CATEGORIES } from "./profile.ts";
import type { LatencyRow, RunResults, System, ThroughputRow } from "./results.ts";
import { fmt, table } from "./stats.ts";

const SYSTEM_NAMES: Record<System, string> = {
  danube: "danube-ts",
  "grpc-js": "raw grpc-js unary",
  jetstream: "JetStream (default sync)",
  "jetstream-sync-always": "JetStream (sync always)",
};
const system = (r: { system: System; path: string }) =>
  r.path === "" ? SYSTEM_NAMES[r.system] : `${SYSTEM_NAMES[r.system]}, ${r.path}`;
/** Below this much log, timing noise swamps the recovery time per GB. */
const MEANINGFUL_LOG_BYTES = 50e6;
const mb = (bytes: number | undefined) => (bytes === undefined ? "n/a" : fmt(bytes / 1e6));

function throughputTable(rows: ThroughputRow[]): string[] {
  return table(
    [
      "figure",
      "system, path",
      "messages",
      "seconds",
      "msgs/s",
      "MB/s",
      "client µs/msg",
      "server µs/msg",
      "note",
    ],
    ["l", "l", "r", "r", "r", "r", "r", "r", "l"],
    rows.map((r) => [
      r.figure,
      system(r),
      fmt(r.messages),
      fmt(r.seconds, 2),
      fmt(r.msgsPerSec),
      fmt((r.msgsPerSec * PAYLOAD_BYTES) / 1e6, 1),
      fmt(r.clientUsPerMsg),
      fmt(r.serverUsPerMsg),
      r.note,
    ]),
  );
}

function latencyTable(rows: LatencyRow[]): string[] {
  const pair = (p: { p50: number; p99: number } | undefined, digits: number) =>
    p === undefined ? "n/a" : `${fmt(p.p50, digits)} / ${fmt(p.p99, digits)}`;
  return table(
    [
      "offered msgs/s",
      "system, path",
      "sent msgs/s",
      "received msgs/s",
      "received / sent",
      "p50 / p99 ms, send() to receive",
      "max ms",
      "p50 / p99 ms, publish_time to receive",
      "client µs/msg",
      "server µs/msg",
      "note",
    ],
    ["r", "l", "r", "r", "r", "r", "r", "r", "r", "r", "l"],
    rows.map((r) => [
      fmt(r.offeredRate),
      system(r),
      fmt(r.issuedRate),
      fmt(r.receiveRate),
      `${fmt(r.received)} / ${fmt(r.issued)}`,
      pair(r.sendToReceive, 2),
      fmt(r.sendToReceive.max, 1),
      pair(r.publishToReceive, 0),
      fmt(r.clientUsPerMsg),
      fmt(r.serverUsPerMsg),
      r.note,
    ]),
  );
}

/** danube paths against JetStream, per figure: throughput ratios (>1 = danube faster), p99 ratios (<1 = danube lower). */
function comparisonTable(results: RunResults): string[] {
  const js = (key: string, sys: System) => results.throughput.find((r) => r.key === key && r.system === sys);
  const jsLat = (key: string, sys: System) => results.latency.find((r) => r.key === key && r.system === sys);
  const rows: string[][] = [];
  for (const d of results.throughput.filter((r) => r.system === "danube")) {
    for (const sys of ["jetstream", "jetstream-sync-always"] as const) {
      const other = js(d.key, sys);
      if (other === undefined) continue;
      rows.push([
        d.figure,
        d.path,
        SYSTEM_NAMES[sys],
        `${fmt(d.msgsPerSec)} msgs/s`,
        `${fmt(other.msgsPerSec)} msgs/s`,
        `${fmt(d.msgsPerSec / other.msgsPerSec, 2)}x`,
      ]);
    }
  }
  for (const d of results.latency.filter((r) => r.system === "danube")) {
    for (const sys of ["jetstream", "jetstream-sync-always"] as const) {
      const other = jsLat(d.key, sys);
      if (other === undefined) continue;
      rows.push([
        `p99 latency at ${fmt(d.offeredRate)} msgs/s`,
        d.path,
        SYSTEM_NAMES[sys],
        `${fmt(d.sendToReceive.p99, 2)} ms`,
        `${fmt(other.sendToReceive.p99, 2)} ms`,
        `${fmt(d.sendToReceive.p99 / other.sendToReceive.p99, 2)}x`,
      ]);
    }
  }
  if (rows.length === 0) return [];
  return table(
    ["figure", "danube path", "against", "danube", "JetStream", "danube / JetStream"],
    ["l", "l", "l", "r", "r", "r"],
    rows,
  );
}

function baselineTable(results: RunResults): string[] {
  const rows: string[][] = [];
  for (const base of results.throughput.filter((r) => r.system === "grpc-js")) {
    const inFlight = base.key.replace("baseline-", "");
    for (const d of results.throughput.filter(
      (r) => r.system === "danube" && r.key === `publish-${inFlight}`,
    )) {
      if (!d.path.startsWith("unary")) continue;
      rows.push([
        inFlight,
        fmt(base.msgsPerSec),
        `${fmt(d.msgsPerSec)} (${d.path})`,
        `${fmt((100 * d.msgsPerSec) / base.msgsPerSec)}%`,
        `${fmt(base.clientUsPerMsg)} / ${fmt(base.serverUsPerMsg)}`,
        `${fmt(d.clientUsPerMsg)} / ${fmt(d.serverUsPerMsg)}`,
      ]);
    }
  }
  if (rows.length === 0) return [];
  return table(
    [
      "in flight",
      "raw grpc-js unary calls/s",
      "danube unary SendMessage msgs/s",
      "danube / raw (target >= 90% at 64)",
      "raw client / server µs per call",
      "danube client / broker µs per msg",
    ],
    ["r", "r", "r", "r", "r", "r"],
    rows,
  );
}

function backlogTable(results: RunResults): string[] {
  const b = results.backlog;
  if (b === undefined) return [];
  const gb = b.dataBytes / 1e9;
  const netMs = b.restartMs - b.emptyStartMs;
  const rss = (r: typeof b.writeRss) => `${mb(r.min)} / ${mb(r.max)} / ${mb(r.last)}`;
  return table(
    ["phase", "messages", "msgs/s", "broker RSS MB min / max / last", "client / broker µs/msg"],
    ["l", "r", "r", "r", "r"],
    [
      [
        "write (64 in flight)",
        `${fmt(b.written)} / ${fmt(b.count)}`,
        fmt(b.written / b.writeSeconds),
        rss(b.writeRss),
        `${fmt(b.writeCpu.clientMicros / b.written)} / ${fmt((b.writeCpu.serverMicros ?? Number.NaN) / b.written)}`,
      ],
      [
        "read + ack after restart (window 1000)",
        `${fmt(b.read)} / ${fmt(b.written)}`,
        fmt(b.read / b.readSeconds),
        rss(b.readRss),
        `${fmt(b.readCpu.clientMicros / b.read)} / ${fmt((b.readCpu.serverMicros ?? Number.NaN) / b.read)}`,
      ],
    ],
  ).concat([
    "",
    `Restart on ${fmt(gb, 3)} GB of data: startBroker() ready in ${fmt(b.restartMs / 1000, 2)} s against ` +
      `${fmt(b.emptyStartMs / 1000, 2)} s on an empty data dir, so recovery took ${fmt(netMs / 1000, 2)} s` +
      (b.dataBytes < MEANINGFUL_LOG_BYTES
        ? " (too little log to tell a time per GB)"
        : ` = **${fmt(netMs / 1000 / gb, 2)} s per GB** of log (target < 2 s)`) +
      `; the broker process, spawn to listening (node start-up included): ${fmt((b.processRestartMs ?? Number.NaN) / 1000, 2)} s.`,
  ]);
}

function profileTable(results: RunResults): string[] {
  if (results.profile.length === 0) return [];
  return table(
    ["side", "profile", "sampled s", ...CATEGORIES],
    ["l", "l", "r", ...CATEGORIES.map(() => "r" as const)],
    results.profile.map((p) => [
      p.side,
      p.source,
      fmt(p.busySeconds, 1),
      ...CATEGORIES.map((c) => `${fmt(100 * p.summary.shares[c])}%`),
    ]),
  );
}

/** The targets of issue 12 against this run's figures. */
function targetTable(results: RunResults): string[] {
  const danube = results.throughput.filter((r) => r.system === "danube");
  const best = (key: string) => Math.max(0, ...danube.filter((r) => r.key === key).map((r) => r.msgsPerSec));
  const jsRate = (key: string) => results.throughput.find((r) => r.key === key && r.system === "jetstream");
  const bestConsume = Math.max(best("consume-w10"), best("consume-w1000"));
  const jsConsume = Math.max(
    jsRate("consume-w10")?.msgsPerSec ?? 0,
    jsRate("consume-w1000")?.msgsPerSec ?? 0,
  );
  /** Best p99 among danube rows at `rate` that delivered everything; a string when none did. */
  const p99 = (rate: number): number | string | undefined => {
    const rows = results.latency.filter((r) => r.system === "danube" && r.offeredRate === rate);
    if (rows.length === 0) return undefined;
    const complete = rows.filter((r) => r.received === r.issued && r.issued > 0);
    if (complete.length === 0) return "consumer fell behind (not all received)";
    return Math.min(...complete.map((r) => r.sendToReceive.p99));
  };
  const base = results.throughput.find((r) => r.key === "baseline-64");
  const unary = danube
    .filter((r) => r.key === "publish-64" && r.path.startsWith("unary"))
    .sort((a, b) => b.msgsPerSec - a.msgsPerSec)[0];
  const rows: [string, string, boolean | undefined][] = [];
  const pub = best("publish-64");
  if (pub > 0) rows.push(["publish, 64 in flight >= 47k msgs/s", fmt(pub), pub >= 47_000]);
  const jsPub = jsRate("publish-64");
  if (pub > 0 && jsPub)
    rows.push([
      "publish, 64 in flight >= 1.5x JetStream",
      `${fmt(pub / jsPub.msgsPerSec, 2)}x`,
      pub >= 1.5 * jsPub.msgsPerSec,
    ]);
  if (bestConsume > 0) rows.push(["consume + ack >= 75k msgs/s", fmt(bestConsume), bestConsume >= 75_000]);
  if (bestConsume > 0 && jsConsume > 0)
    rows.push([
      "consume + ack >= JetStream",
      `${fmt(bestConsume / jsConsume, 2)}x`,
      bestConsume >= jsConsume,
    ]);
  for (const [rate, limit] of [
    [5000, 10],
    [1000, 2],
  ] as const) {
    const v = p99(rate);
    if (typeof v === "string") rows.push([`p99 < ${limit} ms at ${fmt(rate)} msgs/s`, v, false]);
    else if (v !== undefined)
      rows.push([`p99 < ${limit} ms at ${fmt(rate)} msgs/s`, `${fmt(v, 2)} ms`, v < limit]);
  }
  if (base && unary)
    rows.push([
      "unary path >= 90% of raw grpc-js (64 in flight)",
      `${fmt((100 * unary.msgsPerSec) / base.msgsPerSec)}%`,
      unary.msgsPerSec >= 0.9 * base.msgsPerSec,
    ]);
  const b = results.backlog;
  if (b?.writeRss.max !== undefined && b.readRss.max !== undefined) {
    rows.push([
      `broker RSS flat over a ${fmt(b.count)}-message backlog`,
      `max ${mb(Math.max(b.writeRss.max, b.readRss.max))} MB`,
      undefined,
    ]);
    const gb = b.dataBytes / 1e9;
    const perGb = (b.restartMs - b.emptyStartMs) / 1000 / gb;
    rows.push(
      b.dataBytes < MEANINGFUL_LOG_BYTES
        ? ["restart recovery < 2 s per GB", `n/a (${fmt(gb, 3)} GB is too little log)`, undefined]
        : ["restart recovery < 2 s per GB", `${fmt(perGb, 2)} s/GB`, perGb < 2],
    );
  }
  return table(
    ["target (issue 12)", "this run", "met"],
    ["l", "r", "l"],
    rows.map(([t, v, ok]) => [t, v, ok === undefined ? "see table" : ok ? "yes" : "no"]),
  );
}

export function renderMarkdown(results: RunResults): string {
  const m = results.meta;
  const sections: [string, string[]][] = [
    ["Targets", targetTable(results)],
    ["Throughput (reliable, 1 KiB)", throughputTable(results.throughput)],
    ["Publish-to-receive latency, producer and consumer live", latencyTable(results.latency)],
    ["danube against JetStream", comparisonTable(results)],
    ["Unary path against raw grpc-js unary calls", baselineTable(results)],
    ["Backlog memory and restart recovery", backlogTable(results)],
    ["CPU profile summary (self time by category)", profileTable(results)],
  ];
  const out = [
    `- Run: ${m.date}; ${m.machine}; node ${m.node}`,
    `- Broker: ${m.broker}. JetStream: ${m.nats}.`,
    `- Settings: ${m.settings}`,
    "",
  ];
  for (const [title, lines] of sections) {
    if (lines.length === 0) continue;
    out.push(`#### ${title}`, "", ...lines, "");
  }
  if (results.skipped.length > 0) out.push(...results.skipped.map((s) => `- skipped: ${s}`), "");
  return out.join("\n");
}
