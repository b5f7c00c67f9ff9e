import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSchema } from "../index.ts";
import { ecmaToRe2, linearRegExp } from "./safe-regexp.ts";

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe("JSON Schema patterns match in linear time", () => {
  it("catastrophic patterns answer at once", () => {
    const schema = parseSchema("json_schema", JSON.stringify({ type: "string", pattern: "^(a+)+$" }));
    const started = performance.now();
    assert.equal(schema.validate(json(`${"a".repeat(30_000)}!`)).valid, false);
    assert.equal(schema.validate(json("a".repeat(30_000))).valid, true);
    const quadratic = parseSchema("json_schema", JSON.stringify({ type: "string", pattern: "a+b" }));
    assert.equal(quadratic.validate(json("a".repeat(30_000))).valid, false);
    const ms = performance.now() - started;
    assert.ok(ms < 2_000, `${ms} ms (backtracking takes far longer than the test's timeout)`);
  });

  it("keeps ECMA-262 meanings RE2 spells differently", () => {
    const re = (p: string) => linearRegExp(p, "u");
    assert.equal(re("^\\u0041\\u{1F600}$").test("A😀"), true);
    assert.equal(re("^\\cJ$").test("\n"), true);
    assert.equal(re("^\\p{Letter}+$").test("héllo"), true);
    assert.equal(re("^\\s$").test("\u00a0"), true);
    assert.equal(re("^[\\s]$").test("\u3000"), true);
    assert.equal(re("^.$").test("\u2028"), false);
    assert.equal(re("^[^]$").test("\n"), true);
    assert.equal(re("^a\\/b\\.c$").test("a/b.c"), true);
    assert.equal(re("[]").test("anything"), false, "an empty class matches nothing");
    assert.equal(ecmaToRe2("[^]]"), "[\\x{0}-\\x{10ffff}]]");
    assert.notEqual(re("a").toString(), re("b").toString());
  });

  it("a pattern RE2 cannot express is refused when the schema is registered", () => {
    assert.throws(
      () => parseSchema("json_schema", JSON.stringify({ type: "string", pattern: "^(?=a)a$" })),
      (err: Error) =>
        (err as { code?: string }).code === "SCHEMA_INVALID" &&
        /cannot be matched in linear time/.test(err.message),
    );
  });
});
