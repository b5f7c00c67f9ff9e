import assert from "node:assert/strict";
import { test } from "node:test";
import { MinHeap } from "./min-heap.ts";

test("MinHeap pops in order, with interleaved pushes and duplicates", () => {
  const heap = new MinHeap<number>((a, b) => a < b);
  const reference: number[] = [];
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % 100;
  };
  for (let round = 0; round < 2000; round++) {
    if (random() < 60) {
      const value = random();
      heap.push(value);
      reference.push(value);
      reference.sort((a, b) => a - b);
    } else {
      assert.equal(heap.pop(), reference.shift());
    }
    assert.equal(heap.size, reference.length);
    assert.equal(heap.peek(), reference[0]);
  }
});
