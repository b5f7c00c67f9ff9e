import assert from "node:assert/strict";
import { test } from "node:test";
import { AckDeadlines } from "./ack-deadlines.ts";

interface Item {
  at: number;
  id: number;
  current: boolean;
}

const item = (id: number, at: number): Item => ({ id, at, current: true });

test("takeDue hands over the current deadlines due, earliest first, and keeps the rest", () => {
  const deadlines = new AckDeadlines<Item>((i) => i.current);
  const items = [item(1, 10), item(2, 20), item(3, 30)];
  for (const i of items) deadlines.push(i, 3);
  items[0]!.current = false; // acked
  const due: number[] = [];
  deadlines.takeDue(25, (i) => due.push(i.id));
  assert.deepEqual(due, [2]);
  deadlines.takeDue(25, (i) => due.push(i.id));
  assert.deepEqual(due, [2], "each deadline is handed over once");
  deadlines.takeDue(30, (i) => due.push(i.id));
  assert.deepEqual(due, [2, 3]);
  assert.equal(deadlines.size, 0);
});

test("an earlier deadline than the last (a shorter ack timeout) is still found in order", () => {
  const deadlines = new AckDeadlines<Item>((i) => i.current);
  deadlines.push(item(1, 100), 2);
  deadlines.push(item(2, 50), 2);
  const due: number[] = [];
  deadlines.takeDue(60, (i) => due.push(i.id));
  assert.deepEqual(due, [2]);
  deadlines.takeDue(100, (i) => due.push(i.id));
  assert.deepEqual(due, [2, 1]);
});

test("stale deadlines do not pile up behind a current one", () => {
  const deadlines = new AckDeadlines<Item>((i) => i.current);
  deadlines.push(item(0, 1_000_000), 1); // never acked
  for (let n = 1; n <= 100_000; n++) {
    const i = item(n, 1_000_000 + n);
    deadlines.push(i, 2);
    i.current = false; // acked at once
  }
  assert.ok(deadlines.size <= 2 * 2 + 1024 + 1, `size ${deadlines.size}`);
  const due: number[] = [];
  deadlines.takeDue(Number.MAX_SAFE_INTEGER, (i) => due.push(i.id));
  assert.deepEqual(due, [0]);
});
