// The figures of `npm run bench` as units, one figure of one system each (danube per transport,
// danube without fdatasync, the raw grpc-js baseline, JetStream per sync setting), over systems
// opened on first use and closed after their last unit; and the run of those units over `--rounds`.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAdminClient, createClient, type DanubeClient } from "@danube-ts/client";
import type { BenchArgs, RequestedTransport } from "./args.ts";
import { startBenchBroker } from "./bench-broker.ts";
import { type BaselineServer, baselinePhase, startBaselineServer } from "./grpc-baseline.ts";
import { latencyFigure, noFsyncUnits } from "./latency-units.ts";
import { Meter, type Metered } from "./meter.ts";
import { JetStreamBench } from "./nats-phases.ts";
import { type JetStreamSync, natsServerVersion, startNatsServer } from "./nats-server.ts";
import { afterWarmup, consumePhase, type PhaseResult, type PipelineOptions, publishPhase } from "./phases.ts";
import { InProcessProfiler, readProfiles, summarize } from "./profile.ts";
import type { RunResults, System } from "./results.ts";
import { latencyRow, throughputRow } from "./results.ts";
import { roundOrder, type Schedulable } from "./rounds.ts";
import { settleDisk } from "./settle-disk.ts";
import { fmt } from "./stats.ts";
import { type Closable, clientOptions, Lazy, log, measured, type Row } from "./systems.ts";

/** The options of a publish or raw grpc-js figure (timed, after a timed warm-up). */
function pipelineOptions(args: BenchArgs, inFlight: number, meter: Meter): PipelineOptions {
  return {
    count: args.count,
    durationMs: args.publishSeconds * 1000,
    inFlight,
    warmupMs: args.publishWarmupSeconds * 1000,
    meter,
  };
}

/** JetStream's systems: the server's default sync, and `sync_interval: always` where accepted. */
const JETSTREAM_SYNCS: readonly JetStreamSync[] = ["default", "always"];

type RunningNats = { started: Awaited<ReturnType<typeof startNatsServer>>; js: JetStreamBench };

export interface Unit extends Schedulable {
  /** Position in the one-round order (system by system); rows are listed in it. */
  order: number;
  /** The systems it uses, dependents first (a client before its broker). */
  needs: Closable[];
  /** Measures the figure; undefined when its system is not available or it failed (reported). */
  run(round: number): Promise<Row | undefined>;
}

/** Throughput figures of every system share these keys (the ratio tables pair rows by key). */
const publishFigure = (inFlight: number) => ({
  key: `publish-${inFlight}`,
  label: `publish, ${inFlight} in flight`,
});
const consumeFigure = (window: number) => ({
  key: `consume-w${window}`,
  label: `consume + ack, window ${window}`,
});

