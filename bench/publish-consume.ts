// `npm run bench`: reliable publish, consume + ack and publish-to-receive latency of 1 KiB messages
// over each client transport, the raw grpc-js unary baseline, NATS JetStream where nats-server is
// installed, the backlog memory and restart recovery figure, CPU per message on both sides, and
// (--profile) a CPU profile summary. Prints markdown (stdout) and writes JSON. See docs/benchmarks.md.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { type ClientOptions, createAdminClient, createClient, type DanubeClient } from "@danube-ts/client";
import { type BenchArgs, parseBenchArgs, type RequestedTransport, usage } from "./args.ts";
import { backlogFigure } from "./backlog.ts";
import { startBenchBroker } from "./bench-broker.ts";
import { baselinePhase, startBaselineServer } from "./grpc-baseline.ts";
import { Meter } from "./meter.ts";
import { JetStreamBench } from "./nats-phases.ts";
import { type JetStreamSync, natsServerVersion, startNatsServer } from "./nats-server.ts";
import { afterWarmup, consumePhase, latencyPhase, publishPhase } from "./phases.ts";
import { InProcessProfiler, readProfiles, summarize } from "./profile.ts";
import { renderMarkdown } from "./report.ts";
import { latencyRow, type RunResults, type System, throughputRow } from "./results.ts";
import { fmt } from "./stats.ts";

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Runs one figure; a failure is reported under "skipped" and the run goes on. */
async function figure(results: RunResults, label: string, measure: () => Promise<void>): Promise<void> {
  log(`${label} ...`);
  try {
    await measure();
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
    log(`${label}: FAILED: ${message}`);
    results.skipped.push(`${label}: failed (${message})`);
  }
}

/**
 * Client options selecting a transport. `transport` is the shared option of the streaming
 * extension (ClientOptions.transport); before it is merged the client ignores it, hence the loose type.
 */
function clientOptions(transport: RequestedTransport): Omit<ClientOptions, "serviceUrl"> {
  const options: Omit<ClientOptions, "serviceUrl"> & { transport?: RequestedTransport } = { transport };
  return options;
}

async function danubeFigures(args: BenchArgs, results: RunResults, run: string): Promise<void> {
  const profileDir = args.profile ? await mkdtemp(join(tmpdir(), "danube-bench-prof-")) : undefined;
  const broker = await startBenchBroker({
    inProcess: args.inProcess,
    metrics: true,
    ...(profileDir !== undefined ? { profileDir } : {}),
  });
  results.meta.broker = broker.description;
  const admin = createAdminClient({ adminUrl: broker.adminUrl });
  const profiler = args.profile ? new InProcessProfiler() : undefined;
  await profiler?.start();
  try {
    for (const transport of args.transports) {
      const client: DanubeClient = createClient({ serviceUrl: broker.url, ...clientOptions(transport) });
      const topic = (name: string) => `/default/bench-${name}-${transport}-${run}`;
      try {
        if (args.only.has("publish")) {
          for (const inFlight of args.inFlight) {
            await figure(results, `danube ${transport}: publish, ${inFlight} in flight`, async () => {
              const meter = new Meter(broker);
              const r = await publishPhase(client, {
                topic: topic(`pub-${inFlight}`),
                count: args.count,
                capMs: args.capMs,
                inFlight,
                meter,
              });
              const row = throughputRow(
                `publish-${inFlight}`,
                `publish, ${inFlight} in flight`,
                "danube",
                transport,
                r,
                meter.result,
                args.capMs,
              );
              results.throughput.push(row);
            });
          }
        }
        if (args.only.has("consume")) {
          for (const window of args.windows) {
            await figure(results, `danube ${transport}: consume + ack, window ${window}`, async () => {
              const meter = new Meter(broker);
              const r = await consumePhase(client, {
                topic: topic(`con-${window}`),
                count: args.count,
                capMs: args.capMs,
                admin,
                window,
                meter,
              });
              results.throughput.push(
                throughputRow(
                  `consume-w${window}`,
                  `consume + ack, window ${window}`,
                  "danube",
                  transport,
                  r,
                  meter.result,
                  args.capMs,
                ),
              );
            });
          }
        }
        if (args.only.has("latency")) {
          for (const rate of args.rates) {
            await figure(results, `danube ${transport}: latency at ${fmt(rate)} msgs/s`, async () => {
              const meter = new Meter(broker);
              const warmup = Math.ceil(rate * args.warmupSeconds);
              const run = await latencyPhase(client, {
                topic: topic(`lat-${rate}`),
                count: warmup + Math.ceil(rate * args.latencySeconds),
                capMs: args.capMs,
                rate,
                meter,
              });
              const r = afterWarmup(run, warmup);
              results.latency.push(latencyRow("danube", transport, r, meter.result));
            });
          }
        }
      } finally {
        await client.close();
      }
    }
  } finally {
    const clientProfile = await profiler?.stop();
    await admin.close();
    await broker.close();
    if (profileDir !== undefined && clientProfile !== undefined) {
      const add = (side: "client" | "broker", source: string, profile: Parameters<typeof summarize>[0]) => {
        const summary = summarize(profile);
        results.profile.push({ side, source, busySeconds: summary.busyMicros / 1e6, summary });
      };
      add("client", "bench process (node:inspector)", clientProfile);
      for (const { file, profile } of await readProfiles(profileDir)) {
        // --cpu-prof names files CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is main.
        const thread = file.split(".").at(-3);
        add("broker", thread === "0" ? "broker main thread" : `broker worker thread ${thread}`, profile);
      }
      await writeFile(join(profileDir, "client.cpuprofile"), JSON.stringify(clientProfile));
      log(`profiles kept in ${profileDir} (open in Chrome DevTools)`);
    }
  }
}

