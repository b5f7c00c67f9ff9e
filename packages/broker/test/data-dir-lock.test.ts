import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
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

test("a lock left by an earlier process with the same pid (container PID 1) is taken over", async (t) => {
  const dataDir = await tempDir(t);
  // Old format (pid only) naming this very pid, as a crashed broker restarted as the same PID leaves it.
  await writeFile(join(dataDir, "broker.lock"), `${process.pid}\n`);
  const first = await startBroker({ dataDir, port: 0, adminPort: 0 });
  await first.close();
  // New format: same pid and boot, another start time: a previous incarnation, not this process.
  const bootId = (await readFile("/proc/sys/kernel/random/boot_id", "utf8").catch(() => "-")).trim();
  await writeFile(join(dataDir, "broker.lock"), `${process.pid} ${bootId} 1\n`);
  const second = await startBroker({ dataDir, port: 0, adminPort: 0 });
  await assert.rejects(
    startBroker({ dataDir, port: 0, adminPort: 0 }),
    /already open by a broker in this process; close that broker/,
  );
  await second.close();
});

test("a live lock names the owner and says what to do", async (t) => {
  const dataDir = await tempDir(t);
  // pid 1 runs; its start time differs from what the lock claims only when /proc says so, so use its own.
  const stat = await readFile("/proc/1/stat", "utf8").catch(() => undefined);
  if (stat === undefined) {
    t.skip("no /proc on this system");
    return;
  }
  const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  const bootId = (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim();
  await writeFile(join(dataDir, "broker.lock"), `1 ${bootId} ${start}\n`);
  await assert.rejects(startBroker({ dataDir, port: 0, adminPort: 0 }), (err: unknown) => {
    assert.ok(err instanceof BrokerError);
    assert.match(
      err.message,
      /in use by another broker \(pid 1\); stop that broker or use another --data-dir/,
    );
    assert.match(err.message, /delete .*broker\.lock/);
    return true;
  });
});
