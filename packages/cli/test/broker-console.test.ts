import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startCli } from "./cli-process.ts";

test("danube broker --console-addr serves the web console and its API", async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), "danube-cli-console-"));
  const broker = startCli([
    "broker",
    "--data-dir",
    dataDir,
    "--broker-addr",
    "127.0.0.1:0",
    "--admin-addr",
    "127.0.0.1:0",
    "--console-addr",
    "127.0.0.1:0",
  ]);
  t.after(async () => {
    broker.kill();
    await rm(dataDir, { recursive: true, force: true });
  });
  const [, url] = await broker.waitForLine(/^web console on (http:\/\/127\.0\.0\.1:\d+)\/$/);
  const page = await fetch(url!, { signal: AbortSignal.timeout(5_000) });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>Danube console<\/title>/);
  const topics = await fetch(`${url}/api/topics`, { signal: AbortSignal.timeout(5_000) });
  assert.deepEqual(await topics.json(), []);
});
