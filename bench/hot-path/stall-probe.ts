// Probe: N unary sends of SIZE bytes, IN_FLIGHT at a time, on one raw grpc-js connection; prints
// latency and the most sends that overtook one send (starvation shows as ~N).
//   node --conditions=@danube-ts/source --import tsx bench/hot-path/stall-probe.ts N r|nr SIZE IN_FLIGHT
import { danube } from "@danube-ts/protocol";
import { credentials, Metadata } from "@grpc/grpc-js";
import { startBenchBroker } from "../bench-broker.ts";

// In this process (as the probe always ran); close() removes its temp data dir.
const broker = await startBenchBroker({ inProcess: true });
const client = new danube.ProducerServiceClient(
  broker.url.replace("http://", ""),
  credentials.createInsecure(),
);
const topicName = `/default/stall-${process.argv[3] ?? "r"}`;
const reliable = process.argv[3] !== "nr";
const producerId = await new Promise<bigint>((res, rej) =>
  client.createProducer(
    {
      requestId: 1n,
      producerName: "p",
      topicName,
      schemaRef: undefined,
      producerAccessMode: 0,
      dispatchStrategy: reliable ? 1 : 0,
    },
    (e, r) => (e ? rej(e) : res(r!.producerId)),
  ),
);
const n = Number(process.argv[2] ?? 256);
const size = Number(process.argv[4] ?? 65536);
const inFlight = Number(process.argv[5] ?? n);
const payload = new Uint8Array(size).fill(7);
const t0 = performance.now();
const lat: number[] = [];
let completed = 0;
let maxOverlap = 0;
let issued = 0;
const one = (i: number) =>
  new Promise<void>((res) => {
    const s = performance.now();
    const at = completed;
    client.sendMessage(
      danube.StreamMessage.fromPartial({
        requestId: BigInt(i + 1),
        msgId: { producerId, topicName, brokerAddr: "", topicOffset: 0n },
        payload,
        producerName: "p",
      }),
      new Metadata(),
      { deadline: Date.now() + 30000 },
      (e) => {
        lat.push(performance.now() - s);
        completed++;
        maxOverlap = Math.max(maxOverlap, completed - at);
        if (e) console.log("err", e.code, e.details);
        res();
      },
    );
  });
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (issued < n) await one(issued++);
  }),
);
lat.sort((a, b) => a - b);
console.log(
  `total ${(performance.now() - t0).toFixed(0)} ms; p50 ${lat[n >> 1].toFixed(0)} max ${lat[n - 1].toFixed(0)}; >2s: ${lat.filter((x) => x > 2000).length}; max completions overtaking one send ${maxOverlap}`,
);
client.close();
await broker.close();
