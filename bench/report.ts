// Renders a run's results as the markdown that docs/benchmarks.md takes as it is.
import { PAYLOAD_BYTES } from "./phases.ts";
import { CATEGORIES } from "./profile.ts";
import type { LatencyRow, RunResults, System, ThroughputRow } from "./results.ts";
import { type Spread, spread } from "./rounds.ts";
import { fmt, table } from "./stats.ts";
import {
  baselineComparisons,
  type Comparison,
  comparisons,
  MEANINGFUL_LOG_BYTES,
  mb,
  roundOf,
  roundsIn,
  targets,
  throughputGroups,
} from "./summary.ts";

const SYSTEM_NAMES: Record<System, string> = {
  danube: "danube-ts",
  "danube-no-fsync": "danube-ts without fdatasync (bench only)",
  "grpc-js": "raw grpc-js unary",
  jetstream: "JetStream (default sync)",
  "jetstream-sync-always": "JetStream (sync always)",
};
const system = (r: { system: System; path: string }) =>
  r.path === "" ? SYSTEM_NAMES[r.system] : `${SYSTEM_NAMES[r.system]}, ${r.path}`;

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

const ratioText = (c: Comparison, v: number) => (c.unit === "ms" ? `${fmt(v, 2)} ms` : `${fmt(v)} msgs/s`);
/** min - max over rounds ("1 round" when there is one value). */
const range = (s: Spread, f: (v: number) => string) =>
  s.n > 1 ? `${f(s.min)} - ${f(s.max)}` : `${s.n} round`;
/** A median with its spread over rounds, as "12 (10-15)". */
const withRange = (s: Spread, digits = 0) =>
  s.n > 1 ? `${fmt(s.median, digits)} (${fmt(s.min, digits)}-${fmt(s.max, digits)})` : fmt(s.median, digits);

/** danube paths against JetStream, per figure: throughput ratios (>1 = danube faster), p99 ratios (<1 = danube lower). */
function comparisonTable(results: RunResults, multi: boolean): string[] {
  const entries = comparisons(results);
  const x = (v: number) => `${fmt(v, 2)}x`;
  const rows = entries.map((c) => [
    c.figure,
    c.path,
    SYSTEM_NAMES[c.against],
    ratioText(c, c.danube.median),
    ratioText(c, c.other.median),
    x(c.ratio.median),
    ...(multi ? [range(c.ratio, x)] : []),
  ]);
  if (rows.length === 0) return [];
  return multi
    ? table(
        [
          "figure",
          "danube path",
          "against",
          "danube, median",
          "JetStream, median",
          "danube / JetStream, median of rounds",
          "min - max",
        ],
        ["l", "l", "l", "r", "r", "r", "r"],
        rows,
      )
    : table(
        ["figure", "danube path", "against", "danube", "JetStream", "danube / JetStream"],
        ["l", "l", "l", "r", "r", "r"],
        rows,
      );
}

function baselineTable(results: RunResults, multi: boolean): string[] {
  const pct = (v: number) => `${fmt(v)}%`;
  const rows = baselineComparisons(results).map((b) => [
    b.inFlight,
    fmt(b.raw.median),
    `${fmt(b.danube.median)} (${b.path})`,
    pct(b.percent.median),
    ...(multi ? [range(b.percent, pct)] : []),
    `${fmt(b.rawClientUs.median)} / ${fmt(b.rawServerUs.median)}`,
    `${fmt(b.danubeClientUs.median)} / ${fmt(b.danubeServerUs.median)}`,
  ]);
  if (rows.length === 0) return [];
  return table(
    multi
      ? [
          "in flight",
          "raw grpc-js unary calls/s, median",
          "danube unary SendMessage msgs/s, median",
          "danube / raw, median of rounds (target >= 90% at 64)",
          "min - max",
          "raw client / server µs per call, median",
          "danube client / broker µs per msg, median",
        ]
      : [
          "in flight",
          "raw grpc-js unary calls/s",
          "danube unary SendMessage msgs/s",
          "danube / raw (target >= 90% at 64)",
          "raw client / server µs per call",
          "danube client / broker µs per msg",
        ],
    ["r", "r", "r", "r", "r", "r", ...(multi ? (["r"] as const) : [])],
    rows,
  );
}

/** Every throughput row over the rounds: median, spread, and CPU per message. */
function roundsThroughputTable(results: RunResults): string[] {
  const groups = throughputGroups(results.throughput);
  return table(
    [
      "figure",
      "system, path",
      "rounds",
      "messages",
      "msgs/s, median",
      "msgs/s, min - max",
      "MB/s",
      "client µs/msg, median (min-max)",
      "server µs/msg, median (min-max)",
      "note",
    ],
    ["l", "l", "r", "r", "r", "r", "r", "r", "r", "l"],
    groups.map((g) => [
      g.figure,
      system(g),
      String(g.rounds.length),
      g.messages.min === g.messages.max ? fmt(g.messages.min) : range(g.messages, (v) => fmt(v)),
      fmt(g.msgsPerSec.median),
      range(g.msgsPerSec, (v) => fmt(v)),
      fmt((g.msgsPerSec.median * PAYLOAD_BYTES) / 1e6, 1),
      withRange(g.clientUsPerMsg),
      withRange(g.serverUsPerMsg),
      g.notes.join("; "),
    ]),
  );
}

