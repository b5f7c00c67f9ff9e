import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkCompatibility, parseSchema } from "../index.ts";

const utf8 = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe("JSON Schema parsing: recursive root references", () => {
  const tree = (extra: Record<string, unknown> = {}) => ({
    ...extra,
    type: "object",
    properties: { v: { type: "string" }, kids: { type: "array", items: { $ref: "#" } } },
  });

  for (const [label, extra] of [
    ["no $schema", {}],
    ["draft-07", { $schema: "http://json-schema.org/draft-07/schema#" }],
    ["2020-12", { $schema: "https://json-schema.org/draft/2020-12/schema" }],
  ] as const) {
    it(`accepts "$ref": "#" without a root $id (${label}) and validates recursively`, () => {
      const s = parseSchema("json_schema", JSON.stringify(tree(extra)));
      assert.equal(s.validate(utf8({ v: "a", kids: [{ v: "b", kids: [] }] })).valid, true);
      assert.equal(s.validate(utf8({ v: "a", kids: [{ v: 1, kids: [] }] })).valid, false);
    });
  }

  it("keeps the canonical form and fingerprint free of the synthetic $id", () => {
    const text = JSON.stringify(tree());
    const s = parseSchema("json_schema", text);
    assert.equal(s.canonical.includes("urn:danube"), false);
    assert.equal(s.type === "json_schema" && JSON.stringify(s.json).includes("urn:danube"), false);
    assert.equal(s.fingerprint, parseSchema("json_schema", text).fingerprint);
    const withId = parseSchema("json_schema", JSON.stringify(tree({ $id: "https://x.example/tree" })));
    assert.equal(withId.validate(utf8({ v: "a", kids: [{ v: 2 }] })).valid, false);
  });

  it("compares recursive root references", () => {
    const a = parseSchema("json_schema", JSON.stringify(tree()));
    const b = parseSchema(
      "json_schema",
      JSON.stringify({
        ...tree(),
        properties: { v: { type: "integer" }, kids: { type: "array", items: { $ref: "#" } } },
      }),
    );
    assert.deepEqual(checkCompatibility("full", [a], a, "strict").errors, []);
    assert.equal(checkCompatibility("backward", [a], b, "strict").compatible, false);
  });
});
