import assert from "node:assert/strict";
import { test } from "node:test";
import { tempBroker } from "../../broker/test/temp-broker.ts";
import { runMain } from "./run-main.ts";

// In-process (real broker, real gRPC); the child-process tests cover the entry point.
const runCli = async (args: string[]) => {
  const r = await runMain(...args);
  return { code: r.code, stdout: r.out, stderr: r.err };
};

test("topics: create (plain and partitioned), list, describe, delete", async (t) => {
  const broker = await tempBroker(t);
  const admin = ["--admin-url", broker.adminUrl];

  const created = await runCli(["topics", "create", ...admin, "--topic", "/default/orders", "--reliable"]);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /created \/default\/orders \(Reliable\)/);
  const parts = await runCli([
    "topics",
    "create",
    ...admin,
    "--topic",
    "/default/events",
    "--partitions",
    "2",
  ]);
  assert.equal(parts.code, 0, parts.stderr);

  const listed = await runCli(["topics", "list", ...admin]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(listed.stdout.trim().split("\n").sort(), [
    "/default/events-part-0\tNonReliable",
    "/default/events-part-1\tNonReliable",
    "/default/orders\tReliable",
  ]);

  const described = await runCli([
    "topics",
    "describe",
    ...admin,
    "--topic",
    "/default/orders",
    "-o",
    "json",
  ]);
  assert.equal(described.code, 0, described.stderr);
  assert.equal((JSON.parse(described.stdout) as { topic: string }).topic, "/default/orders");

  const again = await runCli(["topics", "create", ...admin, "--topic", "/default/orders"]);
  // The broker answers NOT_FOUND, as upstream does; the CLI says what it means and exits 12.
  assert.equal(again.code, 12, again.stderr);
  assert.match(again.stderr, /topic \/default\/orders already exists/);

  assert.equal((await runCli(["topics", "delete", ...admin, "--topic", "/default/events"])).code, 0);
  const after = await runCli(["topics", "list", ...admin]);
  assert.deepEqual(after.stdout.trim().split("\n"), ["/default/orders\tReliable"]);

  const bad = await runCli(["topics", "frobnicate", ...admin]);
  assert.equal(bad.code, 2);
});