async function baselineFigures(args: BenchArgs, results: RunResults): Promise<void> {
  const server = await startBaselineServer();
  try {
    for (const inFlight of args.inFlight) {
      await figure(results, `raw grpc-js unary: ${inFlight} in flight`, async () => {
        const meter = new Meter(server);
        const r = await baselinePhase(server, { count: args.count, capMs: args.capMs, inFlight, meter });
        results.throughput.push(
          throughputRow(
            `baseline-${inFlight}`,
            `unary calls, ${inFlight} in flight`,
            "grpc-js",
            undefined,
            r,
            meter.result,
            args.capMs,
          ),
        );
      });
    }
  } finally {
    await server.close();
  }
}

async function natsFigures(args: BenchArgs, results: RunResults, run: string): Promise<void> {
  const version = natsServerVersion(args.natsServer);
  if (version === undefined) {
    results.meta.nats = "not run";
    results.skipped.push(`JetStream: no ${args.natsServer} binary (Debian: apt-get install nats-server)`);
    return;
  }
  const ran: string[] = [];
  for (const sync of ["default", "always"] as JetStreamSync[]) {
    const sys: System = sync === "default" ? "jetstream" : "jetstream-sync-always";
    let server: Awaited<ReturnType<typeof startNatsServer>>;
    try {
      server = await startNatsServer(sync, args.natsServer);
    } catch (err) {
      results.skipped.push(
        `JetStream with sync ${sync}: nats-server ${version} refused it (${err instanceof Error ? err.message : String(err)})`,
      );
      continue;
    }
    ran.push(sync === "default" ? "default sync (fsync every 2 min)" : "sync_interval: always");
    const js = await JetStreamBench.connect(server.url);
    const name = (figure: string) => `bench-${figure}-${sync}-${run}`;
    try {
      if (args.only.has("publish")) {
        for (const inFlight of args.inFlight) {
          await figure(results, `JetStream ${sync}: publish, ${inFlight} in flight`, async () => {
            const meter = new Meter(server);
            const r = await js.publish({
              name: name(`pub-${inFlight}`),
              count: args.count,
              capMs: args.capMs,
              inFlight,
              meter,
            });
            results.throughput.push(
              throughputRow(
                `publish-${inFlight}`,
                `publish, ${inFlight} in flight`,
                sys,
                undefined,
                r,
                meter.result,
                args.capMs,
              ),
            );
          });
        }
      }
      if (args.only.has("consume")) {
        for (const window of args.windows) {
          await figure(results, `JetStream ${sync}: consume + ack, max_ack_pending ${window}`, async () => {
            const meter = new Meter(server);
            const r = await js.consume({
              name: name(`con-${window}`),
              count: args.count,
              capMs: args.capMs,
              window,
              meter,
            });
            results.throughput.push(
              throughputRow(
                `consume-w${window}`,
                `consume + ack, window ${window}`,
                sys,
                undefined,
                r,
                meter.result,
                args.capMs,
              ),
            );
          });
        }
      }
      if (args.only.has("latency")) {
        for (const rate of args.rates) {
          await figure(results, `JetStream ${sync}: latency at ${fmt(rate)} msgs/s`, async () => {
            const meter = new Meter(server);
            const warmup = Math.ceil(rate * args.warmupSeconds);
            const run = await js.latency({
              name: name(`lat-${rate}`),
              count: warmup + Math.ceil(rate * args.latencySeconds),
              capMs: args.capMs,
              rate,
              window: 1000,
              meter,
            });
            const r = afterWarmup(run, warmup);
            results.latency.push(latencyRow(sys, undefined, r, meter.result));
          });
        }
      }
    } finally {
      await js.close();
      await server.close();
    }
  }
  results.meta.nats = `nats-server ${version}, file storage, ${ran.join(" and ") || "not run"}`;
}

