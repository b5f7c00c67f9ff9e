// The broker under test: a `danube broker` child process (default: own event loop, its CPU and
// RSS read from /proc) or in-process. The child runs the same code as the bench (the sources
// when the bench runs with `--conditions=@danube-ts/source --import tsx`, as `npm run bench` does).
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startBroker } from "@danube-ts/broker";
import { brokerNodeFlags } from "../packages/cli/bin/node-flags.mjs";
import { childGarbageCollector, GC_PRELOAD_FLAGS } from "./heap-settle.ts";
import { processCpuMicros } from "./proc.ts";

export interface BenchBroker {
  readonly url: string;
  readonly adminUrl: string;
  /** Prometheus endpoint (used to tell which RPC path a figure took), when enabled. */
  readonly metricsUrl: string | undefined;
  /** Child process id; undefined in-process. */
  readonly pid: number | undefined;
  readonly dataDir: string;
  /** How the broker runs, for the report. */
  readonly description: string;
  /** Broker CPU time so far in µs (child only). */
  cpuMicros(): number | undefined;
  /** Has the broker (child only) run a full garbage collection; false when it did not report one. */
  collectGarbage(): Promise<boolean>;
  /** Stops the broker, keeping its data dir. */
  stop(): Promise<void>;
  /** Stops the broker and removes its data dir. */
  close(): Promise<void>;
}

export interface BenchBrokerOptions {
  inProcess?: boolean;
  /** Reuse this data dir (a restart); default a fresh temp dir removed by close(). */
  dataDir?: string;
  /** Write a V8 CPU profile of the child into this dir when it exits. */
  profileDir?: string;
  /** Serve Prometheus metrics (counts unary RPCs per method). */
  metrics?: boolean;
  /** Child only: fdatasync returns at once (bench/no-fsync.mjs preloaded); for the "nofsync" rows. */
  noFsync?: boolean;
}

const cliBin = fileURLToPath(new URL("../packages/cli/bin/danube.mjs", import.meta.url));
const NO_FSYNC_FLAGS = ["--import", fileURLToPath(new URL("./no-fsync.mjs", import.meta.url))];
const noFsyncLine = /^danube-bench: fdatasync off$/m;
const listening = /^danube broker listening on (\S+) \(admin (\S+?)[,)]/m;
const metricsLine = /Prometheus metrics on (\S+)/;
const START_TIMEOUT_MS = 120_000;

interface Started {
  url: string;
  adminUrl: string;
  metricsUrl: string | undefined;
  child: ChildProcess;
  collectGarbage: () => Promise<boolean>;
  /** ms from spawn to the listening line. */
  readyMs: number;
}

/**
 * The broker's V8 flags, given on the command line only where Node has no process.execve: there
 * `danube broker` cannot re-execute itself with them (packages/cli/bin/node-flags.mjs), so the
 * bench applies them as an operator would, and measures the broker as it runs on newer Node.
 */
function explicitNodeFlags(): string[] {
  return typeof (process as { execve?: unknown }).execve === "function" ? [] : brokerNodeFlags();
}

/** Starts `danube broker` on random ports and waits for its listening line. */
async function childBroker(dataDir: string, opts: BenchBrokerOptions): Promise<Started> {
  const nodeArgs = [...process.execArgv.filter((a) => !a.startsWith("--cpu-prof"))];
  if (opts.profileDir !== undefined) nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${opts.profileDir}`);
  nodeArgs.push(...explicitNodeFlags(), ...GC_PRELOAD_FLAGS);
  if (opts.noFsync) nodeArgs.push(...NO_FSYNC_FLAGS);
  const args = [cliBin, "broker", "--data-dir", dataDir, "--broker-addr", "127.0.0.1:0"];
  args.push("--admin-addr", "127.0.0.1:0", "--log-level", "warn");
  if (opts.metrics) args.push("--prom-exporter", "127.0.0.1:0");
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  // DANUBE_BENCH_BROKER_LOG=<file>: everything the broker prints is appended there too (for
  // example its GC trace, with DANUBE_NODE_FLAGS="--initial-old-space-size=64 --trace-gc").
  const logFile = process.env.DANUBE_BENCH_BROKER_LOG;
  if (logFile) {
    const log = createWriteStream(logFile, { flags: "a" });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    child.on("close", () => log.end());
  }
  child.stderr!.setEncoding("utf8");
  const collectGarbage = childGarbageCollector(child);
  let stdout = "";
  let stderr = "";
  const found = await new Promise<[string, string, string | undefined]>((resolve, reject) => {
    let urls: [string, string] | undefined;
    const settle = () => {
      if (urls === undefined) return;
      if (opts.metrics && !metricsLine.test(stderr)) return;
      if (opts.noFsync && !noFsyncLine.test(stderr)) return; // bench/no-fsync.mjs not loaded (yet)
      clearTimeout(timer);
      resolve([urls[0], urls[1], metricsLine.exec(stderr)?.[1]]);
    };
    const timer = setTimeout(
      () => reject(new Error(`broker did not start in ${START_TIMEOUT_MS / 1000} s:\n${stderr}`)),
      START_TIMEOUT_MS,
    );
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      if (stderr.length < 1 << 16) stderr += chunk;
      settle();
    });
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      if (urls !== undefined) return; // only the listening line is needed
      stdout += chunk;
      const match = listening.exec(stdout);
      if (match !== null && urls === undefined) urls = [match[1]!, match[2]!];
      settle();
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code} before listening:\n${stderr}`));
    });
  });
  const readyMs = performance.now() - started;
  return { url: found[0], adminUrl: found[1], metricsUrl: found[2], child, collectGarbage, readyMs };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Starts a broker; `readyMs` is the time from spawn to its listening line (child only). */
export async function startBenchBroker(
  opts: BenchBrokerOptions = {},
): Promise<BenchBroker & { readyMs: number | undefined }> {
  const owned = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "danube-bench-")));
  const cleanup = () => (owned ? rm(dataDir, { recursive: true, force: true }) : Promise.resolve());
  try {
    if (opts.inProcess) {
      if (opts.noFsync) throw new Error("a broker without fdatasync runs as a child process only");
      const broker = await startBroker({
        dataDir,
        port: 0,
        adminPort: 0,
        logLevel: "warn",
        ...(opts.metrics ? { prometheus: { host: "127.0.0.1", port: 0 } } : {}),
      });
      let stopped = false;
      const stop = async () => {
        if (!stopped) await broker.close();
        stopped = true;
      };
      return {
        url: broker.url,
        adminUrl: broker.adminUrl,
        metricsUrl: broker.metricsUrl,
        pid: undefined,
        dataDir,
        readyMs: undefined,
        description: "in-process (startBroker, shares the bench's CPU and event loop)",
        cpuMicros: () => undefined,
        // The bench process is the client side: see heap-settle.ts for why it is not collected.
        collectGarbage: async () => false,
        stop,
        close: async () => {
          await stop();
          await cleanup();
        },
      };
    }
    const { url, adminUrl, metricsUrl, child, collectGarbage, readyMs } = await childBroker(dataDir, opts);
    const pid = child.pid!;
    return {
      url,
      adminUrl,
      metricsUrl,
      pid,
      dataDir,
      readyMs,
      description: `child process (danube broker, own event loop, node ${brokerNodeFlags().join(" ") || "without flags"}${opts.metrics ? ", Prometheus exporter on" : ""}${opts.noFsync ? ", fdatasync off" : ""})`,
      cpuMicros: () => processCpuMicros(pid),
      collectGarbage,
      stop: () => stopChild(child),
      close: async () => {
        await stopChild(child);
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
