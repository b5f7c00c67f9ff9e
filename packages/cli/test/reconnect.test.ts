import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startBroker } from "@danube-ts/broker";
import { createAdminClient } from "@danube-ts/client";
import { runCli, startCli } from "./cli-process.ts";

test("consume shows the reconnect state on stderr while the broker is down, then goes on", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "danube-cli-reconnect-"));
  const dataDir = join(dir, "data");
  let broker = await startBroker({ dataDir, port: 0, adminPort: 0, logLevel: "silent" });
  const { port, adminPort } = { port: broker.port, adminPort: new URL(broker.adminUrl).port };
  const url = broker.url;
  t.after(async () => {
    consumer.kill();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });
  {
    await using admin = createAdminClient({ adminUrl: broker.adminUrl });
    await admin.createTopic({ name: "/default/rc", dispatchStrategy: "Reliable" });
  }
  const consumer = startCli(["consume", "-s", url, "-t", "/default/rc", "-m", "s1", "-c", "1"]);
  await consumer.waitForLine(/^subscribed to /);

  await broker.close();
  await consumer.waitForLine(/connection lost on \/default\/rc; reconnecting \(attempt \d+\)/, 20_000);
  broker = await startBroker({ dataDir, port, adminPort: Number(adminPort), logLevel: "silent" });
  await consumer.waitForLine(/^reconnected to \/default\/rc after \d+ attempt\(s\)/, 30_000);

  const sent = await runCli(["produce", "-s", url, "-t", "/default/rc", "--reliable", "-m", "after restart"]);
  assert.equal(sent.code, 0, sent.stderr);
  const done = await consumer.exited();
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, / payload=after restart$/m);
});
