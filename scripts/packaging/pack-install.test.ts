// Packs every workspace package, installs the tarballs into a project outside the repository and
// uses them there as a user would: plain `node` (no tsx, no custom condition), the user's tsc
// against the published declarations, and the `danube` command. publint and arethetypeswrong
// check the same tarballs.
//
// Extra Node versions: DANUBE_PACK_NODES="22 24" also runs the plain-node smoke test and
// `danube --version` under node-<platform>-<arch>@<major> from the npm registry (cached in tmpdir).
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type CommandResult, run, startProcess } from "./run-command.ts";

const repo = resolve(fileURLToPath(import.meta.url), "../../..");
const fixture = join(repo, "scripts/packaging/fixture");
const packages = ["protocol", "schema", "client", "broker", "cli"] as const;
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const tsc = join(repo, "node_modules/typescript/bin/tsc");

// What runs from the installed tarballs must not see the repository: no source condition, no tsx,
// no npm lifecycle variables of the outer `npm test`, and no repository bin folders on PATH.
const cleanEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => key !== "NODE_OPTIONS" && !/^npm_/i.test(key)),
);
cleanEnv.PATH = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((dir) => !dir.startsWith(repo))
  .join(delimiter);

let work = "";
let project = "";
const tarballs = new Map<string, string>();
const packedFiles = new Map<string, string[]>();

