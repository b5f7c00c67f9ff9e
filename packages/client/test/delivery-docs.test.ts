// docs/delivery.md shows docs/examples/delivery-status.ts verbatim, and the example runs against a
// real broker, so the page cannot drift.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { assertShowsExample, root } from "./doc-examples.ts";
import { tempBroker } from "./helpers.ts";

const run = promisify(execFile);
const example = join(root, "docs/examples/delivery-status.ts");

test("docs/delivery.md shows docs/examples/delivery-status.ts", async () => {
  await assertShowsExample("docs/delivery.md", "docs/examples/delivery-status.ts");
});

test("the delivery example runs against a real broker", async (t) => {
  const broker = await tempBroker(t);
  const { stdout } = await run(process.execPath, ["--import", "tsx", example], {
    env: { ...process.env, DANUBE_SERVICE_URL: broker.url },
    timeout: 30_000,
  });
  assert.match(stdout, /^status stream ended: client$/m);
});
