// The danube latency figure, and its rows without fdatasync: the same figure against a second
// broker whose fdatasync returns at once (bench/no-fsync.mjs), to show what the disk adds to the
// latency. Those rows are never checked against a target.
import { createClient, type DanubeClient } from "@danube-ts/client";
import type { BenchArgs, RequestedTransport } from "./args.ts";
import { startBenchBroker } from "./bench-broker.ts";
import { Meter, type ServerProbe } from "./meter.ts";
import { afterWarmup, latencyPhase } from "./phases.ts";
import type { RunResults } from "./results.ts";
import { latencyRow } from "./results.ts";
import { fmt } from "./stats.ts";
import { type Closable, clientOptions, Lazy, measured, type Row } from "./systems.ts";

/** What one danube latency figure measures, and against what. */
export interface LatencyFigure {
  system: "danube" | "danube-no-fsync";
  transport: RequestedTransport;
  /** The broker (its CPU is metered). */
  server: () => Promise<ServerProbe>;
  client: () => Promise<DanubeClient>;
  rate: number;
  topic: string;
  round: number;
}

/** One publish-to-receive latency figure of a danube broker at `rate`, after the warm-up. */
export async function latencyFigure(
  { system, transport, server, client, rate, topic, round }: LatencyFigure,
  args: BenchArgs,
): Promise<Row> {
  const meter = new Meter(await server());
  const warmup = Math.ceil(rate * args.warmupSeconds);
  const run = await latencyPhase(await client(), {
    topic,
    count: warmup + Math.ceil(rate * args.latencySeconds),
    capMs: args.capMs,
    rate,
    meter,
  });
  const row = latencyRow(system, transport, afterWarmup(run, warmup), meter.result);
  return { kind: "latency", row: { ...row, round } };
}

/** Adds a latency unit of `group` needing `needs` (as its own system); `unit` gets its round and label prefix. */
type AddLatency = (
  group: string,
  needs: Closable[],
  unit: (round: number, prefix: string) => Promise<Row | undefined>,
) => void;

/**
 * With `--only nofsync`, one latency unit per rate against a broker without fdatasync, over the
 * stream transport (else the first one asked for); returns the systems to close.
 */
export function noFsyncUnits(args: BenchArgs, results: RunResults, run: string, add: AddLatency): Closable[] {
  if (!args.only.has("nofsync")) return [];
  if (args.inProcess) {
    results.skipped.push("nofsync: needs the broker as a child process (no --in-process)");
    return [];
  }
  const transport: RequestedTransport = args.transports.includes("stream") ? "stream" : args.transports[0]!;
  const broker = new Lazy(
    async () => startBenchBroker({ metrics: true, noFsync: true }),
    (b) => b.close(),
    (b) => b.collectGarbage(),
  );
  const client = new Lazy<DanubeClient>(
    async () => createClient({ serviceUrl: (await broker.get())!.url, ...clientOptions(transport) }),
    (c) => c.close(),
  );
  for (const rate of args.rates) {
    add(`r${rate}`, [client, broker], (round, prefix) =>
      measured(results, `${prefix}danube ${transport}, fdatasync off: latency at ${fmt(rate)} msgs/s`, () =>
        latencyFigure(
          {
            system: "danube-no-fsync",
            transport,
            server: async () => (await broker.get())!,
            client: async () => (await client.get())!,
            rate,
            topic: `/default/bench-lat-${rate}-nofsync-${run}-r${round}`,
            round,
          },
          args,
        ),
      ),
    );
  }
  return [client, broker];
}
