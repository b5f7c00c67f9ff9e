// More reliable topics than the process may open files: the broker keeps at most a quarter of
// its open-file limit as segment files open (LRU), so it creates, serves and restarts with them all.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { closeBeforeRemoval, killed, tempDir } from "./helpers.ts";
import { rawClient } from "./raw-client.ts";

const fixture = fileURLToPath(new URL("./fixtures/broker-process.ts", import.meta.url));
const LIMIT = 128;
const TOPICS = 160;

/** Starts the broker fixture under `ulimit -n LIMIT`; resolves once it listens. */
function startLimited(
  dataDir: string,
): Promise<{ child: ChildProcess; url: string; adminUrl: string; stderr: string[] }> {
  const child = spawn(
    "sh",
    ["-c", `ulimit -n ${LIMIT} && exec "$0" --import tsx "$1" "$2"`, process.execPath, fixture, dataDir],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, DANUBE_TEST_NO_FSYNC: "1" },
    },
  );
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (line) => stderr.push(line));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", (line) => {
      const { url, adminUrl } = JSON.parse(line) as { url: string; adminUrl: string };
      resolve({ child, url, adminUrl, stderr });
    });
    child.once("exit", (code) => reject(new Error(`broker exited early with ${code}: ${stderr.join("\n")}`)));
  });
}

/** Runs `fn` over `items`, at most `width` at a time. */
async function pool<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return out;
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

test(`a broker with ${TOPICS} reliable topics under an open-file limit of ${LIMIT} starts and serves them all`, {
  timeout: 120_000,
}, async (t) => {
  const dataDir = await tempDir(t);
  let broker = await startLimited(dataDir);
  closeBeforeRemoval(t, () => killed(broker.child));
  assert.ok(
    broker.stderr.some((line) => line.includes(`open-file limit is ${LIMIT}`)),
    `the broker warns about the limit: ${broker.stderr.join("\n")}`,
  );
  let raw = rawClient(broker.url, broker.adminUrl);
  t.after(() => raw.close());
  const names = Array.from({ length: TOPICS }, (_, i) => `/default/many-${i}`);
  const t0 = Date.now();
  await pool(names, 8, async (name) => raw.send(name, await raw.createProducer(name, "p"), `first ${name}`));
  t.diagnostic(`created and sent to ${TOPICS} topics in ${Date.now() - t0} ms`);
  raw.close();
  await stop(broker.child);

  broker = await startLimited(dataDir);
  raw = rawClient(broker.url, broker.adminUrl);
  const offsets = await pool(names, 8, async (name) =>
    raw.send(name, await raw.createProducer(name, "p"), `second ${name}`),
  );
  assert.equal(offsets.length, TOPICS);
  await stop(broker.child);
});
