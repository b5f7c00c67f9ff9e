// Quick comparison of the two publish transports (issue 12): reliable publish, 1 KiB payloads,
// one producer, 64 and 1024 sends in flight, unary SendMessage against the publish stream, with
// the broker as a child process (its own event loop). Not part of `npm run bench`.
// Usage: NODE_OPTIONS="--conditions=@danube-ts/source --import tsx" node bench/publish-stream-quick.ts \
//   [count] [child|inProcess|http://broker] [unary,stream]   (NODE_OPTIONS so that the child broker runs the sources too)
import { createClient, DispatchStrategy, type Producer, type TransportMode } from "@danube-ts/client";
import { startBenchBroker } from "./bench-broker.ts";

const count = Number(process.argv[2] ?? 20_000);
const inProcess = process.argv[3] === "inProcess";
const transports = (process.argv[4] ?? "unary,stream").split(",") as TransportMode[];
const payload = new Uint8Array(1024).fill(0x61);

async function pipelined(producer: Producer, total: number, inFlight: number): Promise<number> {
  let issued = 0;
  const worker = async () => {
    while (issued < total) {
      issued++;
      await producer.send(payload);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, worker));
  return (performance.now() - started) / 1000;
}

const external = process.argv[3]?.startsWith("http") ? process.argv[3] : undefined;
const broker =
  external === undefined
    ? await startBenchBroker({ inProcess })
    : { url: external, description: `external (${external})`, close: async () => {} };
console.log(`broker: ${broker.description}; ${count} x 1 KiB reliable per run`);
try {
  let run = 0;
  for (const inFlight of [64, 1024]) {
    for (const transport of transports) {
      run++;
      const client = createClient({ serviceUrl: broker.url, transport });
      try {
        const producer = await client.createProducer({
          topic: `/default/quick-${run}-${transport}-${inFlight}`,
          name: "quick",
          dispatchStrategy: DispatchStrategy.Reliable,
        });
        await pipelined(producer, Math.min(2_000, count), inFlight); // warm-up
        const cpu = process.cpuUsage();
        const seconds = await pipelined(producer, count, inFlight);
        const used = process.cpuUsage(cpu);
        const rate = Math.round(count / seconds);
        const cpuPerMsg = ((used.user + used.system) / count).toFixed(1);
        console.log(
          `${transport.padEnd(6)} ${String(inFlight).padStart(4)} in flight: ${rate} msg/s, client CPU ${cpuPerMsg} µs/msg`,
        );
        await producer.close();
      } finally {
        await client.close();
      }
    }
  }
} finally {
  await broker.close();
}
