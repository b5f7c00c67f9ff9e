import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { createAdminClient } from "@danube-ts/client";
import { tempBroker } from "../../broker/test/temp-broker.ts";
import { tempDir } from "../../broker/test/temp-dir.ts";
import { brokerArgs } from "./cli-broker.ts";
import { runCli, startCli } from "./cli-process.ts";

const bin = fileURLToPath(new URL("../bin/danube.mjs", import.meta.url));

test("connection refused names the address and suggests starting a broker", async () => {
  const result = await runCli(["produce", "-s", "http://127.0.0.1:1", "-t", "/default/t", "-m", "x"]);
  assert.equal(result.code, 17, result.stderr);
  assert.match(result.stderr, /cannot connect to 127\.0\.0\.1:1 \(connection refused\)/);
  assert.match(result.stderr, /danube broker --data-dir/);
});

/**
 * Runs `danube <args>` the way npm/npx does: as the child of another node process in its own
 * process group, that forwards the SIGINT it gets to the child, so the child receives Ctrl-C
 * twice (once from the "terminal", once from the parent). Resolves with the child's exit.
 */
function ctrlCUnderParent(args: string[], readyPattern: RegExp) {
  const parent = `
    const { spawn } = require("node:child_process");
    const child = spawn(process.execPath, ${JSON.stringify([bin, ...args])}, { stdio: ["ignore", "inherit", "inherit"] });
    process.on("SIGINT", () => child.kill("SIGINT"));
    child.on("exit", (code, signal) => { console.log(JSON.stringify({ code, signal })); process.exit(0); });
  `;
  const group = spawn(process.execPath, ["-e", parent], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let interrupted = false;
  const onData = () => {
    if (!interrupted && readyPattern.test(stderr)) {
      interrupted = true;
      process.kill(-group.pid!, "SIGINT"); // the whole group, as a terminal's Ctrl-C
    }
  };
  group.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  group.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    onData();
  });
  return new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-group.pid!, "SIGKILL");
      reject(new Error(`no exit within 30 s\n${stderr}`));
    }, 30_000);
    group.on("close", () => {
      clearTimeout(timer);
      const last = stdout.trim().split("\n").at(-1) ?? "{}";
      resolve({ ...(JSON.parse(last) as { code: number | null; signal: string | null }), stderr });
    });
  });
}

test("Ctrl-C exits 130 after a clean stop, also when a parent forwards it (npx)", async (t) => {
  const broker = await tempBroker(t, { logLevel: "silent" });
  {
    await using admin = createAdminClient({ adminUrl: broker.adminUrl });
    await admin.createTopic({ name: "/default/sig", dispatchStrategy: "Reliable" });
  }
  const consumed = await ctrlCUnderParent(
    ["consume", "-s", broker.url, "-t", "/default/sig", "-m", "s1"],
    /subscribed to /,
  );
  assert.deepEqual([consumed.code, consumed.signal], [130, null], consumed.stderr);
  assert.match(consumed.stderr, /interrupted by SIGINT after 0 message\(s\)/);

  const brokerRun = await ctrlCUnderParent(brokerArgs(await tempDir(t)), /stop with Ctrl-C/);
  assert.deepEqual([brokerRun.code, brokerRun.signal], [130, null], brokerRun.stderr);
  assert.match(brokerRun.stderr, /danube broker: closed/);
});

test("a broker start that never finishes ends at the first Ctrl-C", {
  skip: process.platform !== "linux",
}, async () => {
  // On Linux, creating a directory under /proc never returns with Node's recursive mkdir; on a
  // Node where it fails instead, the start fails at once (exit 3), which is fine too.
  const broker = startCli([
    "broker",
    "--data-dir",
    "/proc/danube-cli-test/data",
    "--broker-addr",
    "127.0.0.1:0",
  ]);
  const settled = broker.exited(30_000);
  // Once it says it is starting, its signal handlers are in place (a loaded machine can take
  // seconds to get there); then give the start time to hang.
  await Promise.race([broker.waitForLine(/danube broker: starting/, 30_000).catch(() => undefined), settled]);
  const early = await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, 2000, undefined))]);
  if (early !== undefined) {
    assert.equal((early as { code: number }).code, 3);
    return;
  }
  broker.child.kill("SIGINT");
  const started = performance.now();
  const result = await settled;
  assert.equal(result.code, 130, result.stderr);
  assert.match(result.stderr, /SIGINT received while starting/);
  assert.ok(performance.now() - started < 5000, "exits promptly");
});
