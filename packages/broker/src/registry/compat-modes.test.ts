import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Status } from "../errors.ts";
import { compatCases } from "./compat-cases.ts";
import { debugName } from "./records.ts";
import { brokerError, bytes, registration, registryFixture } from "./testing.ts";

for (const [schemaType, rows] of compatCases) {
  describe(`${schemaType} evolution`, () => {
    for (const row of rows) {
      test(`${row.mode}${row.reject ? " refuses one change and" : ""} accepts another`, async (t) => {
        const { registry } = await registryFixture(t);
        const { subjects } = registry;
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
          const vsLatest = subjects.check(subject, schemaType, bytes(row.reject!), plain);
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
  await registry.subjects.register(registration("s", "avro", avroRecord));
  await assert.rejects(
    registry.subjects.register(registration("s", "json", '{"type":"object"}')),
    brokerError(Status.Internal, /schema type changed from 'avro' to 'json_schema'/),
  );
});