/** msgs/s of every row in every round, in the order of the throughput table. */
function everyRoundTable(results: RunResults, rounds: number[]): string[] {
  const groups = throughputGroups(results.throughput);
  return table(
    ["figure", "system, path", ...rounds.map((r) => `round ${r}`)],
    ["l", "l", ...rounds.map(() => "r" as const)],
    groups.map((g) => [
      g.figure,
      system(g),
      ...rounds.map((r) => {
        const i = g.rounds.indexOf(r);
        return i < 0 ? "-" : fmt(g.perRound[i]);
      }),
    ]),
  );
}

/** Latency rows; a row measured in several rounds shows the median of each column. */
function latencyRows(rows: LatencyRow[]): LatencyRow[] {
  const groups = new Map<string, LatencyRow[]>();
  for (const r of rows) {
    const id = `${r.key}|${r.system}|${r.path}`;
    groups.set(id, [...(groups.get(id) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    if (g.length === 1) return g[0]!;
    const m = (f: (r: LatencyRow) => number | undefined) => spread(g.map(f)).median;
    const p99 = spread(g.map((r) => r.sendToReceive.p99));
    const notes = g.filter((r) => r.note !== "").map((r) => `round ${roundOf(r)}: ${r.note}`);
    return {
      ...g[0]!,
      issuedRate: m((r) => r.issuedRate),
      receiveRate: m((r) => r.receiveRate),
      issued: m((r) => r.issued),
      received: m((r) => r.received),
      publishToReceive:
        g[0]!.publishToReceive === undefined
          ? undefined
          : { p50: m((r) => r.publishToReceive?.p50), p99: m((r) => r.publishToReceive?.p99) },
      sendToReceive: {
        p50: m((r) => r.sendToReceive.p50),
        p99: p99.median,
        max: m((r) => r.sendToReceive.max),
      },
      clientUsPerMsg: m((r) => r.clientUsPerMsg),
      serverUsPerMsg: m((r) => r.serverUsPerMsg),
      failures: g.reduce((n, r) => n + r.failures, 0),
      note: [`median of ${g.length} rounds, p99 ${fmt(p99.min, 2)} - ${fmt(p99.max, 2)} ms`, ...notes].join(
        "; ",
      ),
    };
  });
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

/** The targets of issue 12 against this run's figures (medians over rounds). */
function targetTable(results: RunResults, rounds: number): string[] {
  const met = (ok: boolean | undefined) => (ok === undefined ? "see table" : ok ? "yes" : "no");
  const rows = targets(results);
  if (rounds === 1)
    return table(
      ["target (issue 12)", "this run", "met"],
      ["l", "r", "l"],
      rows.map((t) => [t.target, t.text, met(t.met)]),
    );
  return table(
    ["target (issue 12)", `median of ${rounds} rounds`, "min - max", "met (median)"],
    ["l", "r", "r", "l"],
    rows.map((t) => [t.target, t.text, t.range, met(t.met)]),
  );
}

export function renderMarkdown(results: RunResults): string {
  const m = results.meta;
  const rounds = roundsIn(results);
  const multi = rounds.length > 1;
  const sections: [string, string[]][] = [
    ["Targets", targetTable(results, rounds.length)],
    multi
      ? [`Throughput (reliable, 1 KiB), over ${rounds.length} rounds`, roundsThroughputTable(results)]
      : ["Throughput (reliable, 1 KiB)", throughputTable(results.throughput)],
    ...(multi
      ? [["Throughput in each round, msgs/s", everyRoundTable(results, rounds)] as [string, string[]]]
      : []),
    ["Publish-to-receive latency, producer and consumer live", latencyTable(latencyRows(results.latency))],
    ["danube against JetStream", comparisonTable(results, multi)],
    ["Unary path against raw grpc-js unary calls", baselineTable(results, multi)],
    ["Backlog memory and restart recovery", backlogTable(results)],
    ["CPU profile summary (self time by category)", profileTable(results)],
  ];
  const out = [
    `- Run: ${m.date}; ${m.machine}; node ${m.node}`,
    `- Broker: ${m.broker}. JetStream: ${m.nats}.`,
    `- Settings: ${m.settings}`,
    ...(multi
      ? [
          `- Rounds: ${rounds.length}. In each, the systems run each figure back to back (order reversed every ` +
            "other round); a row shows its median and min - max over rounds, a ratio is the median of " +
            "the ratios taken within each round." +
            (results.latency.length === 0
              ? ""
              : ` Latency: ${results.latency.some((r) => roundOf(r) > 1) ? "every round" : "first round only"}.`) +
            (results.backlog === undefined ? "" : " Backlog: once, after the rounds."),
        ]
      : []),
    "",
  ];
  for (const [title, lines] of sections) {
    if (lines.length === 0) continue;
    out.push(`#### ${title}`, "", ...lines, "");
  }
  if (results.skipped.length > 0) out.push(...results.skipped.map((s) => `- skipped: ${s}`), "");
  return out.join("\n");
}
