import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkCompatibility, parseSchema } from "./index.ts";

const avro = (fields: string) => parseSchema("avro", `{"type":"record","name":"User","fields":[${fields}]}`);
const name = '{"name":"name","type":"string"}';
const ageDefault = '{"name":"age","type":"int","default":0}';
const age = '{"name":"age","type":"int"}';

describe("compatibility modes", () => {
  it("none accepts anything, including a type change", () => {
    assert.deepEqual(checkCompatibility("none", [avro(name)], parseSchema("string", "")), {
      compatible: true,
      errors: [],
    });
  });

  it("an empty history is compatible", () => {
    assert.equal(checkCompatibility("full_transitive", [], avro(age)).compatible, true);
  });

  it("a type change is incompatible in every other mode", () => {
    const r = checkCompatibility("BACKWARD", [avro(name)], parseSchema("json", "{}"), "strict");
    assert.equal(r.compatible, false);
    assert.match(r.errors[0]!, /schema type changed from 'avro' to 'json_schema'/);
    // Under the default (upstream) rules, with upstream's message.
    assert.deepEqual(checkCompatibility("full", [avro(name)], parseSchema("string", "")).errors, [
      "Schema types must match (cannot change from Avro to JSON, etc.)",
    ]);
  });

  it("rule sets are named upstream or strict, any case", () => {
    assert.throws(() => checkCompatibility("backward", [avro(name)], avro(name), "lenient"), {
      code: "UNKNOWN_COMPATIBILITY_RULES",
    });
    assert.equal(checkCompatibility("backward", [avro(name)], avro(name), "STRICT").compatible, true);
  });

  it("backward: adding a field needs a default", () => {
    assert.equal(
      checkCompatibility("backward", [avro(name)], avro(`${name},${ageDefault}`)).compatible,
      true,
    );
    const r = checkCompatibility("backward", [avro(name)], avro(`${name},${age}`));
    assert.deepEqual(r.errors, ["/fields/age: reader field 'age' has no default and is missing in writer"]);
  });

  it("forward: the old schema must read new data", () => {
    assert.equal(checkCompatibility("forward", [avro(name)], avro(`${name},${age}`)).compatible, true);
    assert.equal(checkCompatibility("forward", [avro(`${name},${age}`)], avro(name)).compatible, false);
  });

  it("full: both directions, errors tagged with the direction", () => {
    assert.equal(checkCompatibility("full", [avro(name)], avro(`${name},${ageDefault}`)).compatible, true);
    const r = checkCompatibility("full", [avro(name)], avro(`${name},${age}`));
    assert.equal(r.compatible, false);
    assert.match(r.errors[0]!, /^backward: \/fields\/age/);
  });

  it("non-transitive modes look at the latest version only; transitive ones at all", () => {
    // v1 has no age, v2 adds it with a default, v3 drops the default.
    const history = [avro(name), avro(`${name},${ageDefault}`)];
    const v3 = avro(`${name},${age}`);
    assert.equal(checkCompatibility("backward", history, v3).compatible, true);
    const r = checkCompatibility("backward_transitive", history, v3);
    assert.equal(r.compatible, false);
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0]!, /^version #1 of 2: \/fields\/age/);
    assert.equal(checkCompatibility("forward_transitive", history, v3).compatible, true);
    assert.equal(checkCompatibility("full_transitive", history, v3).compatible, false);
  });

  it("primitive types are always compatible with themselves", () => {
    assert.equal(
      checkCompatibility("full", [parseSchema("int64", "")], parseSchema("double", "")).compatible,
      true,
    );
  });

  it("rejects unknown modes", () => {
    assert.throws(() => checkCompatibility("sometimes", [], avro(name)), {
      code: "UNKNOWN_COMPATIBILITY_MODE",
    });
  });
});
