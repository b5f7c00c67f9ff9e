import assert from "node:assert/strict";
import { test } from "node:test";
import { DeadlineQueue } from "./deadlines.ts";

test("entries fire once, in deadline order, from one timer; removed ones never fire", async () => {
  const queue = new DeadlineQueue();
  const fired: number[] = [];
  const now = Date.now();
  const entries = [50, 10, 40, 30, 20, 60].map((ms) => queue.add(now + ms, () => fired.push(ms)));
  queue.remove(entries[2]!); // 40
  queue.remove(entries[2]!); // removing twice is harmless
  assert.equal(queue.size, 5);
  queue.add(Number.POSITIVE_INFINITY, () => fired.push(-1)); // never queued
  assert.equal(queue.size, 5);
  await new Promise((r) => setTimeout(r, 120));
  assert.deepEqual(fired, [10, 20, 30, 50, 60]);
  assert.equal(queue.size, 0);
});

test("an earlier deadline added later re-arms the timer; clear() drops everything", async () => {
  const queue = new DeadlineQueue();
  const fired: string[] = [];
  const now = Date.now();
  queue.add(now + 10_000, () => fired.push("late"));
  queue.add(now + 5, () => fired.push("early"));
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(fired, ["early"]);
  queue.clear();
  assert.equal(queue.size, 0);
});

test("heap order holds under many random adds and removes", async () => {
  const queue = new DeadlineQueue();
  const fired: number[] = [];
  const base = Date.now() + 20;
  const live = new Set<number>();
  const entries = [];
  for (let i = 0; i < 2000; i++) {
    const at = base + Math.floor(Math.random() * 30);
    entries.push({ at, entry: queue.add(at, () => fired.push(at)) });
  }
  entries.forEach((e, i) => {
    if (i % 3 === 0) queue.remove(e.entry);
    else live.add(i);
  });
  assert.equal(queue.size, live.size);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(fired.length, live.size);
  for (let i = 1; i < fired.length; i++) assert.ok(fired[i - 1]! <= fired[i]!, "fired in deadline order");
});
