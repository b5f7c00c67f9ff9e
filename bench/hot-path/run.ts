// Broker hot-path figures: reliable publish (64 in flight) and consume + ack of a stored backlog
// (window 10 and 1,000), each with the broker's CPU per message (process.cpuUsage of the broker
// process, which runs alone in a child). `--prof DIR` also writes the broker's V8 CPU profile.
//   node --conditions=@danube-ts/source --import tsx bench/hot-path/run.ts [--count N] [--prof DIR]
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createAdminClient, createClient, DispatchStrategy, SubscriptionType } from "@danube-ts/client";
import { AckPipeline } from "../ack-pipeline.ts";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "20000" },
    prof: { type: "string" },
    phases: { type: "string", default: "publish,w10,w1000" },
  },
});
const count = Number(values.count);
const execArgv = ["--conditions=@danube-ts/source", "--import", "tsx"];
if (values.prof) execArgv.push("--cpu-prof", `--cpu-prof-dir=${values.prof}`);
const child = fork(fileURLToPath(new URL("./broker-child.ts", import.meta.url)), [], { execArgv });
type Reply = { url?: string; adminUrl?: string; cpu?: number; rss?: number };
const replies: Array<(m: Reply) => void> = [];
child.on("message", (m: Reply) => replies.shift()?.(m));
const next = () => new Promise<Reply>((resolve) => replies.push(resolve));
const started = await next();
const cpu = async () => {
  const p = next();
  child.send({ op: "cpu" });
  return (await p).cpu!;
};

const client = createClient({ serviceUrl: started.url! });
const admin = createAdminClient({ adminUrl: started.adminUrl! });
const payload = new Uint8Array(1024).fill(0x61);
const run = Date.now().toString(36);

async function publish(topic: string, n: number, inFlight: number) {
  const producer = await client.createProducer({
    topic,
    name: "hot",
    dispatchStrategy: DispatchStrategy.Reliable,
  });
  let issued = 0;
  const worker = async () => {
    while (issued < n) {
      issued++;
      await producer.send(payload);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  await producer.close();
}

function report(name: string, n: number, ms: number, cpuUs: number) {
  console.log(
    `${name.padEnd(28)} ${String(n).padStart(7)} msgs ${(ms / 1000).toFixed(2).padStart(6)} s ${Math.round(
      (n * 1000) / ms,
    )
      .toString()
      .padStart(7)} msg/s  broker ${(cpuUs / n).toFixed(1).padStart(6)} µs CPU/msg`,
  );
}

const phases = values.phases.split(",");
try {
  if (phases.includes("publish")) {
    await publish(`/default/hot-warm-${run}`, 2000, 64);
    const c0 = await cpu();
    const t0 = performance.now();
    await publish(`/default/hot-pub-${run}`, count, 64);
    report("publish, 64 in flight", count, performance.now() - t0, (await cpu()) - c0);
  }
  for (const window of [10, 1000]) {
    if (!phases.includes(`w${window}`)) continue;
    const topic = `/default/hot-con-${window}-${run}`;
    const producer = await client.createProducer({
      topic,
      name: "hot",
      dispatchStrategy: DispatchStrategy.Reliable,
    });
    await producer.close();
    await admin.setSubscriptionDispatchConfig({ topic, subscription: "hot", maxUnackedMessages: window });
    const consumer = await client.subscribe({
      topic,
      subscription: "hot",
      consumerName: "hot",
      subscriptionType: SubscriptionType.Exclusive,
    });
    // The backlog is written while the consumer is subscribed but not reading: it stays stored.
    await publish(topic, count, 64);
    const c0 = await cpu();
    const t0 = performance.now();
    const acks = new AckPipeline(256);
    let received = 0;
    for await (const msg of consumer) {
      received++;
      await acks.ack(msg);
      if (received >= count) break;
    }
    await acks.drain();
    report(`consume + ack, window ${window}`, received, performance.now() - t0, (await cpu()) - c0);
    await consumer.close();
  }
} finally {
  await client.close();
  await admin.close();
  child.send({ op: "stop" });
}
