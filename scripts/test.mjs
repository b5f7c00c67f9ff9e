// The one test command: type-check, lint, then every *.test.ts with node's test runner.
// Usage: node scripts/test.mjs [path-filter ...]
// Tests run the TypeScript sources, not dist/: the "@danube-ts/source" export condition picks
// src/*.ts and tsx loads it. Both go through NODE_OPTIONS so child processes (the CLI, examples)
// do the same; the packaging test clears it for what it runs from the installed tarballs.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(import.meta.url), "../..");
const filters = process.argv.slice(2);
const skipDirs = new Set(["node_modules", ".git", "dist", "gen"]);

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skipDirs.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(path));
    else if (entry.name.endsWith(".test.ts")) found.push(relative(root, path));
  }
  return found;
}

const sourceNodeOptions = "--conditions=@danube-ts/source --import tsx";

function step(label, cmd, args, env = process.env) {
  console.log(`\n== ${label}`);
  const started = Date.now();
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env });
  console.log(
    `== ${label}: ${result.status === 0 ? "ok" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const tests = findTests(root)
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();
if (filters.length === 0) {
  step("typecheck", "npx", ["--no-install", "tsc", "-p", "tsconfig.json"]);
  step("lint", "npx", ["--no-install", "biome", "check", "--error-on-warnings", "."]);
}
if (tests.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
const nodeOptions = [process.env.NODE_OPTIONS, sourceNodeOptions].filter(Boolean).join(" ");
step(`${tests.length} test files`, process.execPath, ["--test", "--test-reporter=spec", ...tests], {
  ...process.env,
  NODE_OPTIONS: nodeOptions,
});
