import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startBroker } from "@danube-ts/broker";
import { ExitCode } from "../src/exit-codes.ts";
import { runCli, startCli } from "./cli-process.ts";

test("a damaged metadata journal: the broker refuses to start, naming the file; --repair-metadata starts it", async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), "danube-cli-repair-"));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const broker = await startBroker({ dataDir, port: 0, adminPort: 0, logLevel: "silent" });
  await broker.close();
  const journal = join(dataDir, "metadata", "journal-00000000000000000000.log");
  const bytes = await readFile(journal);
  bytes[14] ^= 0x01; // inside the first entry: valid entries follow it
  await writeFile(journal, bytes);

  const args = [
    "broker",
    "--data-dir",
    dataDir,
    "--broker-addr",
    "127.0.0.1:0",
    "--admin-addr",
    "127.0.0.1:0",
  ];
  const refused = await runCli(args);
  assert.equal(refused.code, ExitCode.BROKER_START);
  assert.ok(refused.stderr.includes(journal), refused.stderr);
  assert.match(refused.stderr, /damaged at byte 0 .*--repair-metadata/);

  const repaired = startCli([...args, "--repair-metadata", "--log-level", "error"]);
  t.after(() => repaired.kill());
  await repaired.waitForLine(/^danube broker listening on /);
  assert.match(repaired.stderr(), /recovered metadata/);
});
