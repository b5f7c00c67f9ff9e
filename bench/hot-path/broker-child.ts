// The broker process of bench/hot-path: starts a broker on a temp data dir, reports its URLs and
// answers CPU-usage requests over IPC, so the parent can attribute broker CPU to each phase.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBroker } from "@danube-ts/broker";

const dataDir = await mkdtemp(join(tmpdir(), "danube-hot-"));
const broker = await startBroker({ dataDir, port: 0, adminPort: 0, logLevel: "warn" });
process.send?.({ url: broker.url, adminUrl: broker.adminUrl });
process.on("message", async (m: { op: string }) => {
  if (m.op === "cpu") {
    const u = process.cpuUsage();
    process.send?.({ cpu: u.user + u.system, rss: process.memoryUsage().rss });
  } else if (m.op === "stop") {
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
    process.exit(0);
  }
});
