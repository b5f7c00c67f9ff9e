// Broker hot-path figures: reliable publish (64 in flight) and consume + ack of a stored backlog
// (window 10 and 1,000), each with the broker's CPU per message (the broker runs alone in a child
// process; /proc, 10 ms resolution). The same broker and phases as `npm run bench`, fewer figures.
// `--prof DIR` also writes the broker's V8 CPU profile.
//   node --conditions=@danube-ts/source --import tsx bench/hot-path/run.ts [--count N] [--prof DIR]
//        [--phases publish,w10,w1000]
import { parseArgs } from "node:util";
import { createAdminClient, createClient } from "@danube-ts/client";
import { startBenchBroker } from "../bench-broker.ts";
import { Meter } from "../meter.ts";
import { consumePhase, type PhaseResult, publishPhase } from "../phases.ts";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "20000" },
    prof: { type: "string" },
    phases: { type: "string", default: "publish,w10,w1000" },
  },
});
const count = Number(values.count);
const capMs = 600_000;
const broker = await startBenchBroker(values.prof === undefined ? {} : { profileDir: values.prof });
const client = createClient({ serviceUrl: broker.url });
const admin = createAdminClient({ adminUrl: broker.adminUrl });
const run = Date.now().toString(36);

function report(name: string, r: PhaseResult, meter: Meter) {
  const ms = r.seconds * 1000;
  const cpuUs = meter.result?.serverMicros ?? Number.NaN;
  console.log(
    `${name.padEnd(28)} ${String(r.messages).padStart(7)} msgs ${r.seconds.toFixed(2).padStart(6)} s ${Math.round(
      (r.messages * 1000) / ms,
    )
      .toString()
      .padStart(7)} msg/s  broker ${(cpuUs / r.messages).toFixed(1).padStart(6)} µs CPU/msg`,
  );
}

const phases = values.phases.split(",");
try {
  if (phases.includes("publish")) {
    const meter = new Meter(broker);
    const r = await publishPhase(client, {
      topic: `/default/hot-pub-${run}`,
      count,
      durationMs: capMs,
      inFlight: 64,
      warmupMs: 0,
      meter,
    });
    report("publish, 64 in flight", r, meter);
  }
  for (const window of [10, 1000]) {
    if (!phases.includes(`w${window}`)) continue;
    const meter = new Meter(broker);
    const topic = `/default/hot-con-${window}-${run}`;
    const r = await consumePhase(client, { topic, count, capMs, admin, window, meter });
    report(`consume + ack, window ${window}`, r, meter);
  }
} finally {
  await client.close();
  await admin.close();
  await broker.close();
}
