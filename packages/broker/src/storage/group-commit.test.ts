import assert from "node:assert/strict";
import { test } from "node:test";
import type { StorageError } from "./errors.ts";
import { GroupCommit, type GroupCommitIo } from "./group-commit.ts";

interface Batch {
  items: number[];
}

/** An owner that records what the engine asks of it; `failNext` makes the next write fail with that code. */
function owner() {
  const log = {
    writes: [] as number[][],
    committed: [] as number[][],
    rejected: [] as Array<{ items: number[]; code: string }>,
    cuts: 0,
    failedWrites: 0,
    failNext: undefined as string | undefined,
    cutFails: false,
    /** Resolves the write in progress (writes wait for it when set). */
    gate: undefined as Promise<void> | undefined,
  };
  const io: GroupCommitIo<Batch> = {
    describe: "test store",
    async write(batch) {
      log.writes.push([...batch.items]);
      await log.gate;
      const code = log.failNext;
      log.failNext = undefined;
      if (code) throw Object.assign(new Error(`${code}: simulated`), { code });
    },
    commit: (batch) => log.committed.push(batch.items),
    reject: (batch, error: StorageError) => log.rejected.push({ items: batch.items, code: error.code }),
    async cutPartialWrite() {
      log.cuts++;
      if (log.cutFails) throw new Error("truncate failed");
    },
    onWriteFailed: () => {
      log.failedWrites++;
    },
  };
  const engine = new GroupCommit(io);
  const add = (n: number) => engine.batch(() => ({ items: [] })).items.push(n);
  return { log, engine, add };
}

test("changes made in one tick share one write; later ones join the next batch", async () => {
  const { log, engine, add } = owner();
  let open!: () => void;
  log.gate = new Promise((resolve) => {
    open = resolve;
  });
  add(1);
  add(2);
  add(3);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(log.writes, [[1, 2, 3]]);
  add(4); // arrives while the first write is in progress
  add(5);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(log.writes, [[1, 2, 3]], "no second write while the first is in progress");
  log.gate = undefined;
  open();
  await engine.settled();
  assert.deepEqual(log.writes, [
    [1, 2, 3],
    [4, 5],
  ]);
  assert.deepEqual(log.committed, [
    [1, 2, 3],
    [4, 5],
  ]);
});

test("changes from separate callbacks of one event-loop turn share one write", async () => {
  // Each unary call that one socket read brings in is handled in its own callback, with the
  // microtasks run between them: the first write waits for the end of the turn, so all join it.
  const { log, engine, add } = owner();
  // Immediates queued together run in one check phase, microtasks between them (timers of the same
  // delay need not: a millisecond boundary can split them over two turns).
  await new Promise<void>((resolve) => {
    setImmediate(() => add(1));
    setImmediate(() => add(2));
    setImmediate(() => {
      add(3);
      resolve();
    });
  });
  await engine.settled();
  assert.deepEqual(log.writes, [[1, 2, 3]]);
  assert.deepEqual(log.committed, [[1, 2, 3]]);
});

test("a batch is committed only after its write returned", async () => {
  const { log, engine, add } = owner();
  let open!: () => void;
  log.gate = new Promise((resolve) => {
    open = resolve;
  });
  add(1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(log.committed, [], "nothing answered while the write (fsync) is in progress");
  open();
  await engine.settled();
  assert.deepEqual(log.committed, [[1]]);
});

test("a failed write (ENOSPC) rejects its batch and the one queued behind it, cuts the partial bytes, and the next change retries", async () => {
  const { log, engine, add } = owner();
  let open!: () => void;
  log.gate = new Promise((resolve) => {
    open = resolve;
  });
  log.failNext = "ENOSPC";
  add(1);
  await new Promise((resolve) => setImmediate(resolve));
  add(2); // queued behind the failing write
  open();
  await engine.settled();
  assert.deepEqual(log.rejected, [
    { items: [2], code: "IO" },
    { items: [1], code: "IO" },
  ]);
  assert.equal(log.cuts, 1);
  assert.equal(log.failedWrites, 1);
  assert.equal(engine.failed, undefined, "ENOSPC with a successful cut does not fail closed");
  assert.equal(engine.refusal(), undefined);
  log.gate = undefined;
  add(3);
  await engine.settled();
  assert.deepEqual(log.committed, [[3]]);
});

test("EIO fails closed without trying to cut: later changes are refused", async () => {
  const { log, engine, add } = owner();
  log.failNext = "EIO";
  add(1);
  await engine.settled();
  assert.equal(log.cuts, 0);
  assert.equal(engine.failed?.code, "IO");
  assert.equal(engine.refusal()?.code, "FAILED");
  assert.match(engine.refusal()!.message, /test store refuses writes after a write that could not be undone/);
  // A batch that was already pending when the engine failed is rejected, never written.
  add(2);
  await engine.settled();
  assert.deepEqual(log.writes, [[1]]);
  assert.deepEqual(log.rejected.at(-1), { items: [2], code: "FAILED" });
});

test("a failed cut fails closed", async () => {
  const { log, engine, add } = owner();
  log.failNext = "ENOSPC";
  log.cutFails = true;
  add(1);
  await engine.settled();
  assert.equal(log.cuts, 1);
  assert.match(engine.failed!.message, /undoing the partial write failed/);
  assert.equal(engine.refusal()?.code, "FAILED");
});

test("close() waits for pending batches and refuses new changes", async () => {
  const { log, engine, add } = owner();
  add(1);
  const closed = engine.close();
  assert.equal(engine.refusal()?.code, "CLOSED");
  await closed;
  assert.deepEqual(log.committed, [[1]]);
});
