// Consume + ack of a stored reliable backlog of 1 KiB messages, upstream's unary path against the
// danube-ts consume stream, at windows (maxUnackedMessages) of 10 and 1,000. A quick check of one
// slice of `npm run bench`, not a replacement for it.
//   node --conditions=@danube-ts/source --import tsx bench/consume-stream-quick.ts [--count N]
//        [--in-process] [--queue N] [--only stream|unary] [--windows 10,1000] [--profile DIR]
// --profile writes a V8 CPU profile of each drain (this process: the client, and the broker too
// with --in-process) to DIR.
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createAdminClient, createClient, type DanubeClient, type Message } from "@danube-ts/client";
import { AckPipeline } from "./ack-pipeline.ts";
import { startBenchBroker } from "./bench-broker.ts";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "20000" },
    "in-process": { type: "boolean", default: false },
    queue: { type: "string" },
    only: { type: "string" },
    windows: { type: "string", default: "10,1000" },
    profile: { type: "string" },
  },
});
const count = Number(values.count);
// Unset: the client's default (options.ts).
const receiveQueueSize = values.queue === undefined ? undefined : Number(values.queue);
const transports = (values.only ? [values.only] : ["unary", "stream"]) as Array<"unary" | "stream">;
const windows = values.windows.split(",").map(Number);
const payload = new Uint8Array(1024).fill(7);

const broker = await startBenchBroker({ inProcess: values["in-process"] });
const admin = createAdminClient({ adminUrl: broker.adminUrl });
const publisher = createClient({ serviceUrl: broker.url, transport: "unary" });
console.log(
  `broker: ${broker.description}; ${count} x 1 KiB per run, receiveQueueSize ${receiveQueueSize ?? "default"}`,
);

/** Receives `count` messages, acking without waiting for each (at most 1,024 outstanding). */
async function drain(client: DanubeClient, topic: string): Promise<{ received: number; seconds: number }> {
  const consumer = await client.subscribe({
    topic,
    subscription: "bench",
    consumerName: "c",
    receiveQueueSize,
  });
  const acks = new AckPipeline(1024);
  let received = 0;
  const started = performance.now();
  const idle = setTimeout(() => void consumer.close(), 60_000);
  for await (const message of consumer as AsyncIterable<Message>) {
    received++;
    await acks.ack(message);
    if (received >= count) break;
  }
  await acks.drain();
  const seconds = (performance.now() - started) / 1000;
  clearTimeout(idle);
  await consumer.close();
  return { received, seconds };
}

try {
  let run = 0;
  for (const window of windows) {
    for (const transport of transports) {
      const topic = `/default/bench-cs-${process.pid}-${run++}`;
      const producer = await publisher.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
      const client = createClient({ serviceUrl: broker.url, transport });
      // Create the subscription first, so the backlog is stored for it.
      await (await client.subscribe({ topic, subscription: "bench", consumerName: "c" })).close();
      await admin.setSubscriptionDispatchConfig({ topic, subscription: "bench", maxUnackedMessages: window });
      let issued = 0;
      await Promise.all(
        Array.from({ length: 256 }, async () => {
          while (issued < count) {
            issued++;
            await producer.send(payload);
          }
        }),
      );
      await producer.close();
      const session = values.profile ? new Session() : undefined;
      if (session) {
        session.connect();
        await session.post("Profiler.enable");
        await session.post("Profiler.start");
      }
      const cpuBefore = process.cpuUsage();
      const { received, seconds } = await drain(client, topic);
      const cpu = process.cpuUsage(cpuBefore);
      if (session && values.profile) {
        const { profile } = await session.post("Profiler.stop");
        await writeFile(
          join(values.profile, `consume-${transport}-w${window}.cpuprofile`),
          JSON.stringify(profile),
        );
        session.disconnect();
      }
      await client.close();
      const rate = Math.round(received / seconds);
      console.log(
        `window ${String(window).padStart(5)}  ${transport.padEnd(6)}  ${received} msgs in ${seconds.toFixed(2)} s = ${rate} msg/s, ` +
          `this process ${Math.round((cpu.user + cpu.system) / received)} µs CPU/msg`,
      );
    }
  }
} finally {
  await publisher.close();
  await admin.close();
  await broker.close();
}
