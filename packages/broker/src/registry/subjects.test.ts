import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { brokerError, bytes, registration, registryFixture } from "../../test/fixtures/registry.ts";
import { Status } from "../errors.ts";
import { schemaEnvelope } from "./envelope.ts";

const userV1 = '{"type":"record","name":"User","fields":[{"name":"name","type":"string"}]}';
const userV2 =
  '{"type":"record","name":"User","fields":[{"name":"name","type":"string"},{"name":"age","type":"int","default":0}]}';
const userV3 =
  '{"type":"record","name":"User","fields":[{"name":"name","type":"string"},{"name":"age","type":"int","default":0},{"name":"city","type":["null","string"],"default":null}]}';

describe("subject identity", () => {
  test("one id per subject, versions 1..n, ids from a global counter", async (t) => {
    const { registry } = await registryFixture(t);
    const subjects = registry;
    const a1 = await subjects.register(registration("users", "avro", userV1));
    const a2 = await subjects.register(registration("users", "AVRO", userV2));
    const b1 = await subjects.register(registration("orders", "json", '{"type":"object"}'));
    assert.deepEqual(
      [a1.schemaId, a1.version, a1.isNewVersion, a2.schemaId, a2.version, a2.isNewVersion],
      [1n, 1, true, 1n, 2, true],
    );
    assert.deepEqual([b1.schemaId, b1.version], [2n, 1]);
    assert.match(a1.fingerprint, /^sha256:[0-9a-f]{64}$/);
    const latest = subjects.latest("orders");
    assert.equal(latest.version.schemaType, "json_schema", "types are stored in canonical form");
    assert.equal(latest.compatibilityMode, "backward", "new subjects default to backward");
  });

  test("a fingerprint equal to any live version dedupes, with no compatibility check", async (t) => {
    const { registry } = await registryFixture(t);
    const subjects = registry;
    await subjects.register(registration("users", "avro", userV1));
    await subjects.register(registration("users", "avro", userV2));
    // Same schema, other whitespace and key order: same fingerprint, answered with version 1.
    const again = await subjects.register(
      registration(
        "users",
        "avro",
        '{ "name":"User", "type":"record", "fields":[{"type":"string","name":"name"}] }',
      ),
    );
    assert.deepEqual([again.schemaId, again.version, again.isNewVersion], [1n, 1, false]);
    // The same schema under another subject is a new subject with its own id.
    const other = await subjects.register(registration("people", "avro", userV1));
    assert.deepEqual([other.schemaId, other.version, other.isNewVersion], [2n, 1, true]);
  });

  test("created_at is in seconds; description, created_by and tags are kept", async (t) => {
    const { registry } = await registryFixture(t);
    const before = BigInt(Math.floor(Date.now() / 1000));
    await registry.register({
      ...registration("s", "string", ""),
      description: "d",
      tags: ["a", "b"],
    });
    const { version } = registry.latest("s");
    assert.ok(version.createdAt >= before && version.createdAt <= before + 2n, String(version.createdAt));
    assert.deepEqual([version.description, version.createdBy, version.tags], ["d", "test", ["a", "b"]]);
    assert.deepEqual([version.fingerprint, version.definition], ["string", ""]);
  });

  test("registration failures are INTERNAL 'Failed to register schema: ...'", async (t) => {
    const { registry } = await registryFixture(t);
    const subjects = registry;
    await assert.rejects(
      subjects.register(registration("x", "yaml", "")),
      brokerError(Status.Internal, /^Failed to register schema: Unknown schema type/),
    );
    await assert.rejects(
      subjects.register(registration("x", "avro", "{not json")),
      brokerError(Status.Internal, /^Failed to register schema: Invalid Avro schema/),
    );
    await subjects.register(registration("users", "avro", userV1));
    const incompatible =
      '{"type":"record","name":"User","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"}]}';
    await assert.rejects(
      subjects.register(registration("users", "avro", incompatible)),
      brokerError(
        Status.Internal,
        "Failed to register schema: Schema is not compatible with subject 'users' (mode: Backward): /fields/age: reader field 'age' has no default and is missing in writer",
      ),
    );
    assert.equal(subjects.versions("users").versions.length, 1, "nothing stored for a refused schema");
  });
});

