// The registry's compatibility cases, driven through gRPC by the client against a real broker.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type CompatibilityMode, DanubeError, type SchemaType } from "@danube-ts/client";
import { compatCases, strictJsonRows } from "./fixtures/compat-cases.ts";
import { testBroker } from "./helpers.ts";

const runs = [
  ...compatCases.map(([schemaType, rows]) => ({ schemaType, rows, rules: "upstream" as const })),
  { schemaType: "json_schema", rows: strictJsonRows, rules: "strict" as const },
];

for (const { schemaType, rows, rules } of runs) {
  describe(`${schemaType} evolution over gRPC (${rules} rules)`, () => {
    test("every mode refuses its incompatible change and accepts its compatible one", async (t) => {
      const { client } = await testBroker(t, { schemaCompatibilityRules: rules });
      const registry = client.schema;
      for (const row of rows) {
        const subject = `${schemaType}-${row.mode}`;
        const type = schemaType as SchemaType;
        await registry.registerSchema({ subject, schemaType: type, schema: row.history[0]! });
        await registry.setCompatibilityMode(subject, "none");
        for (const definition of row.history.slice(1)) {
          await registry.registerSchema({ subject, schemaType: type, schema: definition });
        }
        await registry.setCompatibilityMode(subject, row.mode as CompatibilityMode);
        if (row.reject) {
          const check = await registry.checkCompatibility({ subject, schemaType: type, schema: row.reject });
          assert.equal(check.compatible, false, `${row.mode}: check should refuse`);
          assert.ok(check.errors.length > 0, `${row.mode}: refusal names a reason`);
          await assert.rejects(
            registry.registerSchema({ subject, schemaType: type, schema: row.reject }),
            (err: unknown) => {
              assert.ok(err instanceof DanubeError);
              assert.equal(err.code, "INTERNAL");
              assert.match(err.message, /Schema is not compatible with subject/);
              return true;
            },
            `${row.mode}: registration should be refused`,
          );
        }
        const accepted = await registry.registerSchema({ subject, schemaType: type, schema: row.accept });
        assert.equal(accepted.version, row.history.length + 1, `${row.mode}: accepted as the next version`);
        assert.equal(accepted.isNewVersion, true);
      }
    });
  });
}
