import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./main-job.ts", import.meta.url));

async function mainJobDirs(): Promise<Set<string>> {
  return new Set((await readdir(tmpdir())).filter((name) => name.startsWith("danube-main-job-")));
}

test("main job round-trips 500 messages, prints the summary and cleans up", async (t) => {
  const before = await mainJobDirs();
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, DANUBE_MAIN_JOB_COUNT: "500", DANUBE_MAIN_JOB_IN_FLIGHT: "32" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));

  assert.equal(code, 0, `stdout:\n${stdout}\nstderr:\n${stderr}`);
  assert.match(stdout, /^main-job OK: 500\/500 messages delivered, 0 duplicates$/m);
  assert.match(stdout, /produce +500 msgs in [\d.]+ s, 32 sends in flight: [\d,]+ msgs\/s, [\d.]+ MB\/s/);
  assert.match(stdout, /consume +500 msgs in [\d.]+ s/);
  assert.match(stdout, /delivery +500\/500 unique, 0 duplicates, 0 missing, 0 corrupt/);
  // Not a TTY: one progress line per 10% of each phase.
  assert.equal(stderr.match(/^produce .*%/gm)?.length, 10, stderr);
  assert.equal(stderr.match(/^consume .*%/gm)?.length, 10, stderr);
  // The temp data dir is gone.
  const leftover = [...(await mainJobDirs())].filter((name) => !before.has(name));
  assert.deepEqual(leftover, []);
});