describe("read RPCs", () => {
  test("GetSchema by id with and without version; NOT_FOUND messages", async (t) => {
    const { registry } = await registryFixture(t);
    const subjects = registry;
    await subjects.register(registration("users", "avro", userV1));
    await subjects.register(registration("users", "avro", userV2));
    assert.equal(subjects.byIdAndVersion(1n, undefined).version.version, 2);
    assert.equal(subjects.byIdAndVersion(1n, 1).version.definition, userV1);
    assert.throws(
      () => subjects.byIdAndVersion(9n, undefined),
      brokerError(Status.NotFound, "Schema not found for ID: 9"),
    );
    assert.throws(
      () => subjects.byIdAndVersion(1n, 3),
      brokerError(Status.NotFound, "Schema not found for ID: 1"),
    );
    assert.throws(
      () => subjects.latest("nope"),
      brokerError(Status.NotFound, "Schema not found for subject: nope"),
    );
    assert.throws(() => subjects.versions("nope"), brokerError(Status.NotFound, "Subject not found: nope"));
  });

  test("the GetSchema envelope is upstream's serde JSON", () => {
    const fp = "sha256:00";
    const text = (v: Uint8Array) => new TextDecoder().decode(v);
    assert.equal(
      text(schemaEnvelope({ schemaType: "bytes", definition: "", fingerprint: "bytes" })),
      '"Bytes"',
    );
    assert.equal(
      text(schemaEnvelope({ schemaType: "number", definition: "", fingerprint: "number" })),
      '"Number"',
    );
    assert.equal(
      text(schemaEnvelope({ schemaType: "json_schema", definition: '{"type":"object"}', fingerprint: fp })),
      '{"JsonSchema":{"raw_schema":"{\\"type\\":\\"object\\"}","fingerprint":"sha256:00"}}',
    );
    assert.equal(
      text(schemaEnvelope({ schemaType: "avro", definition: '"int"', fingerprint: fp })),
      '{"Avro":{"raw_schema":"\\"int\\"","fingerprint":"sha256:00"}}',
    );
    assert.equal(
      text(schemaEnvelope({ schemaType: "protobuf", definition: "message A {}\n", fingerprint: fp })),
      '{"Protobuf":{"raw_proto":"message A {}\\n","message_name":"DefaultMessage","fingerprint":"sha256:00"}}',
    );
  });

  test("ListSubjects: every subject, sorted, with its latest version", async (t) => {
    const { registry } = await registryFixture(t);
    const subjects = registry;
    await subjects.register(registration("zeta", "string", ""));
    await subjects.register(registration("alpha", "avro", userV1));
    await subjects.register(registration("alpha", "avro", userV2));
    const list = subjects.subjects().map((s) => [s.subject, s.id, s.latest?.version, s.latest?.schemaType]);
    assert.deepEqual(list, [
      ["alpha", 2n, 2, "avro"],
      ["zeta", 1n, 1, "string"],
    ]);
  });
});

describe("DeleteSchemaVersion", () => {
  test("a deleted version leaves latest, lists and dedupe; its number is never reused", async (t) => {
    const { registry } = await registryFixture(t);
    const subjects = registry;
    await subjects.register(registration("users", "avro", userV1));
    await subjects.register(registration("users", "avro", userV2));
    assert.equal(await subjects.deleteVersion("users", 2), "Deleted version 2 for subject users");
    assert.equal(subjects.latest("users").version.version, 1);
    assert.deepEqual(
      subjects.versions("users").versions.map((v) => v.version),
      [1],
    );
    assert.throws(
      () => subjects.byIdAndVersion(1n, 2),
      brokerError(Status.NotFound, "Schema not found for ID: 1"),
    );
    // Re-registering v2's text is a new version, numbered after the deleted one.
    const again = await subjects.register(registration("users", "avro", userV2));
    assert.deepEqual([again.version, again.isNewVersion], [3, true]);
    const v4 = await subjects.register(registration("users", "avro", userV3));
    assert.equal(v4.version, 4);
  });

  test("deleting twice succeeds; unknown subject or never-assigned version is NOT_FOUND", async (t) => {
    const { registry } = await registryFixture(t);
    const subjects = registry;
    await subjects.register(registration("users", "avro", userV1));
    await subjects.deleteVersion("users", 1);
    assert.equal(await subjects.deleteVersion("users", 1), "Deleted version 1 for subject users");
    assert.throws(
      () => subjects.latest("users"),
      brokerError(Status.NotFound, "Schema not found for subject: users"),
    );
    await assert.rejects(
      subjects.deleteVersion("users", 2),
      brokerError(Status.NotFound, /Version 2 not found/),
    );
    await assert.rejects(
      subjects.deleteVersion("nope", 1),
      brokerError(Status.NotFound, "Subject not found: nope"),
    );
    // With every version deleted, the subject keeps its id and numbering continues.
    const next = await subjects.register(registration("users", "json", '{"type":"object"}'));
    assert.deepEqual([next.schemaId, next.version], [1n, 2]);
  });
});

