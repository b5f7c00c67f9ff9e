import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkCompatibility, parseSchema } from "../index.ts";

// These cases test the comparator itself, on schemas beyond the parse-time limits.
const limits = { maxBytes: 1e9, maxDepth: 1e6, maxMembers: 1e9, maxNodes: 1e9 };
const s = (v: unknown) => parseSchema("json_schema", JSON.stringify(v), { limits });
const errors = (prev: unknown, cand: unknown, mode = "backward") =>
  checkCompatibility(mode, [s(prev)], s(cand), "strict").errors;
const ok = (prev: unknown, cand: unknown, mode = "backward") =>
  assert.deepEqual(errors(prev, cand, mode), []);
const obj = (props: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: "object",
  properties: props,
  ...extra,
});

describe("JSON Schema compatibility (Confluent STRICT rules)", () => {
  it("open content model: adding a typed property is incompatible, removing one is fine", () => {
    assert.match(
      errors(obj({ a: { type: "string" } }), obj({ a: { type: "string" }, b: { type: "number" } }))[0]!,
      /^\/properties\/b: property 'b' added to an open content model/,
    );
    ok(obj({ a: { type: "string" }, b: { type: "number" } }), obj({ a: { type: "string" } }));
    ok(obj({ a: { type: "string" } }), obj({ a: { type: "string" }, b: {} }));
  });

  it("closed content model: adding an optional property is fine, removing one is not", () => {
    const closed = { additionalProperties: false };
    ok(obj({ a: { type: "string" } }, closed), obj({ a: { type: "string" }, b: { type: "number" } }, closed));
    assert.match(
      errors(
        obj({ a: { type: "string" }, b: { type: "number" } }, closed),
        obj({ a: { type: "string" } }, closed),
      )[0]!,
      /removed from a closed content model/,
    );
  });

  it("partially open model: a property must stay covered by additionalProperties", () => {
    const ap = { additionalProperties: { type: "string" } };
    ok(obj({ a: { type: "string" } }, ap), obj({ a: { type: "string" }, b: { type: "string" } }, ap));
    assert.deepEqual(
      errors(obj({ a: { type: "string" } }, ap), obj({ a: { type: "string" }, b: { type: "number" } }, ap)),
      ["/properties/b: added property 'b' is not covered by the old additional/pattern properties"],
    );
  });

  it("required: adding is incompatible unless the property has a default; removing is fine", () => {
    const p = { a: { type: "string" } };
    assert.deepEqual(errors(obj(p), obj(p, { required: ["a"] })), [
      "/required/a: property 'a' became required",
    ]);
    ok(obj(p), obj({ a: { type: "string", default: "x" } }, { required: ["a"] }));
    ok(obj(p, { required: ["a"] }), obj(p));
  });

  it("types: integer -> number widens, number -> integer narrows, other changes fail", () => {
    ok({ type: "integer" }, { type: "number" });
    assert.match(errors({ type: "number" }, { type: "integer" })[0]!, /narrowed/);
    assert.match(errors({ type: "string" }, { type: "boolean" })[0]!, /type changed from string to boolean/);
    ok({ type: "string" }, {});
    ok({ type: "string" }, { type: ["string", "null"] });
  });

  it("nested objects report the full location", () => {
    const v1 = obj({ addr: obj({ zip: { type: "string", maxLength: 10 } }) });
    const v2 = obj({ addr: obj({ zip: { type: "string", maxLength: 5 } }) });
    assert.deepEqual(errors(v1, v2), [
      "/properties/addr/properties/zip/maxLength: maxLength decreased from 10 to 5",
    ]);
    ok(v2, v1);
  });

  it("bounds, enums and arrays", () => {
    ok({ type: "number", minimum: 5 }, { type: "number", minimum: 1 });
    assert.equal(errors({ type: "number" }, { type: "number", minimum: 1 }).length, 1);
    ok({ enum: ["a"] }, { enum: ["a", "b"] });
    assert.match(errors({ enum: ["a", "b"] }, { enum: ["a"] })[0]!, /no longer allows "b"/);
    ok({ type: "array", items: { type: "integer" } }, { type: "array", items: { type: "number" } });
    assert.equal(errors({ type: "array" }, { type: "array", uniqueItems: true }).length, 1);
    ok({ type: "number", multipleOf: 10 }, { type: "number", multipleOf: 5 });
  });

  it("oneOf/anyOf may gain branches but not lose them", () => {
    ok({ oneOf: [{ type: "string" }] }, { oneOf: [{ type: "string" }, { type: "number" }] });
    assert.equal(
      errors({ anyOf: [{ type: "string" }, { type: "number" }] }, { anyOf: [{ type: "string" }] }).length,
      1,
    );
  });

  it("follows local $refs, including recursive ones", () => {
    const tree = (leaf: string) => ({
      $ref: "#/definitions/node",
      definitions: {
        node: obj({
          value: { type: leaf },
          children: { type: "array", items: { $ref: "#/definitions/node" } },
        }),
      },
    });
    ok(tree("integer"), tree("number"));
    assert.equal(errors(tree("number"), tree("integer")).length, 1);
  });

  it("forward swaps the roles", () => {
    ok({ type: "number" }, { type: "integer" }, "forward");
    assert.equal(errors({ type: "integer" }, { type: "number" }, "forward").length, 1);
  });
});

