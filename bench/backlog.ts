// The memory and recovery figure: a dedicated broker takes a backlog of `count` x 1 KiB reliable
// messages while its RSS is sampled; it is then stopped and restarted on the same data dir (time
// of startBroker() to ready, against an empty dir), and the backlog is read and acked
// while RSS is sampled again.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ClientOptions, createAdminClient, createClient } from "@danube-ts/client";
import { startBenchBroker } from "./bench-broker.ts";
import { Meter } from "./meter.ts";
import { drain, windowedConsumer, writeBacklog } from "./phases.ts";
import { type RssSummary, sampleRss } from "./proc.ts";

export interface BacklogResult {
  count: number;
  written: number;
  writeSeconds: number;
  read: number;
  readSeconds: number;
  /** RSS of the broker while the backlog is written, and (after the restart) read. */
  writeRss: RssSummary;
  readRss: RssSummary;
  /** Bytes in the data dir at the restart (log segments and metadata). */
  dataBytes: number;
  /** startBroker() until ready (listening), on an empty data dir and on the full one (faster of two), ms. */
  emptyStartMs: number;
  restartMs: number;
  /** The restarted broker process: spawn to its listening line (node and module loading included), ms. */
  processRestartMs: number;
  writeCpu: { clientMicros: number; serverMicros: number | undefined };
  readCpu: { clientMicros: number; serverMicros: number | undefined };
}

const startTimer = fileURLToPath(new URL("./start-timer.ts", import.meta.url));

/** ms that startBroker() takes on `dataDir`, measured in a child process. */
function timeStart(dataDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...process.execArgv, startTimer, dataDir],
      { timeout: 600_000 },
      (err, stdout, stderr) => {
        const match = /ready (\S+)/.exec(stdout);
        if (err || !match) reject(new Error(`start timer failed: ${err?.message ?? ""} ${stderr}`));
        else resolve(Number(match[1]));
      },
    );
  });
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await dirBytes(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

export async function backlogFigure(opts: {
  count: number;
  capMs: number;
  clientOptions: Omit<ClientOptions, "serviceUrl">;
  log: (line: string) => void;
}): Promise<BacklogResult> {
  const topic = `/default/bench-backlog-${Date.now().toString(36)}`;
  const first = await startBenchBroker({});
  let restarted: Awaited<ReturnType<typeof startBenchBroker>> | undefined;
  try {
    const pid = first.pid!;
    // Written.
    let client = createClient({ serviceUrl: first.url, ...opts.clientOptions });
    let admin = createAdminClient({ adminUrl: first.adminUrl });
    const subscribed = await windowedConsumer(client, admin, topic, 1000);
    await subscribed.close();
    opts.log(`backlog: writing ${opts.count.toLocaleString("en-US")} messages ...`);
    const writeMeter = new Meter(first);
    const writeRss = sampleRss(pid);
    await writeMeter.start();
    const writeStarted = performance.now();
    const written = await writeBacklog(client, topic, opts.count, writeStarted + opts.capMs);
    const writeSeconds = (performance.now() - writeStarted) / 1000;
    const writeCpu = await writeMeter.stop();
    const writeSamples = writeRss.stop();
    await client.close();
    await admin.close();
    await first.stop();

    // Restarted on the same data dir.
    const dataBytes = await dirBytes(first.dataDir);
    // startBroker() alone (modules loaded first), on an empty dir and twice on the full one.
    const empty = await mkdtemp(join(tmpdir(), "danube-bench-empty-"));
    const emptyStartMs = await timeStart(empty).finally(() => rm(empty, { recursive: true, force: true }));
    opts.log(`backlog: restarting on ${(dataBytes / 1e9).toFixed(2)} GB of data ...`);
    const restartMs = Math.min(await timeStart(first.dataDir), await timeStart(first.dataDir));
    restarted = await startBenchBroker({ dataDir: first.dataDir });
    const processRestartMs = restarted.readyMs!;

    // Read.
    opts.log("backlog: reading ...");
    client = createClient({ serviceUrl: restarted.url, ...opts.clientOptions });
    admin = createAdminClient({ adminUrl: restarted.adminUrl });
    const consumer = await windowedConsumer(client, admin, topic, 1000);
    const readMeter = new Meter(restarted);
    const readRss = sampleRss(restarted.pid!);
    await readMeter.start();
    const readStarted = performance.now();
    const { received, lastAt } = await drain(consumer, written, readStarted + opts.capMs, () => {});
    const readCpu = await readMeter.stop();
    const readSamples = readRss.stop();
    await consumer.close();
    await client.close();
    await admin.close();
    return {
      count: opts.count,
      written,
      writeSeconds,
      read: received,
      readSeconds: (lastAt - readStarted) / 1000,
      writeRss: writeSamples,
      readRss: readSamples,
      dataBytes,
      emptyStartMs,
      restartMs,
      processRestartMs,
      writeCpu,
      readCpu,
    };
  } finally {
    await restarted?.stop();
    await first.close();
  }
}
