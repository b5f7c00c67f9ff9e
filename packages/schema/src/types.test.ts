import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseCompatibilityMode, parseSchema, parseSchemaType, SchemaError } from "./index.ts";

describe("schema type names", () => {
  it("accepts canonical names and upstream aliases in any case", () => {
    const cases: Array<[string, string]> = [
      ["bytes", "bytes"],
      ["STRING", "string"],
      ["Int", "number"],
      ["int64", "number"],
      ["float", "number"],
      ["DOUBLE", "number"],
      ["Avro", "avro"],
      ["json", "json_schema"],
      ["JsonSchema", "json_schema"],
      ["JSON_SCHEMA", "json_schema"],
      ["proto", "protobuf"],
      ["Protobuf", "protobuf"],
    ];
    for (const [input, out] of cases) assert.equal(parseSchemaType(input), out, input);
  });

  it("rejects unknown names with a SchemaError", () => {
    assert.throws(
      () => parseSchemaType("xml"),
      (e: unknown) => e instanceof SchemaError && e.code === "UNKNOWN_SCHEMA_TYPE" && /xml/.test(e.message),
    );
  });

  it("parses compatibility modes case-insensitively", () => {
    assert.equal(parseCompatibilityMode("BACKWARD"), "backward");
    assert.equal(parseCompatibilityMode("Full_Transitive"), "full_transitive");
    assert.throws(() => parseCompatibilityMode("sideways"), { code: "UNKNOWN_COMPATIBILITY_MODE" });
  });
});

describe("fingerprints and canonical forms", () => {
  it("uses the literal type name for bytes, string and number", () => {
    for (const t of ["bytes", "string", "number"]) {
      const s = parseSchema(t, "ignored");
      assert.equal(s.fingerprint, t);
      assert.equal(s.canonical, t);
    }
  });

  it("is stable across whitespace and key order for Avro and JSON Schema", () => {
    const a = parseSchema("avro", '{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}');
    const b = parseSchema(
      "avro",
      '{ "name": "R", "fields": [ {"type": "int", "name": "a"} ], "type": "record" }',
    );
    assert.equal(a.fingerprint, b.fingerprint);
    assert.match(a.fingerprint, /^sha256:[0-9a-f]{64}$/);
    const j1 = parseSchema("json", '{"type":"object","properties":{"x":{"type":"string"}}}');
    const j2 = parseSchema("json", '{"properties": {"x": {"type": "string"}}, "type": "object"}');
    assert.equal(j1.fingerprint, j2.fingerprint);
    const j3 = parseSchema("json", '{"type":"object","properties":{"x":{"type":"integer"}}}');
    assert.notEqual(j1.fingerprint, j3.fingerprint);
  });

  it("fingerprints Protobuf by its raw text", () => {
    const p1 = parseSchema("proto", 'syntax = "proto3"; message M { string a = 1; }');
    const p2 = parseSchema("proto", 'syntax = "proto3";  message M { string a = 1; }');
    assert.notEqual(p1.fingerprint, p2.fingerprint);
    assert.equal(p1.canonical, 'syntax = "proto3"; message M { string a = 1; }');
  });

  it("accepts the definition as UTF-8 bytes", () => {
    const s = parseSchema("avro", new TextEncoder().encode('"string"'));
    assert.equal(s.type, "avro");
  });
});

describe("invalid schemas", () => {
  const bad: Array<[string, string, RegExp]> = [
    ["avro", "{not json", /not JSON/],
    ["avro", '{"type":"record","name":"R"}', /fields/],
    [
      "avro",
      '{"type":"record","name":"R","fields":[{"name":"a","type":"Missing"}]}',
      /unknown type 'Missing'/,
    ],
    ["avro", '["int","int"]', /duplicate 'int' in union/],
    ["json_schema", '{"type": 12}', /Invalid JSON Schema/],
    ["json_schema", "[1]", /object or a boolean/],
    ["protobuf", "message M { string a = }", /Invalid Protobuf schema/],
    ["protobuf", 'syntax = "proto3"; message M { Unknown a = 1; }', /Invalid Protobuf schema/],
    ["protobuf", 'syntax = "proto3"; import "other.proto"; message M { string a = 1; }', /other\.proto/],
  ];
  for (const [type, text, re] of bad) {
    it(`rejects ${type} ${text.slice(0, 40)}`, () => {
      assert.throws(
        () => parseSchema(type, text),
        (e: unknown) => e instanceof SchemaError && e.code === "SCHEMA_INVALID" && re.test(e.message),
      );
    });
  }
});