/** Every unit of the run in the one-round order, and every system in the order to close them. */
export function benchUnits(
  args: BenchArgs,
  results: RunResults,
  run: string,
): { units: Unit[]; systems: Closable[] } {
  const units: Unit[] = [];
  const groupOf = new Map<string, number>();
  for (const n of args.inFlight) groupOf.set(`n${n}`, groupOf.size);
  for (const w of args.windows) groupOf.set(`w${w}`, groupOf.size);
  for (const r of args.rates) groupOf.set(`r${r}`, groupOf.size);
  const add = (
    group: string,
    system: number,
    latency: boolean,
    needs: Closable[],
    run: Unit["run"],
    last = false,
  ) => units.push({ order: units.length, group: groupOf.get(group)!, system, latency, last, needs, run });
  const prefix = (round: number) => (args.rounds > 1 ? `round ${round}: ` : "");
  const withRound = <T extends { round?: number }>(row: T, round: number) => ({ ...row, round });
  /** A throughput figure's row in `round`; `figure` (key and label) pairs the systems' rows. */
  const throughput = (
    round: number,
    figure: { key: string; label: string },
    system: System,
    transport: RequestedTransport | undefined,
    r: PhaseResult,
    metered: Metered | undefined,
  ) => {
    const row = throughputRow(figure.key, figure.label, system, transport, r, metered, args.capMs);
    return { kind: "throughput", row: withRound(row, round) } as const;
  };

  // danube, one client per transport on one broker.
  const danube = ["publish", "consume", "latency"].some((f) => args.only.has(f as "publish"));
  const broker = new Lazy(
    async () => {
      const dir = args.profile ? await mkdtemp(join(tmpdir(), "danube-bench-prof-")) : undefined;
      const b = await startBenchBroker({
        inProcess: args.inProcess,
        metrics: true,
        ...(dir !== undefined ? { profileDir: dir } : {}),
      });
      results.meta.broker = b.description;
      const profiler = args.profile ? new InProcessProfiler() : undefined;
      await profiler?.start();
      return { b, admin: createAdminClient({ adminUrl: b.adminUrl }), profiler, dir };
    },
    async ({ b, admin, profiler, dir }) => {
      const clientProfile = await profiler?.stop();
      await admin.close();
      await b.close();
      if (dir === undefined || clientProfile === undefined) return;
      const addProfile = (
        side: "client" | "broker",
        source: string,
        profile: Parameters<typeof summarize>[0],
      ) => {
        const summary = summarize(profile);
        results.profile.push({ side, source, busySeconds: summary.busyMicros / 1e6, summary });
      };
      addProfile("client", "bench process (node:inspector)", clientProfile);
      for (const { file, profile } of await readProfiles(dir)) {
        // --cpu-prof names files CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is main.
        const thread = file.split(".").at(-3);
        addProfile(
          "broker",
          thread === "0" ? "broker main thread" : `broker worker thread ${thread}`,
          profile,
        );
      }
      await writeFile(join(dir, "client.cpuprofile"), JSON.stringify(clientProfile));
      log(`profiles kept in ${dir} (open in Chrome DevTools)`);
    },
    ({ b }) => b.collectGarbage(),
  );
  const clients: Closable[] = [];
  if (danube) {
    args.transports.forEach((transport, t) => {
      const system = 1 + t;
      const client = new Lazy<DanubeClient>(
        async () => createClient({ serviceUrl: (await broker.get())!.b.url, ...clientOptions(transport) }),
        (c) => c.close(),
      );
      clients.push(client);
      const needs: Closable[] = [client, broker];
      const topic = (name: string, round: number) => `/default/bench-${name}-${transport}-${run}-r${round}`;
      const label = (round: number, what: string) => `${prefix(round)}danube ${transport}: ${what}`;
      if (args.only.has("publish")) {
        for (const inFlight of args.inFlight) {
          add(`n${inFlight}`, system, false, needs, (round) =>
            measured(results, label(round, `publish, ${inFlight} in flight`), async () => {
              const { b } = (await broker.get())!;
              const meter = new Meter(b);
              const r = await publishPhase((await client.get())!, {
                topic: topic(`pub-${inFlight}`, round),
                ...pipelineOptions(args, inFlight, meter),
              });
              return throughput(round, publishFigure(inFlight), "danube", transport, r, meter.result);
            }),
          );
        }
      }
      if (args.only.has("consume")) {
        for (const window of args.windows) {
          add(`w${window}`, system, false, needs, (round) =>
            measured(results, label(round, `consume + ack, window ${window}`), async () => {
              const { b, admin } = (await broker.get())!;
              const meter = new Meter(b);
              const r = await consumePhase((await client.get())!, {
                topic: topic(`con-${window}`, round),
                count: args.consumeCount,
                capMs: args.capMs,
                admin,
                window,
                meter,
              });
              return throughput(round, consumeFigure(window), "danube", transport, r, meter.result);
            }),
          );
        }
      }
      if (args.only.has("latency")) {
        for (const rate of args.rates) {
          add(
            `r${rate}`,
            system,
            true,
            needs,
            (round) =>
              measured(results, label(round, `latency at ${fmt(rate)} msgs/s`), () =>
                latencyFigure(
                  {
                    system: "danube",
                    transport,
                    server: async () => (await broker.get())!.b,
                    client: async () => (await client.get())!,
                    rate,
                    topic: topic(`lat-${rate}`, round),
                    round,
                  },
                  args,
                ),
              ),
            // Upstream's unary path cannot keep up at 5,000 msgs/s: its latency figures run last.
            transport === "unary",
          );
        }
      }
    });
  }

  // The latency figures again against a broker without fdatasync (bench/latency-units.ts), as
  // the system after the danube transports and the JetStream syncs.
  const noFsyncSystem = 1 + args.transports.length + JETSTREAM_SYNCS.length;
  const noFsyncSystems = noFsyncUnits(args, results, run, (group, needs, unit) =>
    add(group, noFsyncSystem, true, needs, (round) => unit(round, prefix(round))),
  );

  // The raw grpc-js baseline, first in a round's order: next to the unary path it is compared with.
  const baseline = new Lazy<BaselineServer>(
    startBaselineServer,
    (s) => s.close(),
    (s) => s.collectGarbage(),
  );
  if (args.only.has("baseline")) {
    for (const inFlight of args.inFlight) {
      add(`n${inFlight}`, 0, false, [baseline], (round) =>
        measured(results, `${prefix(round)}raw grpc-js unary: ${inFlight} in flight`, async () => {
          const server = (await baseline.get())!;
          const meter = new Meter(server);
          const r = await baselinePhase(server, pipelineOptions(args, inFlight, meter));
          return throughput(
            round,
            { key: `baseline-${inFlight}`, label: `unary calls, ${inFlight} in flight` },
            "grpc-js",
            undefined,
            r,
            meter.result,
          );
        }),
      );
    }
  }

  // JetStream, with the server's default sync and with `sync_interval: always` where it accepts it.
  const nats: Closable[] = [];
  if (args.only.has("nats") && danube) {
    let version: string | undefined | null = null;
    const ran: string[] = [];
    JETSTREAM_SYNCS.forEach((sync, s) => {
      const sys: System = sync === "default" ? "jetstream" : "jetstream-sync-always";
      const system = 1 + args.transports.length + s;
      const server = new Lazy<RunningNats>(
        async () => {
          if (version === null) {
            version = natsServerVersion(args.natsServer);
            if (version === undefined) {
              results.meta.nats = "not run";
              results.skipped.push(
                `JetStream: no ${args.natsServer} binary (Debian: apt-get install nats-server)`,
              );
            }
          }
          if (version === undefined) return undefined;
          const why = (err: unknown) => (err instanceof Error ? err.message : String(err));
          try {
            const started = await startNatsServer(sync, args.natsServer).catch((err: unknown) => {
              throw new Error(`nats-server ${version} refused it (${why(err)})`);
            });
            const js = await JetStreamBench.connect(started.url).catch(async (err: unknown) => {
              await started.close();
              throw new Error(`the client could not connect to nats-server ${version} (${why(err)})`);
            });
            ran.push(sync === "default" ? "default sync (fsync every 2 min)" : "sync_interval: always");
            return { started, js };
          } catch (err) {
            results.skipped.push(`JetStream with sync ${sync}: ${why(err)}`);
            return undefined;
          } finally {
            results.meta.nats = `nats-server ${version}, file storage, ${ran.join(" and ") || "not run"}`;
          }
        },
        async ({ started, js }) => {
          await js.close();
          await started.close();
        },
      );
      nats.push(server);
      const name = (figure: string, round: number) => `bench-${figure}-${sync}-${run}-r${round}`;
      const label = (round: number, what: string) => `${prefix(round)}JetStream ${sync}: ${what}`;
      /** Runs `measure` when this server is available. */
      const ifRunning =
        <T>(round: number, what: string, measure: (n: RunningNats) => Promise<T>) =>
        async () => {
          const n = await server.get();
          return n === undefined ? undefined : measured(results, label(round, what), () => measure(n));
        };
      if (args.only.has("publish")) {
        for (const inFlight of args.inFlight) {
          add(`n${inFlight}`, system, false, [server], (round) =>
            ifRunning(round, `publish, ${inFlight} in flight`, async ({ started, js }) => {
              const meter = new Meter(started);
              const r = await js.publish({
                name: name(`pub-${inFlight}`, round),
                ...pipelineOptions(args, inFlight, meter),
              });
              return throughput(round, publishFigure(inFlight), sys, undefined, r, meter.result);
            })(),
          );
        }
      }
      if (args.only.has("consume")) {
        for (const window of args.windows) {
          add(`w${window}`, system, false, [server], (round) =>
            ifRunning(round, `consume + ack, max_ack_pending ${window}`, async ({ started, js }) => {
              const meter = new Meter(started);
              const r = await js.consume({
                name: name(`con-${window}`, round),
                count: args.consumeCount,
                capMs: args.capMs,
                window,
                meter,
              });
              return throughput(round, consumeFigure(window), sys, undefined, r, meter.result);
            })(),
          );
        }
      }
      if (args.only.has("latency")) {
        for (const rate of args.rates) {
          add(`r${rate}`, system, true, [server], (round) =>
            ifRunning(round, `latency at ${fmt(rate)} msgs/s`, async ({ started, js }) => {
              const meter = new Meter(started);
              const warmup = Math.ceil(rate * args.warmupSeconds);
              const run = await js.latency({
                name: name(`lat-${rate}`, round),
                count: warmup + Math.ceil(rate * args.latencySeconds),
                capMs: args.capMs,
                rate,
                window: 1000,
                meter,
              });
              const r = afterWarmup(run, warmup);
              return {
                kind: "latency",
                row: withRound(latencyRow(sys, undefined, r, meter.result), round),
              } as const;
            })(),
          );
        }
      }
    });
  }
  return { units, systems: [...clients, broker, ...noFsyncSystems, baseline, ...nats] };
}

