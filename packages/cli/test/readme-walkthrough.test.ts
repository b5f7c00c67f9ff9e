import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { tempBroker } from "../../broker/test/temp-broker.ts";
import { runCli, startCli } from "./cli-process.ts";

/** The `npx danube ...` lines of the README's shell walkthrough, as argument lists. */
async function walkthrough(): Promise<Array<{ args: string[]; input?: string }>> {
  const readme = await readFile(new URL("../../../README.md", import.meta.url), "utf8");
  const start = readme.indexOf("Or from the shell");
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start))![1]!;
  return block
    .trim()
    .split("\n")
    .map((line) => {
      const command = line.replace(/\s+#.*$/, "");
      const seq = /^seq (\d+) (\d+) \| (.*)$/.exec(command);
      const words = (seq?.[3] ?? command).match(/"[^"]*"|\S+/g)!.map((w) => w.replace(/^"|"$/g, ""));
      assert.deepEqual(words.slice(0, 2), ["npx", "danube"], line);
      if (seq === null) return { args: words.slice(2) };
      const numbers = Array.from(
        { length: Number(seq[2]) - Number(seq[1]) + 1 },
        (_, i) => Number(seq[1]) + i,
      );
      return { args: words.slice(2), input: `${numbers.join("\n")}\n` };
    });
}

test("the README's CLI walkthrough runs as written (addresses from the environment)", async (t) => {
  const broker = await tempBroker(t, { logLevel: "silent" });
  const env = { DANUBE_SERVICE_URL: broker.url, DANUBE_ADMIN_ENDPOINT: broker.adminUrl };
  const [create, consume, ...produces] = await walkthrough();
  assert.equal(create!.args[0], "topics");
  assert.equal(consume!.args[0], "consume");

  const created = await runCli(create!.args, 30_000, { env });
  assert.equal(created.code, 0, created.stderr);
  const consumer = startCli(consume!.args, { env });
  t.after(() => consumer.kill());
  await consumer.waitForLine(/^subscribed to /);
  for (const produce of produces) {
    const sent = await runCli(produce.args, 30_000, {
      env,
      ...(produce.input ? { input: produce.input } : {}),
    });
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stderr, /produced \d+ message\(s\)/);
  }
  const consumed = await consumer.exited();
  assert.equal(consumed.code, 0, consumed.stderr);
  assert.equal(consumed.stdout.trim().split("\n").length, 5);
});
