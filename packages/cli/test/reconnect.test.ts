import assert from "node:assert/strict";
import { test } from "node:test";
import { createAdminClient } from "@danube-ts/client";
import { restartableBroker } from "../../broker/test/temp-broker.ts";
import { type CliProcess, runCli, startCli } from "./cli-process.ts";

test("consume shows the reconnect state on stderr while the broker is down, then goes on", async (t) => {
  let consumer: CliProcess | undefined;
  // Registered first: the consumer is killed before the broker closes.
  t.after(() => consumer?.kill());
  const broker = await restartableBroker(t, { logLevel: "silent" });
  const url = broker.url;
  {
    await using admin = createAdminClient({ adminUrl: broker.adminUrl });
    await admin.createTopic({ name: "/default/rc", dispatchStrategy: "Reliable" });
  }
  consumer = startCli(["consume", "-s", url, "-t", "/default/rc", "-m", "s1", "-c", "1"]);
  await consumer.waitForLine(/^subscribed to /);

  await broker.stop();
  await consumer.waitForLine(/connection lost on \/default\/rc; reconnecting \(attempt \d+\)/, 20_000);
  await broker.start();
  await consumer.waitForLine(/^reconnected to \/default\/rc after \d+ attempt\(s\)/, 30_000);

  const sent = await runCli(["produce", "-s", url, "-t", "/default/rc", "--reliable", "-m", "after restart"]);
  assert.equal(sent.code, 0, sent.stderr);
  const done = await consumer.exited();
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, / payload=after restart$/m);
});
