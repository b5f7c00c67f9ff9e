// Builds every package to packages/*/dist (ESM JavaScript, .d.ts, declaration and source maps)
// with tsc's project references, then removes outputs whose source file is gone (tsc -b keeps them)
// and gives relative imports in .d.ts files a .js extension (tsc rewrites them in .js only), so
// the declarations read like the JavaScript for every TypeScript version that resolves them.
// Usage: node scripts/build.mjs [--clean]
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(import.meta.url), "../..");
const packages = ["protocol", "schema", "client", "broker", "cli"];
const tsc = join(root, "node_modules/typescript/bin/tsc");
const outputs = /(\.d\.ts\.map|\.d\.ts|\.js\.map|\.js)$/;
const tsSpecifier = /((?:from |import\()"\.\.?\/[^"]*)\.ts"/g;

if (process.argv.includes("--clean")) {
  for (const name of packages) rmSync(join(root, "packages", name, "dist"), { recursive: true, force: true });
}
const built = spawnSync(process.execPath, [tsc, "-b", join(root, "tsconfig.build.json")], {
  stdio: "inherit",
});
if (built.status !== 0) process.exit(built.status ?? 1);

for (const name of packages) {
  const dist = join(root, "packages", name, "dist");
  const src = join(root, "packages", name, "src");
  for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !outputs.test(entry.name)) continue;
    const file = join(entry.parentPath, entry.name);
    const source = join(src, relative(dist, file).replace(outputs, ".ts"));
    if (!existsSync(source)) rmSync(file);
    else if (entry.name.endsWith(".d.ts")) {
      const text = readFileSync(file, "utf8");
      const fixed = text.replace(tsSpecifier, '$1.js"'); // same length: declaration maps stay exact
      if (fixed === text) continue;
      const { atime, mtime } = statSync(file);
      writeFileSync(file, fixed);
      utimesSync(file, atime, mtime); // keep tsc -b's view of its own output unchanged
    }
  }
}
