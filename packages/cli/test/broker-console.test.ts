import assert from "node:assert/strict";
import { test } from "node:test";
import { startCliBroker } from "./cli-broker.ts";

test("danube broker --console-addr serves the web console and its API", async (t) => {
  const { cli } = await startCliBroker(t, ["--console-addr", "127.0.0.1:0"]);
  const [, url] = await cli.waitForLine(/^web console on (http:\/\/127\.0\.0\.1:\d+)\/$/);
  const page = await fetch(url!, { signal: AbortSignal.timeout(5_000) });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>Danube console<\/title>/);
  const topics = await fetch(`${url}/api/topics`, { signal: AbortSignal.timeout(5_000) });
  assert.deepEqual(await topics.json(), []);
});
