// The figures the report compares, per round and over rounds: throughput per row, danube against
// JetStream, the unary path against raw grpc-js, and issue 12's targets. A ratio is taken within
// each round (from rows measured seconds apart) and its median over rounds is reported; with one
// round every median is that round's value.
import type { RunResults, System, ThroughputRow } from "./results.ts";
import { type Spread, spread } from "./rounds.ts";
import { fmt } from "./stats.ts";

/** The round a row was measured in (files written before rounds hold one). */
export const roundOf = (r: { round?: number }): number => r.round ?? 1;

/** The rounds the results hold, ascending. */
export function roundsIn(results: RunResults): number[] {
  const rounds = new Set([...results.throughput, ...results.latency].map(roundOf));
  return [...rounds].sort((a, b) => a - b);
}

/** The results with only one round's throughput and latency rows. */
export function oneRound(results: RunResults, round: number): RunResults {
  return {
    ...results,
    throughput: results.throughput.filter((r) => roundOf(r) === round),
    latency: results.latency.filter((r) => roundOf(r) === round),
  };
}

/** Entries of every round grouped by `id`, in order of first appearance. */
function byId<T extends { id: string }>(perRound: T[][]): T[][] {
  const groups = new Map<string, T[]>();
  for (const entries of perRound) {
    for (const e of entries) {
      const group = groups.get(e.id);
      if (group === undefined) groups.set(e.id, [e]);
      else group.push(e);
    }
  }
  return [...groups.values()];
}

function acrossRounds<T extends { id: string }>(results: RunResults, ofRound: (r: RunResults) => T[]): T[][] {
  return byId(roundsIn(results).map((round) => ofRound(oneRound(results, round))));
}

export interface ThroughputGroup {
  key: string;
  figure: string;
  system: System;
  path: string;
  rounds: number[];
  /** msgs/s in each of `rounds`. */
  perRound: number[];
  messages: Spread;
  msgsPerSec: Spread;
  clientUsPerMsg: Spread;
  serverUsPerMsg: Spread;
  /** Each round's note, prefixed with its round. */
  notes: string[];
}

/** One entry per figure, system and path, over the rounds it ran in. */
export function throughputGroups(rows: ThroughputRow[]): ThroughputGroup[] {
  const groups = byId(rows.map((r) => [{ id: `${r.key}|${r.system}|${r.path}`, r }]));
  return groups.map((g) => {
    const first = g[0]!.r;
    const rs = g.map((e) => e.r);
    return {
      key: first.key,
      figure: first.figure,
      system: first.system,
      path: first.path,
      rounds: rs.map(roundOf),
      perRound: rs.map((r) => r.msgsPerSec),
      messages: spread(rs.map((r) => r.messages)),
      msgsPerSec: spread(rs.map((r) => r.msgsPerSec)),
      clientUsPerMsg: spread(rs.map((r) => r.clientUsPerMsg)),
      serverUsPerMsg: spread(rs.map((r) => r.serverUsPerMsg)),
      notes: rs.filter((r) => r.note !== "").map((r) => `round ${roundOf(r)}: ${r.note}`),
    };
  });
}

export interface Comparison {
  figure: string;
  /** The danube row's path. */
  path: string;
  against: System;
  unit: "msgs/s" | "ms";
  danube: Spread;
  other: Spread;
  /** danube / other, per round. */
  ratio: Spread;
}

const JETSTREAMS = ["jetstream", "jetstream-sync-always"] as const;

