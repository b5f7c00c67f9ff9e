import assert from "node:assert/strict";
import { test } from "node:test";
import { tempDir } from "../../broker/test/temp-dir.ts";
import { startCliBroker } from "./cli-broker.ts";
import { type CliProcess, runCli, startCli } from "./cli-process.ts";

/** `danube broker` logging at warn. */
const brokerArgs = ["--log-level", "warn"];

function track(t: { after(fn: () => void): void }, cli: CliProcess): CliProcess {
  t.after(() => cli.kill());
  return cli;
}

test("broker on port 0, produce and consume round-trip, SIGTERM exits 143 after closing", async (t) => {
  const { cli: broker, url, adminUrl } = await startCliBroker(t, brokerArgs);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(adminUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(url, "http://127.0.0.1:0");

  const topic = "/default/cli-round-trip";
  // The first send creates the reliable topic; a new subscription starts after it.
  const create = await runCli(["produce", "-s", url, "-t", topic, "--reliable", "-m", "before"]);
  assert.equal(create.code, 0, create.stderr);
  assert.match(create.stdout, /^sent 1\/1 /);

  const consumer = track(
    t,
    startCli(["consume", "-s", url, "-t", topic, "--subscription", "s1", "--consumer", "c1", "--count", "3"]),
  );
  await consumer.waitForLine(/^subscribed to /);

  const produce = await runCli([
    "produce",
    "--service-url",
    url,
    "--topic",
    topic,
    "--reliable",
    "--count",
    "3",
    "--message",
    "hello cli",
    "--key",
    "k1",
    "--attr",
    "source=test",
    "--attr",
    "n=1",
  ]);
  assert.equal(produce.code, 0, produce.stderr);
  assert.equal(produce.stdout.trim().split("\n").length, 3);

  const consumed = await consumer.exited();
  assert.equal(consumed.code, 0, consumed.stderr);
  const lines = consumed.stdout.trim().split("\n");
  assert.equal(lines.length, 3, consumed.stdout);
  for (const [i, line] of lines.entries()) {
    assert.match(line, new RegExp(`^#${i + 1} topic=${topic} offset=\\d+ `));
    assert.match(line, / key=k1 /);
    assert.match(line, / attrs=\{"source":"test","n":"1"\}| attrs=\{"n":"1","source":"test"\}/);
    assert.match(line, / payload=hello cli$/);
  }
  assert.match(consumed.stderr, /consumed 3 message\(s\)/);

  broker.child.kill("SIGTERM");
  const stopped = await broker.exited();
  assert.equal(stopped.code, 143, stopped.stderr);
  assert.equal(stopped.signal, null);
  assert.match(stopped.stderr, /SIGTERM received, closing/);
});

test("consume and the broker exit 130 on SIGINT (Ctrl-C) after a clean stop", async (t) => {
  const { cli: broker, url } = await startCliBroker(t, brokerArgs);
  const topic = "/default/cli-sigint";
  const create = await runCli(["produce", "-s", url, "-t", topic, "--reliable", "-m", "first"]);
  assert.equal(create.code, 0, create.stderr);

  const consumer = track(t, startCli(["consume", "-s", url, "-t", topic, "-S", "s1"]));
  await consumer.waitForLine(/^subscribed to /);
  consumer.child.kill("SIGINT");
  const consumed = await consumer.exited();
  assert.equal(consumed.code, 130, consumed.stderr);
  assert.match(consumed.stderr, /interrupted by SIGINT/);

  broker.child.kill("SIGINT");
  const stopped = await broker.exited();
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(stopped.stderr, /danube broker: closed/);
});

test("client errors map to their exit codes", async (t) => {
  const { url } = await startCliBroker(t, brokerArgs);
  // Subscribing to a topic that does not exist: NOT_FOUND.
  const missing = await runCli(["consume", "-s", url, "-t", "/default/nope", "-S", "s1"]);
  assert.equal(missing.code, 11, missing.stderr);
  assert.match(missing.stderr, /topic \/default\/nope does not exist: subscribing never creates a topic/);
});

test("a second broker on a busy port fails to start with exit 3", async (t) => {
  const { url } = await startCliBroker(t, brokerArgs);
  const port = new URL(url).port;
  const dataDir = await tempDir(t);
  const second = await runCli([
    "broker",
    "--data-dir",
    dataDir,
    "--broker-addr",
    `127.0.0.1:${port}`,
    "--admin-addr",
    "127.0.0.1:0",
  ]);
  assert.equal(second.code, 3, second.stderr);
  assert.match(second.stderr, /failed to start/);
});
