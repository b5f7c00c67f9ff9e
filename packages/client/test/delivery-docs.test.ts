// docs/delivery.md shows docs/examples/delivery-status.ts verbatim, and the example runs against a
// real broker, so the page cannot drift.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startBroker } from "@danube-ts/broker";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../../", import.meta.url));
const example = join(root, "docs/examples/delivery-status.ts");

const squash = (code: string) =>
  code
    .replaceAll(/,(\s*[}\])])/g, "$1")
    .replaceAll(/\s+/g, " ")
    .trim();

test("docs/delivery.md shows docs/examples/delivery-status.ts", async () => {
  const source = await readFile(example, "utf8");
  const block = source
    .slice(
      source.indexOf("// example:start\n") + "// example:start\n".length,
      source.indexOf("// example:end"),
    )
    .replaceAll('"../../packages/client/src/index.ts"', '"@danube-ts/client"');
  const page = await readFile(join(root, "docs/delivery.md"), "utf8");
  const blocks = [...page.matchAll(/```ts\n([\s\S]*?)\n```/g)].map((m) => squash(m[1]!));
  assert.ok(blocks.includes(squash(block)), "docs/delivery.md differs from docs/examples/delivery-status.ts");
});

test("the delivery example runs against a real broker", async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), "danube-delivery-docs-"));
  const broker = await startBroker({ dataDir, port: 0, adminPort: 0 });
  t.after(async () => {
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const { stdout } = await run(process.execPath, ["--import", "tsx", example], {
    env: { ...process.env, DANUBE_SERVICE_URL: broker.url },
    timeout: 30_000,
  });
  assert.match(stdout, /^status stream ended: client$/m);
});
