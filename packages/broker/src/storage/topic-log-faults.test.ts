import assert from "node:assert/strict";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { closeBeforeRemoval, tempDir } from "../../test/temp-dir.ts";
import { StorageError } from "./errors.ts";
import { writeFully } from "./fs-sync.ts";
import { HandlePool } from "./handle-pool.ts";
import type { WriteFn } from "./topic-log.ts";
import { TopicLog } from "./topic-log.ts";

const text = (s: string) => new TextEncoder().encode(s);
const errno = (code: string) => Object.assign(new Error(`${code}: injected`), { code });

/** A write function that, while `fault` is set, writes a few bytes and then fails with it. */
function faultyWrite(): { write: WriteFn; fault: string | undefined } {
  const state: { write: WriteFn; fault: string | undefined } = {
    fault: undefined,
    write: async (handle, bytes, length, position) => {
      if (state.fault) {
        await handle.write(bytes, 0, Math.min(7, length), position);
        throw errno(state.fault);
      }
      return writeFully(handle, bytes, length, position);
    },
  };
  return state;
}

test("a full disk rejects the batch retryably, gives its offsets back, and the log recovers by itself", async (t) => {
  const dir = await tempDir(t);
  const io = faultyWrite();
  const log = await TopicLog.open({ dir, write: io.write, cacheRecords: 0 });
  closeBeforeRemoval(t, () => log.close());
  assert.equal(await log.append(text("a")), 0n);
  io.fault = "ENOSPC";
  const failed = await Promise.allSettled([log.append(text("b")), log.append(text("c"))]);
  for (const result of failed) {
    assert.equal(result.status, "rejected");
    const reason = (result as PromiseRejectedResult).reason;
    assert.ok(reason instanceof StorageError && reason.code === "IO", String(reason));
    assert.match(reason.message, /ENOSPC/);
  }
  assert.equal(log.failed, undefined, "a full disk does not fail the log closed");
  assert.equal(log.nextOffset, 1n, "the failed appends' offsets are given back");
  assert.equal(log.committedOffset, 1n);
  assert.equal(log.stats.failedWrites, 1);
  io.fault = undefined;
  assert.equal(await log.append(text("d")), 1n, "the next append succeeds without a reopen");
  assert.deepEqual(
    (await log.read(0n, 10)).map((r) => new TextDecoder().decode(r.payload)),
    ["a", "d"],
  );
  await log.close();
  const reopened = await TopicLog.open({ dir });
  closeBeforeRemoval(t, () => reopened.close());
  assert.equal(reopened.recovery.reason, undefined, "the partial write was cut before the retry");
  assert.equal(reopened.nextOffset, 2n);
});

test("EIO (a failed fsync) fails the log closed: appends are refused until it is reopened", async (t) => {
  const dir = await tempDir(t);
  const io = faultyWrite();
  const log = await TopicLog.open({ dir, write: io.write });
  closeBeforeRemoval(t, () => log.close());
  await log.append(text("a"));
  io.fault = "EIO";
  await assert.rejects(log.append(text("b")), /EIO/);
  assert.ok(log.failed);
  io.fault = undefined;
  await assert.rejects(
    log.append(text("c")),
    (e: unknown) => e instanceof StorageError && e.code === "FAILED",
  );
});

test("more logs than the open-file cap: idle segment files are closed and reopened on demand", async (t) => {
  const dir = await tempDir(t);
  const pool = new HandlePool(4);
  const logs: TopicLog[] = [];
  for (let i = 0; i < 20; i++)
    logs.push(await TopicLog.open({ dir: join(dir, `t${i}`), handles: pool, fsync: false }));
  closeBeforeRemoval(t, () => Promise.all(logs.map((log) => log.close())));
  for (let round = 0; round < 3; round++) {
    await Promise.all(logs.map((log, i) => log.append(text(`r${round}-t${i}`))));
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(pool.size <= 4, `open segment files ${pool.size} exceed the cap`);
  }
  assert.ok(pool.evicted > 0);
  await Promise.all(logs.map((log) => log.close()));
  for (let i = 0; i < 20; i++) {
    assert.equal(
      (await stat(join(dir, `t${i}`, "00000000000000000000.log"))).size,
      3 * (20 + 4 + String(i).length),
    );
  }
  assert.equal((await readdir(dir)).length, 20);
});
