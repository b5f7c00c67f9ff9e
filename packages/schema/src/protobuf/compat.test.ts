import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkCompatibility, parseSchema, type SchemaReferenceFile } from "../index.ts";

const p = (body: string, pkg = "shop", references: SchemaReferenceFile[] = []) =>
  parseSchema("protobuf", `syntax = "proto3"; package ${pkg}; ${body}`, { references });
const errors = (prev: string, cand: string, mode = "backward") =>
  checkCompatibility(mode, [p(prev)], p(cand)).errors;
const ok = (prev: string, cand: string) => assert.deepEqual(errors(prev, cand), []);

describe("Protobuf compatibility (Confluent rules)", () => {
  const v1 = "message Order { string id = 1; int32 qty = 2; }";

  it("adding, removing and renaming fields is compatible", () => {
    ok(v1, "message Order { string id = 1; int32 qty = 2; string note = 3; }");
    ok(v1, "message Order { string id = 1; }");
    ok(v1, "message Order { string id = 1; int32 quantity = 2; }");
    ok(v1, "message Order { string id = 1; reserved 2; }");
  });

  it("type changes must stay in one wire group", () => {
    ok(v1, "message Order { bytes id = 1; int64 qty = 2; }");
    ok(v1, "message Order { string id = 1; Kind qty = 2; } enum Kind { A = 0; }");
    assert.deepEqual(errors(v1, "message Order { string id = 1; sint32 qty = 2; }"), [
      "/Order/2: field 'qty' changed from int32 to sint32 (different wire encoding)",
    ]);
    assert.match(
      errors(v1, "message Order { string id = 1; Qty qty = 2; } message Qty { int32 v = 1; }")[0]!,
      /changed from scalar to message/,
    );
  });

  it("package changes and removed messages are incompatible", () => {
    assert.match(
      checkCompatibility("backward", [p(v1)], p(v1, "store")).errors[0]!,
      /package changed from 'shop' to 'store'/,
    );
    assert.match(errors(`${v1} message Line { string sku = 1; }`, v1)[0]!, /message 'Line' removed/);
    ok(v1, `message Line { string sku = 1; } ${v1}`);
  });

  it("numeric fields may not switch between repeated and singular; strings may", () => {
    assert.match(
      errors(v1, "message Order { string id = 1; repeated int32 qty = 2; }")[0]!,
      /repeated and singular/,
    );
    ok(v1, "message Order { repeated string id = 1; int32 qty = 2; }");
  });

  it("nested messages are compared through the field that uses them", () => {
    const nested = (t: string) => `message Order { Line line = 1; message Line { ${t} sku = 1; } }`;
    assert.deepEqual(errors(nested("string"), nested("double")), [
      "/Order.Line/1: field 'sku' changed from string to double (different wire encoding)",
      "/Order/1: field 'line' message type 'Order.Line' changed incompatibly",
    ]);
    ok(nested("string"), nested("bytes"));
  });

  it("oneofs: a single field may move in; several fields or a removal may not", () => {
    ok(v1, "message Order { string id = 1; oneof q { int32 qty = 2; string text = 3; } }");
    assert.match(
      errors(v1, "message Order { oneof q { string id = 1; int32 qty = 2; } }")[0]!,
      /moved into oneof 'q'/,
    );
    assert.match(
      errors(
        "message Order { oneof q { int32 a = 1; int32 b = 2; } }",
        "message Order { oneof q { int32 a = 1; } }",
      )[0]!,
      /removed from oneof 'q'/,
    );
  });

  it("compares imported types structurally", () => {
    const ref = (t: string): SchemaReferenceFile => ({
      name: "money.proto",
      text: `syntax = "proto3"; package money; message Amount { ${t} cents = 1; }`,
    });
    const body = 'import "money.proto"; message Order { money.Amount total = 1; }';
    const prev = p(body, "shop", [ref("int64")]);
    assert.equal(checkCompatibility("backward", [prev], p(body, "shop", [ref("uint64")])).compatible, true);
    const r = checkCompatibility("backward", [prev], p(body, "shop", [ref("string")]));
    assert.equal(r.compatible, false);
    assert.ok(r.errors.some((e) => e.startsWith("/Amount/1: field 'cents'")));
  });

  it("proto2 required fields may not be added or removed", () => {
    const p2 = (body: string) => parseSchema("protobuf", `syntax = "proto2"; ${body}`);
    const r = checkCompatibility(
      "backward",
      [p2("message M { optional string a = 1; }")],
      p2("message M { optional string a = 1; required int32 b = 2; }"),
    );
    assert.match(r.errors[0]!, /required field 'b' added/);
  });
});

describe("Protobuf compatibility: proto2 labels", () => {
  const p2 = (body: string) => parseSchema("protobuf", `syntax = "proto2"; package shop; ${body}`);
  const errs = (prev: string, cand: string, mode = "backward") =>
    checkCompatibility(mode, [p2(prev)], p2(cand)).errors;

  it("reports a change between optional and required, either way", () => {
    assert.deepEqual(errs("message M { optional int32 a = 1; }", "message M { required int32 a = 1; }"), [
      "/M/1: field 'a' changed from optional to required",
    ]);
    assert.deepEqual(errs("message M { required int32 a = 1; }", "message M { optional int32 a = 1; }"), [
      "/M/1: field 'a' changed from required to optional",
    ]);
    assert.equal(
      errs("message M { optional int32 a = 1; }", "message M { required int32 a = 1; }", "forward").length,
      1,
    );
    assert.deepEqual(errs("message M { required int32 a = 1; }", "message M { required int64 a = 1; }"), []);
    assert.deepEqual(errs("message M { optional int32 a = 1; }", "message M { repeated int64 a = 1; }"), [
      "/M/1: field 'a' changed between repeated and singular (numeric encoding differs)",
    ]);
  });
});
