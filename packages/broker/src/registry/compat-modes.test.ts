import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compatCases, strictJsonRows } from "../../test/fixtures/compat-cases.ts";
import { brokerError, bytes, registration, registryFixture } from "../../test/fixtures/registry.ts";
import { Status } from "../errors.ts";
import { debugName } from "./records.ts";

for (const [schemaType, rows] of compatCases) {
  describe(`${schemaType} evolution`, () => {
    for (const row of rows) {
      test(`${row.mode}${row.reject ? " refuses one change and" : ""} accepts another`, async (t) => {
        const { registry } = await registryFixture(t);
        const subjects = registry;
        const subject = `${schemaType}-${row.mode}`;
        await subjects.register(registration(subject, schemaType, row.history[0]!));
        await subjects.setCompatibilityMode(subject, "none");
        for (const definition of row.history.slice(1)) {
          await subjects.register(registration(subject, schemaType, definition));
        }
        await subjects.setCompatibilityMode(subject, row.mode);
        if (row.reject) {
          const prefix = row.mode.endsWith("_transitive") ? "version #\\d of 2: " : "";
          await assert.rejects(
            subjects.register(registration(subject, schemaType, row.reject)),
            brokerError(
              Status.Internal,
              new RegExp(
                `^Failed to register schema: Schema is not compatible with subject '${subject}' \\(mode: ${debugName(row.mode)}\\): ${prefix}`,
              ),
            ),
          );
        }
        if (row.earlierOnly) {
          const plain = row.mode.replace("_transitive", "");
          const vsLatest = await subjects.check(subject, schemaType, bytes(row.reject!), plain);
          assert.deepEqual(vsLatest, { compatible: true, errors: [] }, "only an earlier version refuses it");
        }
        const accepted = await subjects.register(registration(subject, schemaType, row.accept));
        assert.deepEqual([accepted.version, accepted.isNewVersion], [row.history.length + 1, true]);
      });
    }
  });
}

test("a schema type change is refused outside none", async (t) => {
  const { registry } = await registryFixture(t);
  const avroRecord = '{"type":"record","name":"User","fields":[{"name":"name","type":"string"}]}';
  await registry.register(registration("s", "avro", avroRecord));
  await assert.rejects(
    registry.register(registration("s", "json", '{"type":"object"}')),
    brokerError(Status.Internal, /Schema types must match \(cannot change from Avro to JSON, etc\.\)/),
  );
});

describe("json_schema evolution under the strict rule set", () => {
  for (const row of strictJsonRows) {
    test(`${row.mode}${row.reject ? " refuses one change and" : ""} accepts another`, async (t) => {
      const { registry } = await registryFixture(t, { compatibilityRules: "strict" });
      const subject = `strict-${row.mode}`;
      for (const [i, definition] of row.history.entries()) {
        await registry.register(registration(subject, "json_schema", definition));
        if (i === 0) await registry.setCompatibilityMode(subject, "none");
      }
      await registry.setCompatibilityMode(subject, row.mode);
      if (row.reject) {
        const refused = await registry.check(subject, "json_schema", bytes(row.reject));
        assert.equal(refused.compatible, false);
        await assert.rejects(
          registry.register(registration(subject, "json_schema", row.reject)),
          /not compatible/,
        );
      }
      const accepted = await registry.register(registration(subject, "json_schema", row.accept));
      assert.equal(accepted.version, row.history.length + 1);
    });
  }
});
