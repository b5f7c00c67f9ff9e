// The main job (`npm start`): an in-process broker on a temp data dir, a reliable topic,
// 10,000 pipelined 1 KiB messages produced, then consumed and acknowledged, checked for
// loss and duplicates, with throughput figures and a summary.
//
// Message count: DANUBE_MAIN_JOB_COUNT or `--count N` (default 10000).
// Sends in flight: DANUBE_MAIN_JOB_IN_FLIGHT or `--in-flight N` (default 256).
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type RunningBroker, startBroker } from "@danube-ts/broker";
import type { Consumer, DanubeClient, Message, Producer } from "@danube-ts/client";
import { createClient, DispatchStrategy, SubscriptionType } from "@danube-ts/client";
import { type DeliveryCounts, DeliveryTally } from "./delivery-tally.ts";
import { Progress } from "./progress.ts";
import { readSequence, sequencedPayload } from "./sequenced-payload.ts";

const PAYLOAD_BYTES = 1024;
/** Acks sent without waiting for earlier ones. */
const ACKS_IN_FLIGHT = 64;
/** The consumer gives up when nothing arrives for this long. */
const IDLE_TIMEOUT_MS = 15_000;

interface JobOptions {
  count: number;
  inFlight: number;
}

interface PhaseResult {
  messages: number;
  seconds: number;
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function jobOptions(): JobOptions {
  const { values } = parseArgs({
    options: { count: { type: "string" }, "in-flight": { type: "string" } },
    strict: true,
  });
  return {
    count: positiveInt("count", values.count ?? process.env.DANUBE_MAIN_JOB_COUNT, 10_000),
    inFlight: positiveInt("in-flight", values["in-flight"] ?? process.env.DANUBE_MAIN_JOB_IN_FLIGHT, 256),
  };
}

/** Sends messages 0..count-1 with up to `inFlight` sends outstanding. */
async function produceAll(producer: Producer, opts: JobOptions, signal: AbortSignal): Promise<PhaseResult> {
  const progress = new Progress("produce", opts.count);
  let next = 0;
  let sent = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < opts.count && !signal.aborted) {
      const seq = next++;
      // No per-send signal: on abort the workers stop taking work and let in-flight sends finish.
      await producer.send(sequencedPayload(seq, PAYLOAD_BYTES));
      progress.update(++sent);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.inFlight, opts.count) }, worker));
  const seconds = (performance.now() - started) / 1000;
  progress.finish();
  return { messages: sent, seconds };
}

/** Receives and acks until every message arrived, the job is aborted, or the consumer idles out. */
async function consumeAll(
  consumer: Consumer,
  tally: DeliveryTally,
  signal: AbortSignal,
): Promise<PhaseResult & { ackFailures: number; idledOut: boolean }> {
  const progress = new Progress("consume", tally.expected);
  const pending = new Set<Promise<void>>();
  let ackFailures = 0;
  let idledOut = false;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      idledOut = true;
      void consumer.close();
    }, IDLE_TIMEOUT_MS);
  };
  const onAbort = () => void consumer.close();
  signal.addEventListener("abort", onAbort, { once: true });
  const ack = (msg: Message) => {
    const p: Promise<void> = msg.ack().then(
      () => {
        pending.delete(p);
      },
      () => {
        ackFailures++;
        pending.delete(p);
      },
    );
    pending.add(p);
    return p;
  };

  const started = performance.now();
  armIdle();
  try {
    for await (const msg of consumer) {
      armIdle();
      tally.record(readSequence(msg.payload, PAYLOAD_BYTES));
      void ack(msg);
      if (pending.size >= ACKS_IN_FLIGHT) await Promise.race(pending);
      progress.update(Math.min(tally.delivered, tally.expected));
      if (tally.complete) break;
    }
    await Promise.all(pending);
  } finally {
    clearTimeout(idle);
    signal.removeEventListener("abort", onAbort);
  }
  const seconds = (performance.now() - started) / 1000;
  progress.finish();
  return { messages: tally.delivered, seconds, ackFailures, idledOut };
}

