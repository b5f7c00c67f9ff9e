import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deflateRawSync } from "node:zlib";
import { parseSchema } from "./index.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);

describe("primitive payload validation", () => {
  it("bytes accepts anything", () => {
    assert.equal(parseSchema("bytes", "").validate(new Uint8Array([0xff, 0])).valid, true);
  });
  it("string requires UTF-8", () => {
    const s = parseSchema("string", "");
    assert.equal(s.validate(utf8("héllo")).valid, true);
    const r = s.validate(new Uint8Array([0xc3, 0x28]));
    assert.equal(r.valid, false);
    assert.match(r.errors[0]!.message, /UTF-8/);
  });
  it("number requires 4 or 8 bytes", () => {
    const n = parseSchema("double", "");
    assert.equal(n.validate(new Uint8Array(4)).valid, true);
    assert.equal(n.validate(new Uint8Array(8)).valid, true);
    assert.equal(n.validate(new Uint8Array(5)).valid, false);
  });
});

describe("JSON Schema payload validation", () => {
  const schema = parseSchema(
    "json_schema",
    '{"type":"object","properties":{"age":{"type":"integer","minimum":0}},"required":["age"],"additionalProperties":false}',
  );
  it("accepts a valid document", () => {
    assert.deepEqual(schema.validate(utf8('{"age": 3}')), { valid: true, errors: [] });
  });
  it("reports paths and reasons", () => {
    const r = schema.validate(utf8('{"age": -1, "x": 1}'));
    assert.equal(r.valid, false);
    assert.ok(r.errors.some((e) => e.path === "/age" && /must be >= 0/.test(e.message)));
    assert.ok(r.errors.some((e) => /additional/.test(e.message) && /'x'/.test(e.message)));
  });
  it("rejects non-JSON payloads", () => {
    assert.match(schema.validate(utf8("{")).errors[0]!.message, /not JSON/);
  });
  it("picks the draft from $schema, draft-07 by default", () => {
    const d7 = parseSchema("json", '{"items":[{"type":"string"}],"additionalItems":false}');
    assert.equal(d7.type === "json_schema" && d7.draft, "draft-07");
    assert.equal(d7.validate(utf8('["a", 1]')).valid, false);
    const d2020 = parseSchema(
      "json",
      '{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"string"}],"items":false}',
    );
    assert.equal(d2020.type === "json_schema" && d2020.draft, "2020-12");
    assert.equal(d2020.validate(utf8('["a"]')).valid, true);
    assert.equal(d2020.validate(utf8('["a", 1]')).valid, false);
  });
  it("compiles several versions sharing one $id", () => {
    parseSchema("json", '{"$id":"https://example.com/x.json","type":"string"}');
    const again = parseSchema("json", '{"$id":"https://example.com/x.json","type":"integer"}');
    assert.equal(again.validate(utf8("3")).valid, true);
  });
});

describe("Avro payload validation", () => {
  const rec = parseSchema(
    "avro",
    '{"type":"record","name":"User","fields":[{"name":"name","type":"string"},{"name":"age","type":["null","int"]}]}',
  );
  if (rec.type !== "avro") throw new Error("unreachable");
  const datum = rec.avscType().toBuffer({ name: "ada", age: 36 });

  it("accepts a binary datum", () => {
    assert.equal(rec.validate(datum).valid, true);
  });
  it("rejects truncated data and trailing bytes", () => {
    assert.equal(rec.validate(datum.subarray(0, 2)).valid, false);
    const r = rec.validate(Buffer.concat([datum, Buffer.from([0])]));
    assert.match(r.errors[0]!.message, /trailing/);
  });
  it("reports the field path of a bad union index", () => {
    const r = rec.validate(Buffer.from([0x06, 0x61, 0x64, 0x61, 0x08]));
    assert.equal(r.errors[0]!.path, "/age");
    assert.match(r.errors[0]!.message, /union branch index 4/);
  });
  it("accepts an object container file, as upstream does", () => {
    const header = Buffer.from("Obj\x01", "latin1");
    const metaType = parseSchema("avro", '{"type":"map","values":"bytes"}');
    if (metaType.type !== "avro") throw new Error("unreachable");
    const meta = metaType.avscType().toBuffer({
      "avro.schema": Buffer.from(rec.canonical),
      "avro.codec": Buffer.from("deflate"),
    });
    const sync = Buffer.alloc(16, 7);
    const data = deflateRawSync(Buffer.concat([datum, datum]));
    const longType = parseSchema("avro", '"long"');
    if (longType.type !== "avro") throw new Error("unreachable");
    const file = Buffer.concat([
      header,
      meta,
      sync,
      longType.avscType().toBuffer(2),
      longType.avscType().toBuffer(data.length),
      data,
      sync,
    ]);
    assert.deepEqual(rec.validate(file), { valid: true, errors: [] });
    const badSync = Buffer.from(file);
    badSync[badSync.length - 1] = 0;
    assert.match(rec.validate(badSync).errors[0]!.message, /sync/);
  });
  it("validates generic datums and JSON text datums", () => {
    assert.equal(rec.validateDatum({ name: "x", age: null }).valid, true);
    const r = rec.validateDatum({ name: 3, age: "old" });
    assert.deepEqual(
      r.errors.map((e) => e.path),
      ["/name", "/age"],
    );
    const long = parseSchema("avro", '{"type":"record","name":"L","fields":[{"name":"n","type":"long"}]}');
    if (long.type !== "avro") throw new Error("unreachable");
    assert.equal(long.validateDatumJson('{"n": 5}').valid, true);
    assert.equal(long.validateDatumJson('{"n": 5.0}').valid, false);
    assert.equal(long.validateDatum({ n: 2n ** 60n }).valid, true);
  });
});

describe("Protobuf payload validation", () => {
  const proto = parseSchema(
    "protobuf",
    'syntax = "proto3"; package shop; message Order { string id = 1; int64 qty = 2; } message Other { bytes b = 1; }',
  );
  if (proto.type !== "protobuf") throw new Error("unreachable");
  it("decodes with the first message of the file", () => {
    const type = proto.messageType!;
    assert.equal(type.name, "Order");
    const bytes = type.encode(type.fromObject({ id: "a", qty: 2 })).finish();
    assert.equal(proto.validate(bytes).valid, true);
  });
  it("rejects undecodable bytes", () => {
    const r = proto.validate(new Uint8Array([0x0a, 0x05, 0x61]));
    assert.equal(r.valid, false);
    assert.match(r.errors[0]!.message, /shop\.Order/);
  });
  it("honours an explicit message name", () => {
    const other = parseSchema("protobuf", proto.canonical, { messageName: "shop.Other" });
    assert.equal(other.type === "protobuf" && other.messageType?.name, "Other");
    assert.throws(
      () => parseSchema("protobuf", proto.canonical, { messageName: "Nope" }),
      /no message named/,
    );
  });
  it("resolves imports from references", () => {
    const s = parseSchema(
      "protobuf",
      'syntax = "proto3"; import "common.proto"; import "google/protobuf/timestamp.proto"; message E { common.Id id = 1; google.protobuf.Timestamp at = 2; }',
      {
        references: [
          { name: "common.proto", text: 'syntax = "proto3"; package common; message Id { string v = 1; }' },
        ],
      },
    );
    assert.equal(s.type === "protobuf" && s.messageType?.name, "E");
  });
});
