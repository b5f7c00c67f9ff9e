// Client cost of the unary publish path, side by side with raw grpc-js unary calls in the same run:
// msgs/s and client CPU µs per message (process.cpuUsage, user + system, this process only; the
// broker runs as a child process). 1 KiB payloads, reliable topic.
//
//   node --conditions=@danube-ts/source --import tsx bench/client-unary-quick.ts [--count 20000]
//   add --cpu-prof to node's flags for a V8 profile of the client.
import { parseArgs } from "node:util";
import { createClient, DispatchStrategy } from "@danube-ts/client";
import { danube } from "@danube-ts/protocol";
import { credentials, Metadata } from "@grpc/grpc-js";
import { startBenchBroker } from "./bench-broker.ts";
import { fmt } from "./stats.ts";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "20000" },
    "in-flight": { type: "string", default: "64,1024" },
    rounds: { type: "string", default: "1" },
    only: { type: "string", default: "raw,client,client-grpc-js" },
  },
  strict: true,
});
const count = Number(values.count);
const inFlights = values["in-flight"].split(",").map(Number);
const rounds = Number(values.rounds);
const only = new Set(values.only.split(","));
const payload = new Uint8Array(1024).fill(0x61);
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Figure {
  label: string;
  messages: number;
  seconds: number;
  cpuUsPerMessage: number;
}

/** Runs `one` `count` times with `inFlight` outstanding; wall time and this process's CPU. */
async function measure(label: string, inFlight: number, one: () => Promise<unknown>): Promise<Figure> {
  let issued = 0;
  const worker = async () => {
    while (issued < Math.min(500, count)) {
      issued++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker)); // warm-up
  issued = 0;
  let done = 0;
  const run = async () => {
    while (issued < count) {
      issued++;
      await one();
      done++;
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, run));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { label, messages: done, seconds, cpuUsPerMessage: (used.user + used.system) / done };
}

const broker = await startBenchBroker({ inProcess: false });
const figures: Figure[] = [];
try {
  const target = broker.url.replace(/^https?:\/\//, "");
  for (let round = 0; round < rounds; round++) {
    for (const inFlight of inFlights) {
      if (only.has("raw")) {
        const topic = `/default/quick-raw-${inFlight}-${round}-${Date.now().toString(36)}`;
        const stub = new danube.ProducerServiceClient(target, credentials.createInsecure());
        const created = await new Promise<danube.ProducerResponse>((resolve, reject) =>
          stub.createProducer(
            {
              requestId: 1n,
              producerName: "raw",
              topicName: topic,
              schemaRef: undefined,
              producerAccessMode: 0,
              dispatchStrategy: 1,
            },
            (error, response) => (error ? reject(error) : resolve(response)),
          ),
        );
        let requestId = 0n;
        log(`raw grpc-js SendMessage, ${inFlight} in flight ...`);
        figures.push(
          await measure(`raw grpc-js unary, ${inFlight} in flight`, inFlight, () => {
            const message: danube.StreamMessage = {
              requestId: requestId++,
              msgId: {
                producerId: created.producerId,
                topicName: topic,
                brokerAddr: broker.url,
                topicOffset: 0n,
              },
              payload,
              publishTime: BigInt(Date.now()),
              producerName: "raw",
              subscriptionName: "",
              attributes: {},
              schemaId: undefined,
              schemaVersion: undefined,
              routingKey: undefined,
            };
            return new Promise((resolve, reject) =>
              stub.sendMessage(
                message,
                new Metadata(),
                { deadline: Date.now() + 30_000 },
                (error, response) => (error ? reject(error) : resolve(response)),
              ),
            );
          }),
        );
        stub.close();
      }
      for (const variant of ["client", "client-grpc-js"] as const) {
        if (!only.has(variant)) continue;
        // DANUBE_TS_H2_UNARY=0 keeps SendMessage on grpc-js (read when a connection is opened).
        process.env.DANUBE_TS_H2_UNARY = variant === "client" ? "1" : "0";
        const variantClient = createClient({ serviceUrl: broker.url, transport: "unary" });
        const producer = await variantClient.createProducer({
          topic: `/default/quick-${variant}-${inFlight}-${round}-${Date.now().toString(36)}`,
          name: "quick",
          dispatchStrategy: DispatchStrategy.Reliable,
        });
        const label = variant === "client" ? "client send(), raw node:http2" : "client send(), grpc-js";
        log(`${label}, ${inFlight} in flight ...`);
        figures.push(
          await measure(`${label}, ${inFlight} in flight`, inFlight, () => producer.send(payload)),
        );
        await producer.close();
        await variantClient.close();
      }
    }
  }
} finally {
  await broker.close();
}
console.log("| figure | messages | s | msgs/s | client CPU µs/msg |");
console.log("|---|---:|---:|---:|---:|");
for (const f of figures) {
  console.log(
    `| ${f.label} | ${fmt(f.messages)} | ${fmt(f.seconds, 2)} | ${fmt(f.messages / f.seconds)} | ${fmt(f.cpuUsPerMessage)} |`,
  );
}
