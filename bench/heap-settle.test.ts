// The bench's settle between figures: a node child started with GC_PRELOAD_FLAGS runs a full
// collection when asked (and says so), other stderr output is passed on, and a child that cannot
// answer does not hang the bench.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { childGarbageCollector, GC_PRELOAD_FLAGS } from "./heap-settle.ts";

/** A node child that reports each full collection (V8's --trace-gc) and echoes stdin to stderr. */
function child(flags: string[], extra = "") {
  const script = `${extra}
    process.stdin.on("data", (d) => process.stderr.write("echo " + d));
    process.stdout.write("ready\\n");
  `;
  const proc = spawn(process.execPath, [...flags, "--trace-gc", "-e", script], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  proc.stderr!.setEncoding("utf8");
  proc.stdout!.setEncoding("utf8");
  return proc;
}

test("a preloaded child runs a full collection on request and other stderr is forwarded", async () => {
  const proc = child(GC_PRELOAD_FLAGS);
  let stdout = "";
  proc.stdout!.on("data", (chunk: string) => {
    stdout += chunk;
  });
  const forwarded: string[] = [];
  const collect = childGarbageCollector(proc, (chunk) => forwarded.push(chunk));
  try {
    while (!stdout.includes("ready")) await once(proc.stdout!, "data");
    const before = stdout.split("Mark-Compact").length;
    assert.equal(await collect(), true);
    assert.equal(await collect(), true);
    // --trace-gc prints on stdout: two more full collections, each forced by the request.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(stdout.split("Mark-Compact").length - before >= 2, stdout);
    proc.stdin!.write("hello\n");
    while (!forwarded.join("").includes("echo hello")) await once(proc.stderr!, "data");
    assert.ok(!forwarded.join("").includes("gc done"), "the report line is not forwarded");
  } finally {
    proc.kill();
  }
});

test("a child without the preload answers nothing, and the request gives up", async () => {
  // Without the preload this child ignores SIGUSR2 (its own listener keeps node from exiting).
  const proc = child([], "process.on('SIGUSR2', () => {});");
  const collect = childGarbageCollector(proc, undefined, 300);
  try {
    await once(proc.stdout!, "data");
    const started = performance.now();
    assert.equal(await collect(), false);
    assert.ok(performance.now() - started >= 250);
    assert.equal(proc.exitCode, null);
  } finally {
    proc.kill();
  }
});

test("an exited child is not signalled", async () => {
  const proc = child(GC_PRELOAD_FLAGS);
  const collect = childGarbageCollector(proc);
  const exited = once(proc, "exit");
  proc.kill();
  await exited;
  assert.equal(await collect(), false);
});