/** danube paths against JetStream, per figure: throughput ratios (>1 = danube faster), p99 ratios (<1 = danube lower). */
export function comparisons(results: RunResults): Comparison[] {
  return acrossRounds(results, (r) => {
    const out: {
      id: string;
      figure: string;
      path: string;
      against: System;
      unit: "msgs/s" | "ms";
      d: number;
      o: number;
    }[] = [];
    for (const d of r.throughput.filter((t) => t.system === "danube")) {
      for (const sys of JETSTREAMS) {
        const other = r.throughput.find((t) => t.key === d.key && t.system === sys);
        if (other === undefined) continue;
        const id = `${d.key}|${d.path}|${sys}`;
        out.push({
          id,
          figure: d.figure,
          path: d.path,
          against: sys,
          unit: "msgs/s",
          d: d.msgsPerSec,
          o: other.msgsPerSec,
        });
      }
    }
    for (const d of r.latency.filter((l) => l.system === "danube")) {
      for (const sys of JETSTREAMS) {
        const other = r.latency.find((l) => l.key === d.key && l.system === sys);
        if (other === undefined) continue;
        out.push({
          id: `${d.key}|${d.path}|${sys}`,
          figure: `p99 latency at ${fmt(d.offeredRate)} msgs/s`,
          path: d.path,
          against: sys,
          unit: "ms",
          d: d.sendToReceive.p99,
          o: other.sendToReceive.p99,
        });
      }
    }
    return out;
  }).map((g) => {
    const { figure, path, against, unit } = g[0]!;
    return {
      figure,
      path,
      against,
      unit,
      danube: spread(g.map((e) => e.d)),
      other: spread(g.map((e) => e.o)),
      ratio: spread(g.map((e) => e.d / e.o)),
    };
  });
}

export interface BaselineComparison {
  inFlight: string;
  /** The danube row's path (unary, or unary (asked ...)). */
  path: string;
  raw: Spread;
  danube: Spread;
  /** 100 x danube / raw, per round. */
  percent: Spread;
  rawClientUs: Spread;
  rawServerUs: Spread;
  danubeClientUs: Spread;
  danubeServerUs: Spread;
}

/** The unary path's publish rows against the raw grpc-js unary calls at the same in-flight count. */
export function baselineComparisons(results: RunResults): BaselineComparison[] {
  return acrossRounds(results, (r) => {
    const out = [];
    for (const base of r.throughput.filter((t) => t.system === "grpc-js")) {
      const inFlight = base.key.replace("baseline-", "");
      for (const d of r.throughput.filter((t) => t.system === "danube" && t.key === `publish-${inFlight}`)) {
        if (!d.path.startsWith("unary")) continue;
        out.push({ id: `${inFlight}|${d.path}`, inFlight, base, d });
      }
    }
    return out;
  }).map((g) => ({
    inFlight: g[0]!.inFlight,
    path: g[0]!.d.path,
    raw: spread(g.map((e) => e.base.msgsPerSec)),
    danube: spread(g.map((e) => e.d.msgsPerSec)),
    percent: spread(g.map((e) => (100 * e.d.msgsPerSec) / e.base.msgsPerSec)),
    rawClientUs: spread(g.map((e) => e.base.clientUsPerMsg)),
    rawServerUs: spread(g.map((e) => e.base.serverUsPerMsg)),
    danubeClientUs: spread(g.map((e) => e.d.clientUsPerMsg)),
    danubeServerUs: spread(g.map((e) => e.d.serverUsPerMsg)),
  }));
}

export interface TargetResult {
  target: string;
  /** The median over rounds (or the one value), formatted. */
  text: string;
  /** min - max over rounds; empty with one value. */
  range: string;
  /** Whether the median meets the target; undefined: judge from the tables. */
  met: boolean | undefined;
  /** Each round's value (a number, or why there is none). */
  values: (number | string)[];
}

type RoundTarget = { id: string } & (
  | { value: number; format: (v: number) => string; met: (v: number) => boolean }
  | { value: string; met: boolean }
);

/** Below this much log, timing noise swamps the recovery time per GB. */
export const MEANINGFUL_LOG_BYTES = 50e6;
export const mb = (bytes: number | undefined): string => (bytes === undefined ? "n/a" : fmt(bytes / 1e6));

