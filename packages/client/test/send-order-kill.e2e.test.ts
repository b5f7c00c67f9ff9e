// kill -9 of a broker process under pipelined large sends: no acknowledged message lost, and the
// first deliveries keep the send order (the broker sequences; resends after the crash come after).
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { createClient } from "../src/index.ts";
import { exclusiveConsumer, uniqueTopic, waitUntil } from "./helpers.ts";

const cliBin = fileURLToPath(new URL("../../cli/bin/danube.mjs", import.meta.url));
const listening = /danube broker listening on (\S+)/;

/** `danube broker` as a child process on `addr`; resolves with its URL once it listens. */
function startChild(dataDir: string, addr: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [cliBin, "broker", "--data-dir", dataDir, "--broker-addr", addr, "--admin-addr", "127.0.0.1:0"],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("broker did not start within 30 s")), 30_000);
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const match = listening.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`broker process exited early with ${code}`));
    });
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

for (const transport of ["stream", "unary"] as const) {
  test(`kill -9 twice under 64 pipelined 20 KB sends: nothing acknowledged lost, first deliveries in send order [${transport}]`, async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), "danube-order-kill-"));
    let broker = await startChild(dataDir, "127.0.0.1:0");
    const address = broker.url.replace(/^http:\/\//, "");
    t.after(async () => {
      await kill(broker.child);
      await rm(dataDir, { recursive: true, force: true });
    });
    const client = createClient({ serviceUrl: broker.url, healthCheckIntervalMs: 300, transport });
    t.after(() => client.close());
    const topic = uniqueTopic("order-kill");
    const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
    const consumer = await exclusiveConsumer(client, topic);

    const total = 400;
    const payload = (i: number) => {
      const bytes = new Uint8Array(20_000).fill(0x2e);
      bytes.set(Buffer.from(String(i).padStart(8, "0")));
      return bytes;
    };
    const acked = new Set<number>();
    const failed: unknown[] = [];
    const kills: Promise<void>[] = [];
    const crashAt = new Set([100, 250]);
    const crash = async () => {
      await kill(broker.child);
      broker = await startChild(dataDir, address);
    };
    const window = new Set<Promise<void>>();
    for (let i = 0; i < total; i++) {
      if (window.size >= 64) await Promise.race(window);
      const sent: Promise<void> = producer.send(payload(i)).then(
        () => {
          acked.add(i);
          if (crashAt.delete(acked.size)) kills.push(crash());
        },
        (error: unknown) => {
          failed.push(error);
        },
      );
      const tracked = sent.finally(() => window.delete(tracked));
      window.add(tracked);
    }
    await Promise.all(window);
    await Promise.all(kills);
    assert.equal(kills.length, 2, "the broker was killed twice during the run");
    assert.equal(failed.length, 0, `every send resolves: ${String(failed[0])}`);

    const first: number[] = [];
    const seen = new Set<number>();
    let duplicates = 0;
    const reading = (async () => {
      for await (const message of consumer) {
        const i = Number(Buffer.from(message.payload.subarray(0, 8)).toString());
        if (seen.has(i)) duplicates++;
        else {
          seen.add(i);
          first.push(i);
        }
        await message.ack().catch(() => {});
        if (seen.size === total) break;
      }
    })();
    await waitUntil(
      () => seen.size === total,
      `all ${total} messages consumed (${seen.size} so far)`,
      60_000,
    );
    await reading;
    t.diagnostic(`${duplicates} duplicates (resends of sends whose reply the crash lost)`);
    for (let k = 1; k < first.length; k++) {
      assert.ok(
        first[k]! > first[k - 1]!,
        `first deliveries out of order at ${k}: ${first[k - 1]} then ${first[k]}`,
      );
    }
    await consumer.close();
  });
}
