import assert from "node:assert/strict";
import { test } from "node:test";
import { tuneBrokerGc } from "../src/gc-tuning.ts";

test("the broker turns V8's memory reducer off unless the node command line names it", () => {
  assert.equal(tuneBrokerGc(["--memory-reducer"]), false);
  assert.equal(tuneBrokerGc(["--conditions=x", "--no-memory-reducer"]), false);
  assert.equal(tuneBrokerGc(["--memory_reducer"]), false);
  // Other flags that merely start alike are not the user's choice about the reducer.
  assert.equal(tuneBrokerGc(["--memory-reducer-for-small-heaps"]), true);
  assert.equal(tuneBrokerGc([]), true);
});
