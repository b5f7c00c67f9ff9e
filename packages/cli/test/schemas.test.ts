import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { tempBroker } from "../../broker/test/temp-broker.ts";
import { tempDir } from "../../broker/test/temp-dir.ts";
import { runMain } from "./run-main.ts";

// In-process (real broker, real gRPC); the child-process tests cover the entry point.
const runCli = async (args: string[]) => {
  const r = await runMain(...args);
  return { code: r.code, stdout: r.out, stderr: r.err };
};

test("schemas: register, dedupe, check, mode, versions, get, list, delete", async (t) => {
  const dir = await tempDir(t);
  const broker = await tempBroker(t);
  const url = ["--service-url", broker.url];
  const v1 = join(dir, "v1.avsc");
  const v2 = join(dir, "v2.avsc");
  const bad = join(dir, "bad.avsc");
  await writeFile(
    v1,
    JSON.stringify({ type: "record", name: "Order", fields: [{ name: "id", type: "long" }] }),
  );
  await writeFile(
    v2,
    JSON.stringify({
      type: "record",
      name: "Order",
      fields: [
        { name: "id", type: "long" },
        { name: "note", type: "string", default: "" },
      ],
    }),
  );
  await writeFile(
    bad,
    JSON.stringify({ type: "record", name: "Order", fields: [{ name: "id", type: "string" }] }),
  );
  const cli = (...args: string[]) => runCli(["schemas", ...args, ...url]);

  const first = await cli("register", "--subject", "orders-value", "--type", "avro", "--file", v1);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^registered orders-value version 1 \(schema id 1, sha256:[0-9a-f]{64}\)/);
  const again = await cli("register", "--subject", "orders-value", "--type", "avro", "--file", v1);
  assert.match(again.stdout, /^already registered orders-value version 1/);

  const incompatible = await cli("check", "--subject", "orders-value", "--type", "avro", "--file", bad);
  assert.equal(incompatible.code, 1);
  assert.match(incompatible.stdout, /^incompatible\n {2}\S/);
  const compatible = await cli("check", "--subject", "orders-value", "--type", "avro", "--file", v2);
  assert.equal(compatible.code, 0, compatible.stdout);

  assert.equal((await cli("mode", "--subject", "orders-value", "--mode", "full")).code, 0);
  assert.equal((await cli("register", "--subject", "orders-value", "--type", "avro", "--file", v2)).code, 0);

  const versions = JSON.parse(
    (await cli("versions", "--subject", "orders-value", "-o", "json")).stdout,
  ) as Array<{
    version: number;
  }>;
  assert.deepEqual(
    versions.map((v) => v.version),
    [1, 2],
  );
  const got = JSON.parse(
    (await cli("get", "--subject", "orders-value", "--version", "1", "-o", "json")).stdout,
  ) as {
    version: number;
    schemaType: string;
  };
  assert.deepEqual([got.version, got.schemaType], [1, "avro"]);

  const listed = await cli("list");
  assert.match(listed.stdout, /^orders-value\tavro\tv2\tfull\tid 1$/m);

  assert.equal((await cli("delete", "--subject", "orders-value", "--version", "1")).code, 0);
  const missing = await cli("get", "--subject", "orders-value", "--version", "1");
  assert.equal(missing.code, 11, "NOT_FOUND");
  assert.equal((await cli("mode", "--subject", "orders-value")).code, 2, "--mode is required");
});
