import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkCompatibility, parseSchema } from "../index.ts";

// These cases test the comparator itself, on schemas beyond the parse-time limits.
const limits = { maxBytes: 1e9, maxDepth: 1e6, maxMembers: 1e9, maxNodes: 1e9 };
const s = (text: string) => parseSchema("avro", text, { limits });
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

describe("Avro schema resolution: cost", () => {
  it("remembers failed pairs: union branch trials stay linear in the nesting", () => {
    // Reader: at each level a union of two records with the same short name in namespaces a and
    // b, both leading to the next level; the writer's leaf type differs, so every trial fails.
    const depth = 40;
    const defined = new Set<number>();
    const branches = (k: number): unknown => {
      if (defined.has(k)) return [`a.R${k}`, `b.R${k}`];
      defined.add(k);
      const field = (ns: string) =>
        k === depth
          ? { name: "v", type: "int" }
          : { name: "f", type: ns === "a" ? branches(k + 1) : [`a.R${k + 1}`, `b.R${k + 1}`] };
      return [
        { type: "record", name: `R${k}`, namespace: "a", fields: [field("a")] },
        { type: "record", name: `R${k}`, namespace: "b", fields: [field("b")] },
      ];
    };
    const reader = { type: "record", name: "Top", fields: [{ name: "f", type: branches(0) }] };
    let w: unknown = {
      type: "record",
      name: `R${depth}`,
      namespace: "w",
      fields: [{ name: "v", type: "string" }],
    };
    for (let k = depth - 1; k >= 0; k--)
      w = { type: "record", name: `R${k}`, namespace: "w", fields: [{ name: "f", type: w }] };
    const writer = { type: "record", name: "Top", fields: [{ name: "f", type: w }] };
    const started = Date.now();
    const r = errors("backward", JSON.stringify(writer), JSON.stringify(reader));
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    assert.deepEqual(r, ["/fields/f: reader union has no branch that can read writer type record 'w.R0'"]);
  });

  it("gives up on a schema that needs too much work, as incompatible", () => {
    // 60 fields, each a union of 60 records of 60 fields: 60 x 60 x 60 x 60 distinct comparisons.
    const union = (tag: string, n: number, leaf: string) =>
      Array.from({ length: n }, (_, i) => ({
        type: "record",
        name: `${tag}${i}`,
        fields: Array.from({ length: n }, (_, j) => ({ name: `f${j}`, type: leaf })),
      }));
    const rec = (tag: string, leaf: string) =>
      JSON.stringify({
        type: "record",
        name: "Top",
        fields: Array.from({ length: 60 }, (_, i) => ({
          name: `u${i}`,
          type: union(`${tag}${i}_`, 60, leaf),
        })),
      });
    // CPU time of this process, not wall time: a busy machine stretches the latter.
    const started = process.cpuUsage();
    const r = errors("backward", rec("W", "int"), rec("W", "long"));
    const { user, system } = process.cpuUsage(started);
    const spent = (user + system) / 1000;
    // The work budget, not a clock, ends the check; the loose CPU bound (it counts the GC's
    // threads too) only shows that it does end.
    assert.ok(spent < 10_000, `took ${spent.toFixed(0)} ms of CPU`);
    assert.deepEqual(r, ["/: schema too complex to compare"]);
  });
});
