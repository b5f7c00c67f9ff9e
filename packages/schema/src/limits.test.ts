import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSchema } from "./index.ts";

const limited = (name: string) => (err: unknown) => {
  assert.equal((err as { code?: string }).code, "SCHEMA_INVALID");
  assert.match((err as Error).message, new RegExp(`^Schema is too large: .*\\(${name}\\)`));
  return true;
};

const timed = (f: () => void) => {
  const started = performance.now();
  f();
  return performance.now() - started;
};

describe("schema limits, checked before parsing", () => {
  it("refuse oversized, too deep and too wide definitions quickly, naming the limit", () => {
    const bigEnum = JSON.stringify({
      type: "string",
      enum: Array.from({ length: 150_000 }, (_, i) => `v${i}`),
    });
    assert.ok(bigEnum.length > 1024 * 1024);
    const ms = timed(() => assert.throws(() => parseSchema("json_schema", bigEnum), limited("maxBytes")));
    assert.ok(ms < 100, `${ms} ms`);
    const props = Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`p${i}`, {}]));
    assert.throws(
      () => parseSchema("json_schema", JSON.stringify({ properties: props })),
      limited("maxMembers"),
    );
    const deep = `${"[".repeat(200)}${"]".repeat(200)}`;
    assert.throws(() => parseSchema("json_schema", `{"enum":[${deep}]}`), limited("maxDepth"));
    const symbols = Array.from({ length: 10_001 }, (_, i) => `S${i}`);
    assert.throws(
      () => parseSchema("avro", JSON.stringify({ type: "enum", name: "E", symbols })),
      limited("maxMembers"),
    );
    const fields = Array.from({ length: 10_001 }, (_, i) => `  string f${i} = ${i + 1};`).join("\n");
    assert.throws(
      () => parseSchema("protobuf", `syntax = "proto3";\nmessage M {\n${fields}\n}\n`),
      limited("maxMembers"),
    );
    assert.throws(
      () => parseSchema("protobuf", `syntax = "proto3";\n${"message M {".repeat(130)}${"}".repeat(130)}`),
      limited("maxDepth"),
    );
  });

  it("count tokens, not characters inside strings or comments", () => {
    const text = JSON.stringify({ type: "string", description: "[{,,,}]".repeat(5000) });
    parseSchema("json_schema", text, { limits: { maxBytes: 1e6, maxDepth: 3, maxMembers: 3, maxNodes: 10 } });
    parseSchema(
      "protobuf",
      `syntax = "proto3";\n// ;;;; {{{{\nmessage M { string a = 1 [json_name = "x;{"]; }\n`,
      {
        limits: { maxBytes: 1e6, maxDepth: 2, maxMembers: 1, maxNodes: 3 },
      },
    );
    assert.throws(
      () =>
        parseSchema("json_schema", '{"enum":[1,2,3,4]}', {
          limits: { maxBytes: 1e6, maxDepth: 3, maxMembers: 10, maxNodes: 5 },
        }),
      limited("maxNodes"),
    );
  });
});