async function main(): Promise<number> {
  let args: BenchArgs | "help";
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${usage}\n`);
    return 2;
  }
  if (args === "help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (args.render !== undefined) {
    const earlier = JSON.parse(await readFile(args.render, "utf8")) as RunResults;
    process.stdout.write(`${renderMarkdown(earlier)}\n`);
    return 0;
  }
  const run = Date.now().toString(36);
  const results: RunResults = {
    meta: {
      date: new Date().toISOString(),
      machine: `${availableParallelism()} CPUs (${cpus()[0]?.model ?? "unknown CPU"}), ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM`,
      node: process.version,
      broker: "not run",
      nats: "not run",
      settings:
        `reliable topics, fsync before every receipt (broker default), 1 KiB payloads, one client process; ` +
        `throughput figures up to ${fmt(args.count)} messages or ${args.capMs / 1000} s; latency ` +
        `${args.latencySeconds} s per rate after ${args.warmupSeconds} s of warm-up at that rate; acks pipelined (256 in flight)`,
      argv: process.argv.slice(2),
    },
    throughput: [],
    latency: [],
    backlog: undefined,
    profile: [],
    skipped: [],
  };
  const danube = ["publish", "consume", "latency"].some((f) => args.only.has(f as "publish"));
  if (danube) await danubeFigures(args, results, run);
  if (args.only.has("baseline")) await baselineFigures(args, results);
  if (args.only.has("nats") && danube) await natsFigures(args, results, run);
  if (args.only.has("backlog")) {
    if (args.inProcess)
      results.skipped.push("backlog: needs the broker as a child process (no --in-process)");
    else {
      await figure(results, `backlog of ${fmt(args.backlog)} messages`, async () => {
        results.backlog = await backlogFigure({
          count: args.backlog,
          capMs: args.backlogCapMs,
          clientOptions: clientOptions("auto"),
          log,
        });
      });
    }
  }
  const markdown = renderMarkdown(results);
  process.stdout.write(`${markdown}\n`);
  const jsonPath = args.json ?? join(tmpdir(), `danube-bench-${run}.json`);
  await writeFile(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  log(`JSON written to ${jsonPath}`);
  return 0;
}

process.exitCode = await main();
// Nothing else should be left running; leave even if a library keeps a handle open.

setTimeout(() => process.exit(), 2000).unref();
