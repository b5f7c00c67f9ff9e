import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { startBroker } from "@danube-ts/broker";
import { tempDir } from "../../broker/test/temp-dir.ts";
import { ExitCode } from "../src/exit-codes.ts";
import { brokerArgs } from "./cli-broker.ts";
import { type CliProcess, runCli, startCli } from "./cli-process.ts";

test("a damaged metadata journal: the broker refuses to start, naming the file; --repair-metadata starts it", async (t) => {
  let repaired: CliProcess | undefined;
  const dataDir = await tempDir(t, async () => {
    repaired?.kill();
    await repaired?.exited();
  });
  const broker = await startBroker({ dataDir, port: 0, adminPort: 0, logLevel: "silent" });
  await broker.close();
  const journal = join(dataDir, "metadata", "journal-00000000000000000000.log");
  const bytes = await readFile(journal);
  bytes[14] ^= 0x01; // inside the first entry: valid entries follow it
  await writeFile(journal, bytes);

  const args = brokerArgs(dataDir);
  const refused = await runCli(args);
  assert.equal(refused.code, ExitCode.BROKER_START);
  assert.ok(refused.stderr.includes(journal), refused.stderr);
  assert.match(refused.stderr, /damaged at byte 0 .*--repair-metadata/);

  repaired = startCli([...args, "--repair-metadata", "--log-level", "error"]);
  await repaired.waitForLine(/^danube broker listening on /);
  assert.match(repaired.stderr(), /recovered metadata/);
});
