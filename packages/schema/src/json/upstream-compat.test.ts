import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkCompatibility, parseSchema } from "../index.ts";

const s = (v: unknown) => parseSchema("json_schema", JSON.stringify(v));
const obj = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: "object",
  properties,
  ...(required.length > 0 && { required }),
});
const str = { type: "string" };
const int = { type: "integer" };
const check = (mode: string, history: unknown[], cand: unknown) =>
  checkCompatibility(mode, history.map(s), s(cand));

describe("JSON Schema compatibility (upstream Danube 0.15.1 rules, the default)", () => {
  it("backward: an added optional or required property is accepted", () => {
    assert.deepEqual(
      check("backward", [obj({ name: str }, ["name"])], obj({ name: str, email: str }, ["name"])),
      {
        compatible: true,
        errors: [],
      },
    );
    assert.equal(
      check("backward", [obj({ name: str })], obj({ name: str, id: int }, ["id"])).compatible,
      true,
    );
  });

  it("backward: a removed required field, an optional field made required and a type change are refused", () => {
    assert.deepEqual(
      check("backward", [obj({ name: str, age: int }, ["name", "age"])], obj({ name: str }, ["name"])).errors,
      ["Backward incompatible: removed required field 'age'"],
    );
    assert.deepEqual(
      check(
        "backward",
        [obj({ name: str, age: int }, ["name"])],
        obj({ name: str, age: int }, ["name", "age"]),
      ).errors,
      ["Backward incompatible: made optional field 'age' required"],
    );
    assert.deepEqual(check("backward", [obj({ id: str }, ["id"])], obj({ id: int }, ["id"])).errors, [
      "Backward incompatible: changed type of field 'id'",
    ]);
  });

  it("forward: a removed optional property is accepted; a new required one is refused", () => {
    assert.equal(
      check("forward", [obj({ name: str, nick: str }, ["name"])], obj({ name: str }, ["name"])).compatible,
      true,
    );
    assert.deepEqual(
      check("forward", [obj({ name: str }, ["name"])], obj({ name: str, email: str }, ["name", "email"]))
        .errors,
      ["Forward incompatible: added new required field 'email'"],
    );
  });

  it("full: an added optional property is accepted; the backward errors come first and alone", () => {
    const v1 = obj({ id: int, name: str }, ["id", "name"]);
    assert.equal(
      check("full", [v1], obj({ id: int, name: str, note: str }, ["id", "name"])).compatible,
      true,
    );
    assert.deepEqual(check("full", [v1], obj({ id: str }, ["id", "x"])).errors, [
      "Backward incompatible: removed required field 'name'",
      "Backward incompatible: changed type of field 'id'",
    ]);
    assert.deepEqual(check("full", [obj({ a: str })], obj({ a: str, b: str }, ["b"])).errors, [
      "Forward incompatible: added new required field 'b'",
    ]);
  });

  it("looks at nothing but top-level required fields and property types", () => {
    const v1 = {
      ...obj({ a: { type: "string", const: "x", maxLength: 3 }, n: obj({ x: str }) }),
      additionalProperties: false,
    };
    const v2 = {
      ...obj({ a: { type: "string", const: "y" }, n: obj({ x: int }, ["x"]) }),
      additionalProperties: true,
    };
    assert.equal(check("full", [v1], v2).compatible, true);
    // A missing `type` on either side counts as unchanged; a root type change is not looked at.
    assert.equal(check("full", [obj({ a: str })], obj({ a: {} })).compatible, true);
    assert.equal(check("full", [{ type: "array" }], { type: "integer" }).compatible, true);
    // `type` values are compared as JSON values: a union is a different type.
    assert.equal(
      check("backward", [obj({ a: str })], obj({ a: { type: ["string", "null"] } })).compatible,
      false,
    );
  });

  it("type errors are reported in the order of the property names", () => {
    assert.deepEqual(check("backward", [obj({ b: str, a: str })], obj({ b: int, a: int })).errors, [
      "Backward incompatible: changed type of field 'a'",
      "Backward incompatible: changed type of field 'b'",
    ]);
  });

  it("transitive modes apply the same rule to every earlier version", () => {
    const history = [obj({ id: int }, ["id"]), obj({ id: int })];
    const cand = obj({ name: str });
    assert.equal(check("backward", history, cand).compatible, true);
    assert.deepEqual(check("backward_transitive", history, cand).errors, [
      "version #1 of 2: Backward incompatible: removed required field 'id'",
    ]);
  });
});