function ok(result: CommandResult, what: string): CommandResult {
  assert.equal(result.code, 0, `${what} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), "danube-pack-"));
  project = join(work, "project");
  const out = join(work, "tarballs");
  await mkdir(out, { recursive: true });
  await mkdir(project);
  ok(await run(npm, ["run", "build"], { cwd: repo, env: cleanEnv, timeoutMs: 300_000 }), "npm run build");
  const packed = ok(
    await run(npm, ["pack", "--workspaces", "--json", "--pack-destination", out], {
      cwd: repo,
      env: cleanEnv,
      timeoutMs: 180_000,
    }),
    "npm pack",
  );
  for (const entry of JSON.parse(packed.stdout) as {
    name: string;
    filename: string;
    files: { path: string }[];
  }[]) {
    tarballs.set(entry.name, join(out, entry.filename));
    packedFiles.set(
      entry.name,
      entry.files.map((f) => f.path),
    );
  }
  const typesNode = JSON.parse(await readFile(join(repo, "node_modules/@types/node/package.json"), "utf8"));
  const dependencies: Record<string, string> = { "@types/node": typesNode.version };
  for (const [name, file] of tarballs) dependencies[name] = `file:${file}`;
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "danube-user", private: true, type: "module", dependencies }, null, 2),
  );
  for (const file of ["smoke.mjs", "require.cjs", "user.ts", "tsconfig.json"]) {
    await copyFile(join(fixture, file), join(project, file));
  }
  ok(
    await run(npm, ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], {
      cwd: project,
      env: cleanEnv,
      timeoutMs: 180_000,
    }),
    "npm install of the tarballs",
  );
});

after(async () => {
  if (work !== "") await rm(work, { recursive: true, force: true });
});

test("inside the repository, packages resolve to their TypeScript sources (no build needed)", () => {
  // `npm test` sets the @danube-ts/source condition; this file itself runs from src.
  assert.match(import.meta.resolve("@danube-ts/client"), /\/packages\/client\/src\/index\.ts$/);
});

test("every tarball holds dist, README, LICENSE and no tests", () => {
  assert.deepEqual([...tarballs.keys()].sort(), packages.map((p) => `@danube-ts/${p}`).sort());
  for (const [name, files] of packedFiles) {
    for (const required of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"]) {
      assert.ok(files.includes(required), `${name} lacks ${required}`);
    }
    assert.ok(files.includes("dist/index.d.ts.map"), `${name} lacks declaration maps`);
    const tests = files.filter((f) => /(^|\/)test\/|\.test\.|tsbuildinfo/.test(f));
    assert.deepEqual(tests, [], `${name} ships test or build files`);
  }
  assert.ok(packedFiles.get("@danube-ts/cli")?.includes("bin/danube.mjs"));
  for (const [name, files] of packedFiles) {
    const stale = files
      .filter((f) => f.startsWith("dist/") && f.endsWith(".js"))
      .filter((f) => !files.includes(f.replace(/^dist\//, "src/").replace(/\.js$/, ".ts")));
    assert.deepEqual(stale, [], `${name} ships compiled files without a source`);
  }
});

test("installed packages load in plain node: produce and consume through an in-process broker", async () => {
  const result = ok(await run(process.execPath, ["smoke.mjs"], { cwd: project, env: cleanEnv }), "smoke.mjs");
  assert.match(result.stdout, /^ok v\S+ received one,two,three$/m);
  const required = ok(
    await run(process.execPath, ["require.cjs"], { cwd: project, env: cleanEnv }),
    "require",
  );
  assert.equal(required.stdout.trim(), "required");
});

test("a user's strict NodeNext TypeScript file type-checks against the published declarations", async () => {
  const result = ok(
    await run(process.execPath, [tsc, "-p", "tsconfig.json", "--listFiles"], {
      cwd: project,
      env: cleanEnv,
      timeoutMs: 300_000,
    }),
    "tsc",
  );
  const ours = result.stdout.split("\n").filter((line) => line.includes("/node_modules/@danube-ts/"));
  assert.ok(ours.length > 5, result.stdout);
  assert.deepEqual(
    ours.filter((f) => !f.endsWith(".d.ts")),
    [],
    "the user's tsc must only see declarations",
  );
  const tsImports = [];
  for (const file of ours) {
    if (/(from |import\()"\.\.?\/[^"]*\.ts"/.test(await readFile(file, "utf8"))) tsImports.push(file);
  }
  assert.deepEqual(tsImports, [], "declarations import .js paths, as the JavaScript does");
});

test("the installed danube command: --help, a broker on free ports, produce, consume", async (t) => {
  const danube = join(project, "node_modules/.bin/danube");
  const help = ok(await run(danube, ["--help"], { cwd: project, env: cleanEnv }), "danube --help");
  assert.match(help.stdout, /^Usage: danube /m);
  assert.match(help.stdout, /\bbroker\b/);
  const npx = process.platform === "win32" ? "npx.cmd" : "npx";
  const viaNpx = await run(npx, ["--no-install", "@danube-ts/cli", "--version"], {
    cwd: project,
    env: cleanEnv,
  });
  assert.match(ok(viaNpx, "npx @danube-ts/cli --version").stdout, /^danube \d+\.\d+\.\d+/);

  const dataDir = join(work, "cli-data");
  const brokerArgs = ["broker", "--data-dir", dataDir, "--broker-addr", "127.0.0.1:0"];
  const broker = startProcess(danube, [...brokerArgs, "--admin-addr", "127.0.0.1:0"], {
    cwd: project,
    env: cleanEnv,
  });
  t.after(() => broker.kill("SIGKILL"));
  const [, url] = await broker.waitFor(/danube broker listening on (http:\/\/\S+) /, 30_000);
  const service = ["--service-url", url!, "--topic", "/default/packed-cli"];

  const first = ["produce", ...service, "--reliable", "--message", "first"];
  ok(await run(danube, first, { cwd: project, env: cleanEnv }), "danube produce (creates the topic)");
  const consumer = startProcess(danube, ["consume", ...service, "--subscription", "s", "--count", "2"], {
    cwd: project,
    env: cleanEnv,
  });
  t.after(() => consumer.kill("SIGKILL"));
  await consumer.waitFor(/^subscribed to /m, 30_000);
  const produce = ["produce", ...service, "--reliable", "--count", "2", "--message", "from the tarball"];
  ok(await run(danube, produce, { cwd: project, env: cleanEnv }), "danube produce");
  const consumed = ok(await consumer.exited(30_000), "danube consume");
  assert.equal(consumed.stdout.match(/from the tarball/g)?.length, 2, consumed.stdout);

  broker.kill("SIGTERM");
  const stopped = await broker.exited(30_000);
  // 143 = 128 + SIGTERM after a clean shutdown (docs/cli.md, "Signals").
  assert.equal(stopped.code, 143, stopped.stderr);
  assert.match(stopped.stderr, /danube broker: closed/);
});

test("publint and arethetypeswrong pass on every tarball", async () => {
  const bin = join(repo, "node_modules/.bin");
  const checks = [...tarballs.values()].flatMap((tarball) => [
    run(join(bin, "publint"), ["run", tarball, "--strict"], { cwd: work, env: cleanEnv, timeoutMs: 180_000 }),
    run(join(bin, "attw"), [tarball, "--profile", "esm-only", "--format", "ascii"], {
      cwd: work,
      env: cleanEnv,
      timeoutMs: 180_000,
    }),
  ]);
  for (const [i, result] of (await Promise.all(checks)).entries()) ok(result, `check ${i}`);
});

test("publint and arethetypeswrong fail on a broken package (the checks can fail)", async () => {
  // main points at a missing file (publint) and ESM JavaScript has CommonJS types (attw).
  const broken = join(work, "broken");
  await mkdir(join(broken, "dist"), { recursive: true });
  await writeFile(join(broken, "dist/index.js"), "export const x = 1;\n");
  await writeFile(join(broken, "dist/index.d.cts"), "export declare const x: number;\n");
  const exports = { ".": { types: "./dist/index.d.cts", default: "./dist/index.js" } };
  const pkg = { name: "broken-pkg", version: "1.0.0", type: "module", main: "./dist/missing.js", exports };
  await writeFile(join(broken, "package.json"), JSON.stringify({ ...pkg, files: ["dist"] }));
  const packed = ok(await run(npm, ["pack", "--json"], { cwd: broken, env: cleanEnv }), "npm pack broken");
  const tarball = join(broken, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
  const bin = join(repo, "node_modules/.bin");
  const [lint, types] = await Promise.all([
    run(join(bin, "publint"), ["run", tarball, "--strict"], { cwd: work, env: cleanEnv }),
    run(join(bin, "attw"), [tarball, "--profile", "esm-only", "--format", "ascii"], {
      cwd: work,
      env: cleanEnv,
    }),
  ]);
  assert.notEqual(lint.code, 0, lint.stdout);
  assert.match(lint.stdout, /missing\.js/);
  assert.notEqual(types.code, 0, types.stdout);
  assert.match(types.stdout, /Masquerading as CJS/);
});

const extraNodes = (process.env.DANUBE_PACK_NODES ?? "").split(/[\s,]+/).filter(Boolean);
for (const major of extraNodes) {
  test(`Node ${major}: the installed packages and the danube command run`, async () => {
    const pkg = `node-${process.platform}-${process.arch}`;
    const prefix = join(tmpdir(), "danube-pack-nodes", major);
    const node = join(prefix, "node_modules", pkg, "bin/node");
    const present = await run(node, ["--version"], { cwd: project, env: cleanEnv }).catch(() => undefined);
    if (present?.code !== 0 || !present.stdout.startsWith(`v${major}.`)) {
      const install = [
        "install",
        "--prefix",
        prefix,
        "--no-audit",
        "--no-fund",
        "--no-save",
        `${pkg}@${major}`,
      ];
      ok(await run(npm, install, { cwd: work, env: cleanEnv, timeoutMs: 300_000 }), `npm install ${pkg}`);
    }
    const smoke = ok(
      await run(node, ["smoke.mjs"], { cwd: project, env: cleanEnv }),
      `smoke.mjs on ${major}`,
    );
    assert.match(smoke.stdout, new RegExp(`^ok v${major}\\.\\S+ received one,two,three$`, "m"));
    const bin = join(project, "node_modules/@danube-ts/cli/bin/danube.mjs");
    const version = ok(await run(node, [bin, "--version"], { cwd: project, env: cleanEnv }), "--version");
    assert.match(version.stdout, /^danube \d+\.\d+\.\d+/);

    // Node with process.execve: `danube broker` replaces itself with a process that has the
    // broker's V8 flags, keeping its process id (signals and kill -9 reach the broker itself).
    const dataDir = join(work, `cli-data-node-${major}`);
    const args = [
      bin,
      "broker",
      "--data-dir",
      dataDir,
      "--broker-addr",
      "127.0.0.1:0",
      "--admin-addr",
      "127.0.0.1:0",
    ];
    const broker = startProcess(node, args, { cwd: project, env: cleanEnv });
    try {
      const [line] = await broker.waitFor(/danube broker: starting \(.*\)/, 30_000);
      const probe = await run(node, ["-p", "typeof process.execve"], { cwd: project, env: cleanEnv });
      if (probe.stdout.trim() === "function") {
        assert.match(line, new RegExp(`pid ${broker.child.pid};`), line);
        assert.match(line, / --initial-old-space-size=64\)/, line);
      } else {
        assert.doesNotMatch(line, /--initial-old-space-size/, line);
      }
      await broker.waitFor(/danube broker listening on /, 30_000);
    } finally {
      broker.kill("SIGKILL");
    }
    const killed = await broker.exited(30_000);
    assert.equal(killed.signal, "SIGKILL", "kill -9 of the spawned process ended the broker itself");
  });
}
