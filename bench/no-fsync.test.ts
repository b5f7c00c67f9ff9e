// bench/no-fsync.mjs, preloaded into the "nofsync" rows' broker: FileHandle's datasync and sync
// are replaced there and nowhere else.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const preload = fileURLToPath(new URL("./no-fsync.mjs", import.meta.url));

/** What datasync and sync are in a node child started with `flags`, and that a write still lands. */
function probe(
  flags: string[],
): Promise<{ datasync: string; sync: string; written: string; stderr: string }> {
  const script = `
    const { open, mkdtemp, readFile, rm } = await import("node:fs/promises");
    const dir = await mkdtemp(require("node:os").tmpdir() + "/nofsync-");
    const h = await open(dir + "/f", "w");
    await h.write("kept");
    await h.datasync();
    await h.sync();
    await h.close();
    const written = await readFile(dir + "/f", "utf8");
    await rm(dir, { recursive: true });
    const proto = Object.getPrototypeOf(h);
    console.log(JSON.stringify({ datasync: String(proto.datasync), sync: String(proto.sync), written }));
  `;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...flags, "--input-type=commonjs", "-e", `(async () => {${script}})()`],
      (err, out, errOut) =>
        err
          ? reject(new Error(`${err.message}\n${errOut}`))
          : resolve({ ...JSON.parse(out), stderr: errOut }),
    );
  });
}

test("the preload makes datasync and sync return at once; writes still land", async () => {
  const without = await probe([]);
  const withPreload = await probe(["--import", preload]);
  assert.equal(withPreload.written, "kept");
  assert.equal(withPreload.datasync, "async function datasync() {}");
  assert.equal(withPreload.sync, "async function sync() {}");
  assert.notEqual(
    without.datasync,
    withPreload.datasync,
    "a child without the preload keeps Node's datasync",
  );
  assert.equal(without.written, "kept");
  // The line bench/bench-broker.ts waits for before it measures a row without fdatasync.
  assert.match(withPreload.stderr, /^danube-bench: fdatasync off$/m);
  assert.doesNotMatch(without.stderr, /fdatasync off/);
});
