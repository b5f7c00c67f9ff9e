import assert from "node:assert/strict";
import { test } from "node:test";
import { type PayloadTask, parseSchema, SchemaWorker } from "@danube-ts/schema";
import { PayloadChecks } from "./payload-checks.ts";
import type { VersionRecord } from "./records.ts";

const record = (definition: string): VersionRecord => ({
  version: 1,
  schemaType: "json_schema",
  definition,
  fingerprint: `fp-${definition.length}`,
  createdAt: 0n,
  createdBy: "",
  description: "",
  tags: [],
});
const bytes = (text: string) => new TextEncoder().encode(text);
const small = '{"type":"object","properties":{"n":{"type":"integer"}}}';
const large = JSON.stringify({
  type: "object",
  properties: {
    n: { type: "integer" },
    ...Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`p${i}`, { type: "string" }])),
  },
});

test("a small schema is checked at once on the caller's thread; a large one on the worker", async (t) => {
  const worker = new SchemaWorker();
  t.after(() => worker.close());
  const tasks: PayloadTask[] = [];
  const checks = new PayloadChecks({
    parsedVersion: () => parseSchema("json_schema", small),
    runOnWorker: (task) => {
      tasks.push(task);
      return worker.run(task, 30_000);
    },
  });
  assert.deepEqual(checks.check(1n, record(small), bytes('{"n":1}')), { valid: true });
  const refused = checks.check(1n, record(small), bytes('{"n":"x"}'));
  assert.ok(!(refused instanceof Promise) && "errors" in refused && refused.errors[0]?.path === "/n");
  assert.equal(tasks.length, 0);

  const first = checks.check(2n, record(large), bytes('{"n":1}'));
  assert.ok(first instanceof Promise, "large: answered by the worker");
  assert.deepEqual(await first, { valid: true });
  // The first task went without the definition, the worker asked for it, the second carried it.
  assert.deepEqual(
    tasks.map((task) => task.definition !== undefined),
    [false, true],
  );
  const second = await checks.check(2n, record(large), bytes('{"n":"x"}'));
  assert.ok("errors" in second && second.errors[0]?.path === "/n");
  assert.equal(tasks.length, 3, "the worker kept the compiled schema: no definition sent again");
  assert.equal(tasks[2]!.definition, undefined);
});

test("a worker failure is a verdict (refused with the reason), never a rejection, and is not retried at once", async () => {
  let calls = 0;
  const checks = new PayloadChecks({
    parsedVersion: () => undefined,
    runOnWorker: async () => {
      calls++;
      return { ok: false, code: "INTERNAL", message: "Schema check did not finish within 5 ms" };
    },
  });
  const verdict = { failed: "Schema check did not finish within 5 ms" };
  assert.deepEqual(await checks.check(1n, record(large), bytes("{}")), verdict);
  // The next message does not wait for the time limit again.
  assert.deepEqual(await checks.check(1n, record(large), bytes("{}")), verdict);
  assert.equal(calls, 1);
});
