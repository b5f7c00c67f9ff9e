import assert from "node:assert/strict";
import { test } from "node:test";
import { DanubeError, ErrorCode } from "../errors.ts";
import { AsyncQueue } from "./async-queue.ts";

const tick = () => new Promise((resolve) => setImmediate(resolve));

test("push waits while the queue is full and resumes when drained", async () => {
  const queue = new AsyncQueue<number>(2);
  assert.equal(await queue.push(1), true);
  assert.equal(await queue.push(2), true);
  let third = false;
  const pending = queue.push(3).then((ok) => {
    third = ok;
  });
  await tick();
  assert.equal(third, false, "third push must wait");
  assert.equal(queue.size, 2);
  assert.equal(queue.waitingWriters, 1);
  assert.deepEqual(await queue.next(), { value: 1, done: false });
  await pending;
  assert.equal(third, true);
  assert.equal(queue.size, 2, "never more than capacity buffered");
  assert.deepEqual(await queue.next(), { value: 2, done: false });
  assert.deepEqual(await queue.next(), { value: 3, done: false });
});

test("a waiting reader receives the next push directly", async () => {
  const queue = new AsyncQueue<string>(1);
  const read = queue.next();
  await queue.push("a");
  assert.deepEqual(await read, { value: "a", done: false });
  assert.equal(queue.size, 0);
});

test("many writers stay bounded and keep FIFO order per writer", async () => {
  const queue = new AsyncQueue<number>(3);
  const writers = [0, 1].map(async (w) => {
    for (let i = 0; i < 20; i++) await queue.push(w * 100 + i);
  });
  const seen: number[] = [];
  while (seen.length < 40) {
    assert.ok(queue.size <= 3);
    const r = await queue.next();
    if (!r.done) seen.push(r.value);
  }
  await Promise.all(writers);
  for (const w of [0, 1]) {
    const mine = seen.filter((v) => Math.floor(v / 100) === w);
    assert.deepEqual(
      mine,
      Array.from({ length: 20 }, (_, i) => w * 100 + i),
    );
  }
});

test("close ends readers, releases writers and drops items", async () => {
  const queue = new AsyncQueue<number>(1);
  await queue.push(1);
  const blocked = queue.push(2);
  queue.close();
  assert.equal(await blocked, false);
  assert.deepEqual(await queue.next(), { value: undefined, done: true });
  assert.equal(await queue.push(3), false);

  const other = new AsyncQueue<number>(1);
  const waiting = other.next();
  other.close();
  assert.deepEqual(await waiting, { value: undefined, done: true });
});

test("capacity must be a positive integer", () => {
  assert.throws(() => new AsyncQueue(0), RangeError);
});

test("take(): a stop racing a push never loses the item", async () => {
  const stopError = new DanubeError(ErrorCode.DEADLINE_EXCEEDED, "receive: deadline exceeded");
  const queue = new AsyncQueue<number>(2);
  let stop: ((error: DanubeError) => void) | undefined;
  let disposed = 0;
  const watch = (s: (error: DanubeError) => void) => {
    stop = s;
    return () => {
      disposed++;
    };
  };
  // Handed over first, stopped in the same tick: the item wins.
  const first = queue.take(watch);
  await queue.push(1);
  stop?.(stopError);
  assert.deepEqual(await first, { value: 1, done: false });
  assert.equal(disposed, 1);
  // Stopped first: the wait is withdrawn, the next push stays queued for the next reader.
  const second = queue.take(watch);
  stop?.(stopError);
  await assert.rejects(second, stopError);
  assert.equal(queue.waitingReaders, 0);
  await queue.push(2);
  assert.deepEqual(await queue.take(watch), { value: 2, done: false });
  queue.close();
  assert.deepEqual(await queue.take(watch), { value: undefined, done: true });
});
