// `npm run bench`: reliable publish and consume throughput and end-to-end latency for 1 KiB
// messages against one broker. Bounded: at most `--count` messages and `--cap-s` seconds per figure.
//
//   npm run bench                      broker as a child process (`danube broker`), the default
//   npm run bench -- --in-process      broker in this process
//   npm run bench -- --count 5000 --cap-s 10 --rate 5000,1000
import { availableParallelism, cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { createAdminClient, createClient } from "@danube-ts/client";
import { startBenchBroker } from "./bench-broker.ts";
import { consumePhase, latencyPhase, PAYLOAD_BYTES, type PhaseResult, publishPhase } from "./phases.ts";
import { fmt, percentile, perSecond } from "./stats.ts";

const { values } = parseArgs({
  options: {
    "in-process": { type: "boolean", default: false },
    count: { type: "string", default: "20000" },
    "cap-s": { type: "string", default: "30" },
    // Offered rates of the latency figure; the second shows latency below saturation.
    rate: { type: "string", default: "5000,1000" },
  },
  strict: true,
});
const count = Number(values.count);
const capMs = Number(values["cap-s"]) * 1000;
const rates = values.rate.split(",").map(Number);
for (const [name, value] of [
  ["count", count],
  ["cap-s", capMs],
  ...rates.map((r) => ["rate", r] as const),
] as const) {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
}

const run = Date.now().toString(36);
const rows: string[][] = [];
const row = (figure: string, r: PhaseResult) =>
  rows.push([
    figure,
    fmt(r.messages),
    fmt(r.seconds, 2),
    fmt(perSecond(r.messages, r.seconds)),
    fmt(perSecond(r.messages * PAYLOAD_BYTES, r.seconds) / 1e6, 1),
    r.capped ? `time cap hit (${capMs / 1000} s)` : "",
  ]);
const log = (line: string) => process.stderr.write(`${line}\n`);

const broker = await startBenchBroker(values["in-process"]);
const client = createClient({ serviceUrl: broker.url });
const admin = createAdminClient({ adminUrl: broker.adminUrl });
const latencyRows: string[][] = [];
try {
  for (const inFlight of [1, 64, 1024]) {
    log(`publish, ${inFlight} in flight ...`);
    const r = await publishPhase(client, {
      topic: `/default/bench-pub-${inFlight}-${run}`,
      count,
      capMs,
      inFlight,
    });
    row(`publish, ${inFlight} in flight`, r);
  }
  log("consume + ack ...");
  row(
    "consume + ack (stored backlog)",
    await consumePhase(client, { topic: `/default/bench-con-${run}`, count, capMs }),
  );
  log("consume + ack, window 1000 ...");
  row(
    "consume + ack, window 1000",
    await consumePhase(client, {
      topic: `/default/bench-con-w-${run}`,
      count,
      capMs,
      window: { admin, maxUnackedMessages: 1000 },
    }),
  );

  for (const rate of rates) {
    log(`latency at ${fmt(rate)} msgs/s offered ...`);
    const lat = await latencyPhase(client, {
      topic: `/default/bench-lat-${rate}-${run}`,
      count,
      capMs,
      rate,
    });
    const ms = (values: Float64Array, digits: number) =>
      `${fmt(percentile(values, 50), digits)} / ${fmt(percentile(values, 99), digits)}`;
    latencyRows.push([
      fmt(lat.offeredRate),
      `${fmt(lat.issuedRate)}${lat.capped ? " (time cap hit)" : ""}`,
      fmt(lat.receiveRate),
      `${fmt(lat.received)} / ${fmt(lat.issued)}`,
      ms(lat.publishToReceive, 0),
      ms(lat.sendToReceive, 2),
    ]);
  }
} finally {
  await client.close();
  await admin.close();
  await broker.close();
}

const cpu = cpus()[0]?.model ?? "unknown CPU";
const out = [
  "danube-ts benchmark: reliable topics, 1 KiB payloads, fsync on (broker default), one client process",
  `broker: ${broker.description}`,
  `machine: ${availableParallelism()} CPUs (${cpu}), ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, node ${process.version}`,
  `per figure: up to ${fmt(count)} messages, capped at ${capMs / 1000} s`,
  "",
  "| figure | messages | seconds | msgs/s | MB/s | note |",
  "|---|---:|---:|---:|---:|---|",
  ...rows.map((r) => `| ${r.join(" | ")} |`),
  "",
  `End-to-end latency: up to ${fmt(count)} messages paced by a 1 ms timer (at most 1,024 sends outstanding),`,
  "consumer receiving and acking concurrently. publish_time has ms resolution; send() to receive is",
  "measured with performance.now() carried in the payload.",
  "",
  "| offered msgs/s | achieved send msgs/s | receive msgs/s | received / sent | p50 / p99 ms, publish_time to receive | p50 / p99 ms, send() to receive |",
  "|---:|---:|---:|---:|---:|---:|",
  ...latencyRows.map((r) => `| ${r.join(" | ")} |`),
];
process.stdout.write(`${out.join("\n")}\n`);
