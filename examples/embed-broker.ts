// The README's "embed a broker" snippet, kept runnable: examples/quickstart.test.ts runs it and
// checks that the README shows exactly this code (between the "embed" markers).
// embed:start
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBroker } from "@danube-ts/broker";

const dataDir = await mkdtemp(join(tmpdir(), "danube-"));
{
  await using broker = await startBroker({ dataDir, port: 0, adminPort: 0 });
  console.log(broker.url); // http://127.0.0.1:<random port>
} // the broker is closed here
await rm(dataDir, { recursive: true, force: true });
// embed:end