/** Issue 12's throughput, ratio and latency targets in one round. */
function roundTargets(results: RunResults): RoundTarget[] {
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
  const ratio = (v: number) => `${fmt(v, 2)}x`;
  const out: RoundTarget[] = [];
  const pub = best("publish-64");
  if (pub > 0)
    out.push({ id: "publish, 64 in flight >= 47k msgs/s", value: pub, format: fmt, met: (v) => v >= 47_000 });
  const jsPub = jsRate("publish-64");
  if (pub > 0 && jsPub)
    out.push({
      id: "publish, 64 in flight >= 1.5x JetStream",
      value: pub / jsPub.msgsPerSec,
      format: ratio,
      met: (v) => v >= 1.5,
    });
  if (bestConsume > 0)
    out.push({ id: "consume + ack >= 75k msgs/s", value: bestConsume, format: fmt, met: (v) => v >= 75_000 });
  if (bestConsume > 0 && jsConsume > 0)
    out.push({
      id: "consume + ack >= JetStream",
      value: bestConsume / jsConsume,
      format: ratio,
      met: (v) => v >= 1,
    });
  for (const [rate, limit] of [
    [5000, 10],
    [1000, 2],
  ] as const) {
    const v = p99(rate);
    const id = `p99 < ${limit} ms at ${fmt(rate)} msgs/s`;
    if (typeof v === "string") out.push({ id, value: v, met: false });
    else if (v !== undefined)
      out.push({ id, value: v, format: (x) => `${fmt(x, 2)} ms`, met: (x) => x < limit });
  }
  if (base && unary)
    out.push({
      id: "unary path >= 90% of raw grpc-js (64 in flight)",
      value: (100 * unary.msgsPerSec) / base.msgsPerSec,
      format: (v) => `${fmt(v)}%`,
      met: (v) => v >= 90,
    });
  return out;
}

/** Issue 12's targets: the per-round ones as medians over rounds, then the backlog's (measured once). */
export function targets(results: RunResults): TargetResult[] {
  const out: TargetResult[] = acrossRounds(results, roundTargets).map((g) => {
    const values = g.map((e) => e.value);
    const missing = g.filter((e) => typeof e.value === "string");
    const first = g[0]!;
    if (missing.length > 0 || typeof first.value === "string") {
      const m = missing[0] as { value: string; met: boolean };
      const text =
        missing.length < g.length ? `${missing.length} of ${g.length} rounds: ${m.value}` : m.value;
      return { target: first.id, text, range: "", met: m.met, values };
    }
    const s = spread(values as number[]);
    const { format, met } = first as { format: (v: number) => string; met: (v: number) => boolean };
    return {
      target: first.id,
      text: format(s.median),
      range: g.length > 1 ? `${format(s.min)} - ${format(s.max)}` : "",
      met: met(s.median),
      values,
    };
  });
  const b = results.backlog;
  if (b?.writeRss.max !== undefined && b.readRss.max !== undefined) {
    const max = Math.max(b.writeRss.max, b.readRss.max);
    out.push({
      target: `broker RSS flat over a ${fmt(b.count)}-message backlog`,
      text: `max ${mb(max)} MB`,
      range: "",
      met: undefined,
      values: [max],
    });
    const gb = b.dataBytes / 1e9;
    const perGb = (b.restartMs - b.emptyStartMs) / 1000 / gb;
    const target = "restart recovery < 2 s per GB";
    out.push(
      b.dataBytes < MEANINGFUL_LOG_BYTES
        ? { target, text: `n/a (${fmt(gb, 3)} GB is too little log)`, range: "", met: undefined, values: [] }
        : { target, text: `${fmt(perGb, 2)} s/GB`, range: "", met: perGb < 2, values: [perGb] },
    );
  }
  return out;
}

export interface RoundsSummary {
  rounds: number[];
  throughput: ThroughputGroup[];
  comparisons: Comparison[];
  baseline: BaselineComparison[];
  targets: TargetResult[];
}

/** Everything the report takes from the rows, for the JSON file. */
export function summarizeRounds(results: RunResults): RoundsSummary {
  return {
    rounds: roundsIn(results),
    throughput: throughputGroups(results.throughput),
    comparisons: comparisons(results),
    baseline: baselineComparisons(results),
    targets: targets(results),
  };
}