describe("SetCompatibilityMode and CheckCompatibility", () => {
  test("mode parsing, messages and codes", async (t) => {
    const { registry } = await registryFixture(t);
    const subjects = registry;
    await subjects.register(registration("users", "avro", userV1));
    assert.equal(
      await subjects.setCompatibilityMode("users", "FULL"),
      "Set compatibility mode to FULL for subject users",
    );
    assert.equal(subjects.latest("users").compatibilityMode, "full");
    await subjects.setCompatibilityMode("users", "backward_transitive");
    assert.equal(subjects.latest("users").compatibilityMode, "backward_transitive");
    await assert.rejects(
      subjects.setCompatibilityMode("users", "sometimes"),
      brokerError(Status.InvalidArgument, "Invalid compatibility mode: sometimes"),
    );
    await assert.rejects(
      subjects.setCompatibilityMode("nope", "none"),
      brokerError(
        Status.Internal,
        "Failed to set compatibility mode: Schema metadata not found for subject: nope",
      ),
    );
  });

  test("check uses the subject's mode, an override, and ignores a bad override", async (t) => {
    const { registry } = await registryFixture(t);
    const subjects = registry;
    await subjects.register(registration("users", "avro", userV1));
    const noDefault =
      '{"type":"record","name":"User","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"}]}';
    assert.equal((await subjects.check("users", "avro", bytes(noDefault))).compatible, false);
    assert.equal((await subjects.check("users", "avro", bytes(noDefault), "forward")).compatible, true);
    assert.equal((await subjects.check("users", "avro", bytes(noDefault), "bogus")).compatible, false);
    await assert.rejects(
      () => subjects.check("nope", "avro", bytes(userV1)),
      brokerError(
        Status.Internal,
        "Failed to check compatibility: Schema metadata not found for subject: nope",
      ),
    );
    await assert.rejects(
      () => subjects.check("users", "avro", bytes("{")),
      brokerError(Status.Internal, /^Failed to check compatibility: Invalid Avro schema/),
    );
  });
});

describe("persistence", () => {
  test("subjects, versions, deletions, modes and the id counter survive a reopen", async (t) => {
    const fx = await registryFixture(t);
    await fx.registry.register(registration("users", "avro", userV1));
    await fx.registry.register({ ...registration("users", "avro", userV2), tags: ["t"] });
    await fx.registry.register(registration("orders", "string", ""));
    await fx.registry.deleteVersion("users", 2);
    await fx.registry.setCompatibilityMode("users", "none");
    const before = fx.registry.subjects();
    await fx.reopen();
    const subjects = fx.registry;
    assert.deepEqual(subjects.subjects(), before);
    assert.equal(subjects.latest("users").version.definition, userV1);
    assert.equal(subjects.latest("users").compatibilityMode, "none");
    const next = await subjects.register(registration("users", "avro", userV3));
    assert.equal(next.version, 3, "numbering continues after the deleted version");
    const fresh = await subjects.register(registration("third", "bytes", ""));
    assert.equal(fresh.schemaId, 3n, "ids are not reused");
  });
});

test("the same text registered as another schema type is a new version, not a duplicate", async (t) => {
  const { registry } = await registryFixture(t);
  const subjects = registry;
  const first = await subjects.register(registration("typed", "avro", '{"type":"string"}'));
  await subjects.setCompatibilityMode("typed", "none");
  const second = await subjects.register(registration("typed", "json_schema", '{"type":"string"}'));
  assert.deepEqual([first.version, second.version, second.isNewVersion], [1, 2, true]);
});
