import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkCompatibility, parseSchema } from "../index.ts";

const s = (text: string) => parseSchema("avro", text);
const errors = (mode: string, prev: string, cand: string) =>
  checkCompatibility(mode, [s(prev)], s(cand)).errors;
const ok = (mode: string, prev: string, cand: string) => assert.deepEqual(errors(mode, prev, cand), []);
const rec = (fields: string, extra = "") => `{"type":"record","name":"R"${extra},"fields":[${fields}]}`;

describe("Avro schema resolution", () => {
  it("promotes int to long/float/double and string to bytes, reading side only", () => {
    ok("backward", '"int"', '"long"');
    ok("backward", '"long"', '"float"');
    ok("backward", '"float"', '"double"');
    ok("full", '"string"', '"bytes"');
    assert.deepEqual(errors("forward", '"int"', '"long"'), [
      "/: reader type int cannot read writer type long",
    ]);
    assert.equal(errors("backward", '"boolean"', '"int"').length, 1);
  });

  it("checks nested field types with their location", () => {
    const r = errors(
      "backward",
      rec('{"name":"a","type":{"type":"array","items":"long"}}'),
      rec('{"name":"a","type":{"type":"array","items":"int"}}'),
    );
    assert.deepEqual(r, ["/fields/a/items: reader type int cannot read writer type long"]);
  });

  it("unions: adding a branch is backward-only; T -> [null, T] is backward-compatible", () => {
    ok("backward", '["null","string"]', '["null","string","int"]');
    assert.equal(errors("forward", '["null","string"]', '["null","string","int"]').length, 1);
    ok("backward", '"string"', '["null","string"]');
    assert.match(errors("backward", '["null","string"]', '"string"')[0]!, /cannot read writer type null/);
  });

  it("enums: adding a symbol is backward-only unless the reader has a default", () => {
    const e = (symbols: string, extra = "") => `{"type":"enum","name":"E","symbols":[${symbols}]${extra}}`;
    ok("backward", e('"A","B"'), e('"A","B","C"'));
    assert.match(errors("forward", e('"A","B"'), e('"A","B","C"'))[0]!, /lacks writer symbols \[C\]/);
    ok("forward", e('"A","B"', ',"default":"A"'), e('"A","B","C"', ',"default":"A"'));
  });

  it("named types: names must match, reader aliases allow renames", () => {
    assert.match(
      errors("backward", rec(""), '{"type":"record","name":"S","fields":[]}')[0]!,
      /name 'S' does not match writer name 'R'/,
    );
    ok("backward", rec(""), '{"type":"record","name":"S","aliases":["R"],"fields":[]}');
    ok("backward", rec('{"name":"a","type":"int"}'), rec('{"name":"b","aliases":["a"],"type":"int"}'));
    ok("backward", rec("", ',"namespace":"x"'), rec("", ',"namespace":"y"'));
  });

  it("fixed: size must match", () => {
    assert.match(
      errors("backward", '{"type":"fixed","name":"F","size":4}', '{"type":"fixed","name":"F","size":8}')[0]!,
      /size 8 in the reader but 4/,
    );
  });

  it("handles recursive schemas", () => {
    const list = (extra: string) => rec(`{"name":"next","type":["null","R"]}${extra}`);
    ok("full", list(""), list(',{"name":"v","type":"int","default":1}'));
    assert.equal(errors("backward", list(""), list(',{"name":"v","type":"int"}')).length, 1);
  });
});
