// The memory and recovery figure: a dedicated broker takes a backlog of `count` x 1 KiB reliable
// messages while its RSS is sampled; it is then stopped and restarted on the same data dir (time
// to ready, against a start on an empty dir), and the backlog is read and acked
// while RSS is sampled again.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
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
  /** Spawn to listening, on an empty data dir and on the full one, ms (faster of two starts each). */
  emptyStartMs: number;
  restartMs: number;
  writeCpu: { clientMicros: number; serverMicros: number | undefined };
  readCpu: { clientMicros: number; serverMicros: number | undefined };
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
    // The start cost without data (node, module loading), from a warm module cache; each start
    // is timed twice and the faster kept, as start times vary by a second on a busy machine.
    let emptyStartMs = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 2; i++) {
      const empty = await startBenchBroker({});
      emptyStartMs = Math.min(emptyStartMs, empty.readyMs!);
      await empty.close();
    }
    opts.log(`backlog: restarting on ${(dataBytes / 1e9).toFixed(2)} GB of data ...`);
    let restartMs = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 2; i++) {
      await restarted?.stop();
      restarted = await startBenchBroker({ dataDir: first.dataDir });
      restartMs = Math.min(restartMs, restarted.readyMs!);
    }
    if (restarted === undefined) throw new Error("unreachable: the broker was restarted");

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
      writeCpu,
      readCpu,
    };
  } finally {
    await restarted?.stop();
    await first.close();
  }
}
