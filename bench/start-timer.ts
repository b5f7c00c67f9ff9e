// Times startBroker() on a data dir, in a child process whose modules are already loaded, so the
// figure is the broker's own start (recovery of the log and metadata) without node's start-up.
// Usage: start-timer.ts <data dir>; prints `ready <ms>`, closes the broker and exits.
import { startBroker } from "@danube-ts/broker";

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error("usage: start-timer.ts <data dir>");
const started = performance.now();
const broker = await startBroker({ dataDir, port: 0, adminPort: 0, logLevel: "warn" });
const readyMs = performance.now() - started;
await broker.close();
process.stdout.write(`ready ${readyMs}\n`);
