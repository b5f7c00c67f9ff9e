// `npm run bench`: reliable publish, consume + ack and publish-to-receive latency of 1 KiB messages
// over each client transport, the raw grpc-js unary baseline, NATS JetStream where nats-server is
// installed, the backlog memory and restart recovery figure, CPU per message on both sides, and
// (--profile) a CPU profile summary. Prints markdown (stdout) and writes JSON. See docs/benchmarks.md.
import { readFile, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { type BenchArgs, parseBenchArgs, usage } from "./args.ts";
import { backlogFigure } from "./backlog.ts";
import { renderMarkdown } from "./report.ts";
import type { RunResults } from "./results.ts";
import { fmt } from "./stats.ts";
import { summarizeRounds } from "./summary.ts";
import { clientOptions, log, measured } from "./systems.ts";
import { benchUnits, runRounds } from "./units.ts";

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
      settings: settingsLine(args),
      argv: process.argv.slice(2),
      rounds: args.rounds,
    },
    throughput: [],
    latency: [],
    backlog: undefined,
    profile: [],
    skipped: [],
  };
  const { units, systems } = benchUnits(args, results, run);
  await runRounds(args, units, systems, results);
  if (args.only.has("backlog")) {
    if (args.inProcess)
      results.skipped.push("backlog: needs the broker as a child process (no --in-process)");
    else {
      await measured(results, `backlog of ${fmt(args.backlog)} messages`, async () => {
        results.backlog = await backlogFigure({
          count: args.backlog,
          capMs: args.backlogCapMs,
          clientOptions: clientOptions("auto"),
          log,
        });
      });
    }
  }
  if (args.rounds > 1) results.medians = summarizeRounds(results);
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

/** What every figure of this run shares; only the figures that run are described. */
function settingsLine(args: BenchArgs): string {
  const parts = [
    "reliable topics, fsync before every receipt (broker default), 1 KiB payloads, one client process",
    "before each figure, dirty pages written out (sync) and a full garbage collection in the broker and the raw grpc-js server",
  ];
  const cap = `${args.capMs / 1000} s`;
  if (args.only.has("publish") || args.only.has("baseline"))
    parts.push(
      `publish and raw grpc-js figures count ${args.publishSeconds} s (at most ${fmt(args.count)} messages) after ${args.publishWarmupSeconds} s (and at least 200 calls) of warm-up`,
    );
  if (args.only.has("consume"))
    parts.push(
      `consume figures drain a backlog of ${fmt(args.consumeCount)} messages (or stop at ${cap}); acks pipelined (256 in flight)`,
    );
  if (args.only.has("latency"))
    parts.push(
      `latency ${args.latencySeconds} s per rate after ${args.warmupSeconds} s of warm-up at that rate`,
    );
  if (args.only.has("nofsync"))
    parts.push(
      "rows without fdatasync: the latency figures against a second broker whose fdatasync returns at once (bench/no-fsync.mjs), to show what the disk adds; never a target row",
    );
  return parts.join("; ");
}