/**
 * Runs the units over `args.rounds` (see roundOrder) and adds their rows to `results`, round by
 * round in the one-round order, each with its round and its place in the run (`seq`). A system is
 * closed after the last unit that needs it, so one round opens and closes them as the bench
 * always did: danube's broker, then the baseline server, then each nats-server.
 */
export async function runRounds(
  args: BenchArgs,
  units: Unit[],
  systems: Closable[],
  results: RunResults,
): Promise<void> {
  const schedule: { round: number; unit: Unit }[] = [];
  for (let round = 1; round <= args.rounds; round++) {
    for (const unit of roundOrder(units, round, args.rounds, args.latencyRounds))
      schedule.push({ round, unit });
  }
  const lastUse = new Map<Closable, number>();
  schedule.forEach(({ unit }, i) => {
    for (const system of unit.needs) lastUse.set(system, i);
  });
  const rows: { round: number; order: number; seq: number; row: Row }[] = [];
  try {
    for (const [seq, { round, unit }] of schedule.entries()) {
      await settleDisk();
      for (const system of systems) await system.collectGarbage?.();
      const row = await unit.run(round);
      if (row !== undefined) rows.push({ round, order: unit.order, seq, row });
      for (const system of unit.needs) if (lastUse.get(system) === seq) await system.close();
    }
  } finally {
    for (const system of systems) await system.close();
  }
  rows.sort((a, b) => a.round - b.round || a.order - b.order);
  for (const { seq, row } of rows) {
    if (row.kind === "throughput") results.throughput.push({ ...row.row, seq });
    else results.latency.push({ ...row.row, seq });
  }
}
