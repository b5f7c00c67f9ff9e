import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { BrokerError, startBroker } from "../src/index.ts";
import { tempDir } from "./helpers.ts";

test("two brokers never open the same data dir; a stale lock is taken over", async (t) => {
  const dataDir = await tempDir(t);
  const first = await startBroker({ dataDir, port: 0, adminPort: 0 });
  await assert.rejects(startBroker({ dataDir, port: 0, adminPort: 0 }), (err: unknown) => {
    assert.ok(err instanceof BrokerError);
    assert.match(err.message, /in use|already open/);
    return true;
  });
  await first.close();
  // A lock left by a process that is gone (pid 2^22 + 1 is above Linux's pid_max default range).
  await writeFile(join(dataDir, "broker.lock"), "4194305\n");
  const second = await startBroker({ dataDir, port: 0, adminPort: 0 });
  await second.close();
});
