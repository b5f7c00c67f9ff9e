import assert from "node:assert/strict";
import { test } from "node:test";
import { closeBeforeRemoval, tempDir } from "../../broker/test/temp-dir.ts";
import { startCliBroker } from "./cli-broker.ts";
import { startCli } from "./cli-process.ts";

test("danube broker --prom-exporter serves metrics; --log-format json writes JSON lines", async (t) => {
  const { cli: broker } = await startCliBroker(t, ["--prom-exporter", "127.0.0.1:0", "--log-format", "json"]);
  const [, url] = await broker.waitForLine(/^Prometheus metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)$/);
  const response = await fetch(url!, { signal: AbortSignal.timeout(5_000) });
  assert.equal(response.status, 200);
  const body = await response.text();
  assert.match(body, /^# TYPE danube_broker_topics_owned gauge$/m);
  assert.match(body, /^danube_broker_topics_owned\{broker="\d+"\} 0$/m);
  // The start is logged at info as a JSON line.
  await broker.waitForLine(/"msg":"broker \d+ serving/);
  const jsonLines = broker
    .stderr()
    .split("\n")
    .filter((l) => l.startsWith("{"));
  assert.ok(jsonLines.length > 0);
  for (const line of jsonLines) assert.equal(typeof (JSON.parse(line) as { level: string }).level, "string");
});

test("danube broker rejects an unknown --log-format", async (t) => {
  const dataDir = await tempDir(t);
  const cli = startCli(["broker", "--data-dir", dataDir, "--log-format", "xml"]);
  closeBeforeRemoval(t, async () => {
    cli.kill();
    await cli.exited();
  });
  const result = await cli.exited(15_000);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /log-format/);
});
