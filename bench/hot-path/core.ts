// Broker core CPU per message without gRPC: reliable publish (fsync on, 64 in flight) and consume
// + ack of a stored backlog (window 10 and 1,000) through BrokerCore with an in-memory sink; one
// ack per event-loop turn. Isolates storage and dispatcher cost from transport cost.
//   node --conditions=@danube-ts/source --import tsx bench/hot-path/core.ts [--count N]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { danube } from "@danube-ts/protocol";
import { BrokerCore } from "../../packages/broker/src/core/broker-core.ts";
import { rememberReceivedBytes } from "../../packages/broker/src/core/received-bytes.ts";
import type { MessageSink } from "../../packages/broker/src/core/types.ts";
import { resolveBrokerOptions } from "../../packages/broker/src/options.ts";

const { values } = parseArgs({ options: { count: { type: "string", default: "20000" } } });
const count = Number(values.count);

const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const line = (name: string, n: number, ms: number, us: number) =>
  console.log(
    `${name.padEnd(26)} ${n} msgs ${Math.round((n * 1000) / ms)
      .toString()
      .padStart(7)} msg/s  ${(us / n).toFixed(1).padStart(6)} µs CPU/msg`,
  );

async function run(window: number) {
  const dataDir = await mkdtemp(join(tmpdir(), "danube-core-bench-"));
  const core = await BrokerCore.open(
    resolveBrokerOptions({ dataDir, logLevel: "silent", maxUnackedMessages: window }),
  );
  try {
    const topicName = "/default/core-bench";
    const producer = await core.createProducer({
      topicName,
      producerName: "p",
      dispatchStrategy: 1,
      accessMode: 0,
    });
    const consumer = await core.subscribe({
      topicName,
      consumerName: "c",
      subscription: "s",
      subscriptionType: 0,
      keyFilters: [],
    });
    const payload = new Uint8Array(1024).fill(0x61);
    let issued = 0;
    const publishOne = () => {
      // As the gRPC layer does: decode the request's bytes and keep them for storage.
      const bytes = danube.StreamMessage.encode(
        danube.StreamMessage.fromPartial({
          requestId: BigInt(++issued),
          msgId: { producerId: producer.id, topicName, brokerAddr: "", topicOffset: 0n },
          payload,
          producerName: "p",
          publishTime: BigInt(Date.now()),
        }),
      ).finish();
      const message = danube.StreamMessage.decode(bytes);
      rememberReceivedBytes(message, bytes);
      return core.publish(message);
    };
    const c0 = cpu();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (issued < count) await publishOne();
      }),
    );
    if (window === 10) line("publish, 64 in flight", count, performance.now() - t0, cpu() - c0);

    // Acks arrive one per event-loop turn, as separate Ack calls would.
    const delivered: bigint[] = [];
    const sink: MessageSink = {
      write(message) {
        delivered.push(message.msgId!.topicOffset);
        return true;
      },
      onDrain() {},
      end() {},
      abort() {},
    };
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const c1 = cpu();
    const t1 = performance.now();
    core.attachStream(consumer.id, sink);
    let head = 0;
    for (let received = 0; received < count; ) {
      const offset = delivered[head];
      if (offset !== undefined) {
        head++;
        core.ack("s", { topicName, topicOffset: offset });
        received++;
      }
      await turn();
    }
    line(`consume + ack, window ${window}`, count, performance.now() - t1, cpu() - c1);
  } finally {
    await core.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await run(10);
await run(1000);
