import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkCompatibility, parseSchema } from "../index.ts";

const s = (v: unknown) => parseSchema("json_schema", JSON.stringify(v));
const errors = (prev: unknown, cand: unknown, mode = "backward") =>
  checkCompatibility(mode, [s(prev)], s(cand)).errors;
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