const rate = (n: number, secs: number) => (secs > 0 ? n / secs : 0);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function printSummary(lines: string[]): void {
  process.stdout.write(`${lines.join("\n")}\n`);
}

function verdict(counts: DeliveryCounts, ackFailures: number): string[] {
  const problems: string[] = [];
  if (counts.missing > 0) problems.push(`${counts.missing} missing`);
  if (counts.corrupt > 0) problems.push(`${counts.corrupt} corrupt`);
  if (ackFailures > 0) problems.push(`${ackFailures} ack failures`);
  return problems;
}

async function run(opts: JobOptions, signal: AbortSignal): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), "danube-main-job-"));
  let broker: RunningBroker | undefined;
  let client: DanubeClient | undefined;
  try {
    broker = await startBroker({ dataDir, port: 0, adminPort: 0, logLevel: "warn" });
    client = createClient({ serviceUrl: broker.url });
    const topic = `/default/main-job-${randomBytes(3).toString("hex")}`;
    process.stderr.write(`broker listening on ${broker.url}; topic ${topic}; data dir ${dataDir}\n`);

    // The producer creates the reliable topic; the subscription then starts at its (empty) tail.
    const producer = await client.createProducer({
      topic,
      name: "main-job-producer",
      dispatchStrategy: DispatchStrategy.Reliable,
    });
    const consumer = await client.subscribe({
      topic,
      subscription: "main-job",
      consumerName: "main-job-consumer",
      subscriptionType: SubscriptionType.Exclusive,
    });

    const produced = await produceAll(producer, opts, signal);
    await producer.close();
    const tally = new DeliveryTally(produced.messages);
    const consumed = await consumeAll(consumer, tally, signal);
    await consumer.close();
    if (signal.aborted) {
      process.stderr.write("interrupted\n");
      return 130;
    }

    const counts = tally.counts();
    const problems = verdict(counts, consumed.ackFailures);
    if (produced.messages < opts.count) problems.unshift(`${opts.count - produced.messages} not produced`);
    const bytes = produced.messages * PAYLOAD_BYTES;
    const summary = [
      "",
      `danube main job: ${fmt(opts.count)} messages x ${PAYLOAD_BYTES} B, reliable topic ${topic}`,
      `  broker    in-process at ${broker.url}, data dir removed on exit`,
      `  produce   ${fmt(produced.messages)} msgs in ${fmt(produced.seconds, 2)} s, ${opts.inFlight} sends in flight: ` +
        `${fmt(rate(produced.messages, produced.seconds))} msgs/s, ${fmt(rate(bytes, produced.seconds) / 1e6, 1)} MB/s`,
      `  consume   ${fmt(consumed.messages)} msgs in ${fmt(consumed.seconds, 2)} s, acked as received: ` +
        `${fmt(rate(consumed.messages, consumed.seconds))} msgs/s`,
      `  delivery  ${fmt(counts.unique)}/${fmt(counts.expected)} unique, ${counts.duplicates} duplicates, ` +
        `${counts.missing} missing, ${counts.corrupt} corrupt${consumed.idledOut ? " (consumer idled out)" : ""}`,
    ];
    if (counts.missing > 0) summary.push(`  first missing: ${tally.firstMissing(10).join(", ")}`);
    summary.push(
      problems.length === 0
        ? `main-job OK: ${fmt(counts.unique)}/${fmt(opts.count)} messages delivered, ${counts.duplicates} duplicates`
        : `main-job FAILED: ${problems.join(", ")}`,
    );
    printSummary(summary);
    return problems.length === 0 ? 0 : 1;
  } finally {
    await client?.close();
    await broker?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const controller = new AbortController();
process.once("SIGINT", () => controller.abort());
try {
  process.exitCode = await run(jobOptions(), controller.signal);
} catch (err) {
  process.stderr.write(`main-job FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