describe("JSON Schema compatibility: costly and tricky schemas", () => {
  // CPU time of this process, not wall time: a busy machine (parallel test files) stretches the
  // latter without the check doing any more work.
  const timed = (prev: unknown, cand: unknown, ms = 2000) => {
    const started = process.cpuUsage();
    const r = errors(prev, cand);
    const { user, system } = process.cpuUsage(started);
    const spent = (user + system) / 1000;
    assert.ok(spent < ms, `took ${spent.toFixed(0)} ms of CPU`);
    return r;
  };

  it("compares each pair of anyOf branches through shared $refs once", () => {
    // Every level offers two branches that lead to the same next definition: 2^depth paths.
    const chain = (depth: number, leaf: string) => {
      const definitions: Record<string, unknown> = { [`d${depth}`]: { type: leaf } };
      for (let i = 0; i < depth; i++) {
        const next = { $ref: `#/definitions/d${i + 1}` };
        definitions[`d${i}`] = { anyOf: [next, { type: "array", items: next }] };
      }
      return { definitions, $ref: "#/definitions/d0" };
    };
    assert.ok(timed(chain(40, "string"), chain(40, "integer")).length > 0);
    ok(chain(40, "integer"), chain(40, "number"));
  });

  it("gives up on a schema that needs too much work, as incompatible", () => {
    // Distinct branches: no two comparisons are alike, so the memo cannot help.
    const wide = (n: number, leaf: string) => ({
      anyOf: Array.from({ length: n }, (_, i) => ({
        anyOf: Array.from({ length: n }, (_, j) => ({
          type: "object",
          properties: { [`p${i}_${j}`]: { type: leaf } },
        })),
      })),
    });
    // The work budget, not a clock, ends the check; the loose CPU bound (it counts the GC's
    // threads too) only shows that it does end.
    assert.deepEqual(timed(wide(30, "string"), wide(30, "string"), 10_000), [
      "/: schema too complex to compare",
    ]);
  });

  it("compares deeply nested schemas to the end", () => {
    const nested = (depth: number, leaf: string) => {
      let t: unknown = { type: leaf };
      for (let i = 0; i < depth; i++) t = { type: "object", properties: { a: t } };
      return t;
    };
    // Nested beyond the former limit of 100, a change was accepted unseen.
    assert.match(
      errors(nested(150, "string"), nested(150, "integer"))[0]!,
      /type changed from string to integer/,
    );
    ok(nested(150, "integer"), nested(150, "number"));
  });

  it("never runs user patterns: coverage by a non-literal pattern is unknown", () => {
    const name = `${"a".repeat(40)}!`;
    const prev = { type: "object", properties: { [name]: { type: "string" } }, additionalProperties: false };
    const cand = {
      type: "object",
      patternProperties: { "^(a+)+$": { type: "string" } },
      additionalProperties: false,
    };
    assert.match(timed(prev, cand, 500)[0]!, /removed from a closed content model/);
    // Plain literal patterns are still decided.
    const closed = (patterns: Record<string, unknown>) => ({
      type: "object",
      patternProperties: patterns,
      additionalProperties: false,
    });
    const old = { type: "object", properties: { x_a: { type: "string" } }, additionalProperties: false };
    ok(old, closed({ "^x_": { type: "string" } }));
    assert.equal(errors(old, closed({ "^y_": { type: "string" } })).length, 1);
    assert.equal(errors(old, closed({ "^x_": { type: "integer" } })).length, 1);
  });

  it("resolves $refs to in-document $ids, relative or absolute, and absolute-URI pointers", () => {
    const S = "https://json-schema.org/draft/2020-12/schema";
    const bundled = (t: string) => ({
      $schema: S,
      $id: "https://ex.com/order",
      type: "object",
      properties: { addr: { $ref: "https://ex.com/address" } },
      $defs: { address: { $id: "https://ex.com/address", type: "object", properties: { zip: { type: t } } } },
    });
    assert.deepEqual(errors(bundled("string"), bundled("integer")), [
      "/properties/addr/properties/zip: type changed from string to integer",
    ]);
    const relative = (t: string) => ({
      $schema: S,
      $id: "https://ex.com/order",
      type: "object",
      properties: { addr: { $ref: "address" } },
      $defs: { address: { $id: "address", type: "object", properties: { zip: { type: t } } } },
    });
    assert.equal(errors(relative("string"), relative("integer")).length, 1);
    ok(relative("integer"), relative("number"));
    const pointer = (t: string) => ({
      $schema: S,
      $id: "https://ex.com/order",
      type: "object",
      properties: { a: { $ref: "https://ex.com/order#/$defs/A" } },
      $defs: { A: { type: t } },
    });
    assert.equal(errors(pointer("string"), pointer("integer")).length, 1);
    // A pointer inside an embedded resource is relative to that resource.
    const inner = (t: string) => ({
      $schema: S,
      $id: "https://ex.com/order",
      properties: { a: { $ref: "item" } },
      $defs: { item: { $id: "item", properties: { b: { $ref: "#/$defs/B" } }, $defs: { B: { type: t } } } },
    });
    assert.equal(errors(inner("string"), inner("integer")).length, 1);
  });

  it("treats a ref into the document that leads nowhere as incompatible, not as {}", () => {
    // Draft-07 has no dependentSchemas, so the validator never follows (nor rejects) the ref.
    const broken = (ref: string) => ({ type: "object", dependentSchemas: { x: { $ref: ref } } });
    assert.match(errors(broken("#/$defs/none"), broken("#/$defs/other"))[0]!, /cannot be resolved/);
    ok(broken("#/$defs/none"), broken("#/$defs/none"));
    ok(broken("https://elsewhere.example/s.json"), broken("https://elsewhere.example/t.json"));
  });
});
