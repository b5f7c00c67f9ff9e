import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tempBroker } from "../packages/broker/test/temp-broker.ts";

const run = promisify(execFile);
const here = fileURLToPath(new URL(".", import.meta.url));

const between = (text: string, marker = "quickstart") => {
  const start = text.indexOf(`// ${marker}:start\n`);
  const end = text.indexOf(`// ${marker}:end`);
  assert.ok(start >= 0 && end > start, `${marker} markers present`);
  return text.slice(start + `// ${marker}:start\n`.length, end).trim();
};

test("the README quickstart is examples/quickstart.ts, verbatim", async () => {
  const readme = await readFile(join(here, "../README.md"), "utf8");
  const example = between(await readFile(join(here, "quickstart.ts"), "utf8"));
  assert.ok(
    readme.includes(`\`\`\`ts\n${example}\n\`\`\``),
    "README quickstart block differs from examples/quickstart.ts",
  );
});

test("the quickstart runs against a real broker", async (t) => {
  const broker = await tempBroker(t);
  const { stdout } = await run(process.execPath, ["--import", "tsx", join(here, "quickstart.ts")], {
    env: { ...process.env, DANUBE_SERVICE_URL: broker.url },
    timeout: 30_000,
  });
  assert.match(stdout, /^0n \{"id":1\} \{ source: 'web' \}/m);
});

test("the README's embed-a-broker snippet is examples/embed-broker.ts, verbatim, and runs", async () => {
  const readme = await readFile(join(here, "../README.md"), "utf8");
  const example = between(await readFile(join(here, "embed-broker.ts"), "utf8"), "embed");
  assert.ok(
    readme.includes(`\`\`\`ts\n${example}\n\`\`\``),
    "README embed block differs from examples/embed-broker.ts",
  );
  const { stdout } = await run(process.execPath, ["--import", "tsx", join(here, "embed-broker.ts")], {
    timeout: 30_000,
  });
  assert.match(stdout, /^http:\/\/127\.0\.0\.1:\d+$/m);
});
