// The figures of one run, as written to the JSON file and rendered as markdown.
import type { BacklogResult } from "./backlog.ts";
import type { Metered } from "./meter.ts";
import type { LatencyResult, PhaseResult } from "./phases.ts";
import type { ProfileSummary } from "./profile.ts";
import { detectPath, pathLabel } from "./rpc-path.ts";
import { percentile, perMessage, perSecond } from "./stats.ts";
import type { RoundsSummary } from "./summary.ts";

/** danube, the raw grpc-js baseline, or JetStream with its default or `always` sync. */
export type System = "danube" | "danube-no-fsync" | "grpc-js" | "jetstream" | "jetstream-sync-always";

export interface ThroughputRow {
  /** Stable key of the figure: publish-64, consume-w1000, baseline-64, ... */
  key: string;
  figure: string;
  system: System;
  /** danube: the path taken (detected from the broker's RPC counts) or requested. */
  path: string;
  messages: number;
  seconds: number;
  msgsPerSec: number;
  clientUsPerMsg: number | undefined;
  serverUsPerMsg: number | undefined;
  failures: number;
  note: string;
  /** The round (--rounds) it was measured in; absent in files written before rounds (one round). */
  round?: number;
  /** Its place in the run's order (0 first); absent in files written before rounds. */
  seq?: number;
}

export interface LatencyRow {
  key: string;
  system: System;
  path: string;
  offeredRate: number;
  issuedRate: number;
  receiveRate: number;
  issued: number;
  received: number;
  /** ms; publish_time (ms resolution) to receive, danube only. */
  publishToReceive: { p50: number; p99: number } | undefined;
  /** ms; send() call to receive. */
  sendToReceive: { p50: number; p99: number; max: number };
  clientUsPerMsg: number | undefined;
  serverUsPerMsg: number | undefined;
  failures: number;
  note: string;
  round?: number;
  seq?: number;
}

export interface ProfileRow {
  side: "client" | "broker";
  source: string;
  /**
   * Sampled time, idle excluded. The profiler's samples are wall-clock intervals, so on a busy
   * machine this exceeds the CPU time; take the shares, and CPU per message from the rows.
   */
  busySeconds: number;
  summary: ProfileSummary;
}

export interface RunResults {
  meta: {
    date: string;
    machine: string;
    node: string;
    broker: string;
    nats: string;
    settings: string;
    argv: string[];
    /** --rounds; absent in files written before rounds (one round). */
    rounds?: number;
  };
  throughput: ThroughputRow[];
  latency: LatencyRow[];
  backlog: BacklogResult | undefined;
  profile: ProfileRow[];
  skipped: string[];
  /** With more than one round: the medians and ratios the report shows (recomputed from the rows by --render). */
  medians?: RoundsSummary;
}

const pathOf = (
  system: System,
  requested: string | undefined,
  metered: Metered | undefined,
  method: string,
  messages: number,
) =>
  system === "danube" || system === "danube-no-fsync"
    ? pathLabel(requested ?? "auto", detectPath(metered?.rpcBefore, metered?.rpcAfter, method, messages))
    : "";

export function throughputRow(
  key: string,
  figure: string,
  system: System,
  requested: string | undefined,
  r: PhaseResult,
  metered: Metered | undefined,
  capMs: number,
): ThroughputRow {
  const method = key.startsWith("consume") ? "ack" : "send_message";
  const notes = [];
  if (r.capped) notes.push(`time cap hit (${capMs / 1000} s)`);
  if (r.failures > 0) notes.push(`${r.failures} failed`);
  return {
    key,
    figure,
    system,
    path: pathOf(system, requested, metered, method, r.messages),
    messages: r.messages,
    seconds: r.seconds,
    msgsPerSec: perSecond(r.messages, r.seconds),
    clientUsPerMsg: perMessage(metered?.clientMicros, r.messages),
    serverUsPerMsg: perMessage(metered?.serverMicros, r.messages),
    failures: r.failures,
    note: notes.join("; "),
  };
}

export function latencyRow(
  system: System,
  requested: string | undefined,
  r: LatencyResult,
  metered: Metered | undefined,
): LatencyRow {
  const publish = pathOf(system, requested, metered, "send_message", r.issued);
  const ack = pathOf(system, requested, metered, "ack", r.received);
  const notes = [];
  if (r.capped) notes.push("time cap hit");
  if (r.failures > 0) notes.push(`${r.failures} failed`);
  if (r.received < r.issued) notes.push("not all received");
  return {
    key: `latency-${r.offeredRate}`,
    system,
    path: publish === ack ? publish : `publish ${publish}, ack ${ack}`,
    offeredRate: r.offeredRate,
    issuedRate: r.issuedRate,
    receiveRate: r.receiveRate,
    issued: r.issued,
    received: r.received,
    publishToReceive:
      r.publishToReceive.length > 0
        ? { p50: percentile(r.publishToReceive, 50), p99: percentile(r.publishToReceive, 99) }
        : undefined,
    sendToReceive: {
      p50: percentile(r.sendToReceive, 50),
      p99: percentile(r.sendToReceive, 99),
      max: percentile(r.sendToReceive, 100),
    },
    // Per message moved end to end (each was sent and received).
    clientUsPerMsg: perMessage(metered?.clientMicros, r.received),
    serverUsPerMsg: perMessage(metered?.serverMicros, r.received),
    failures: r.failures,
    note: notes.join("; "),
  };
}
