// End-to-end: the schema registry client against a real broker (random ports, temp data dir).
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { DanubeError } from "../src/errors.ts";
import {
  connectSchemaRegistry,
  createSchemaDecoder,
  type SchemaRegistry,
  schemaBinding,
  serdes,
} from "../src/schema/index.ts";
import { testEnv, uniqueTopic } from "./helpers.ts";

async function setup(t: TestContext) {
  const env = await testEnv(t);
  const registry = connectSchemaRegistry({ serviceUrl: env.url, requestTimeoutMs: 10_000 });
  t.after(() => registry.close());
  return { env, registry };
}

let n = 0;
const subjectName = (prefix: string) => `${prefix}-${process.pid}-${++n}`;

const userV1 = { type: "record", name: "User", fields: [{ name: "id", type: "long" }] };
const withDefault = {
  type: "record",
  name: "User",
  fields: [
    { name: "id", type: "long" },
    { name: "name", type: "string", default: "" },
  ],
};
const withoutDefault = {
  type: "record",
  name: "User",
  fields: [
    { name: "id", type: "long" },
    { name: "email", type: "string" },
  ],
};

function failsWith(code: string, pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DanubeError, String(error));
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

async function register(registry: SchemaRegistry, subject: string, schema: object) {
  return registry.registerSchema({ subject, schemaType: "avro", schema });
}

describe("schema registry (e2e)", () => {
  test("register returns id, version, isNewVersion, fingerprint; identical schemas dedupe", async (t) => {
    const { registry } = await setup(t);
    const subject = subjectName("users");
    const first = await registry.registerSchema({
      subject,
      schemaType: "avro",
      schema: userV1,
      description: "v1",
      createdBy: "e2e",
      tags: ["pii"],
    });
    assert.equal(first.version, 1);
    assert.equal(first.isNewVersion, true);
    assert.match(first.fingerprint, /^sha256:[0-9a-f]{64}$/);
    const again = await registry.registerSchema({
      subject,
      schemaType: "avro",
      schema: JSON.stringify(userV1, null, 2),
    });
    assert.deepEqual(again, { ...first, isNewVersion: false });

    const latest = await registry.getLatestSchema(subject);
    assert.equal(latest.subject, subject);
    assert.equal(latest.schemaType, "avro");
    assert.deepEqual(JSON.parse(latest.definition), userV1);
    assert.equal(latest.description, "v1");
    assert.equal(latest.createdBy, "e2e");
    assert.deepEqual(latest.tags, ["pii"]);
    assert.equal(latest.compatibilityMode, "backward");
    assert.ok(Math.abs(latest.createdAt.getTime() - Date.now()) < 60_000);
  });

  test("every version shares the subject's id; get by id, by id and version, latest", async (t) => {
    const { registry } = await setup(t);
    const subject = subjectName("users");
    const r1 = await register(registry, subject, userV1);
    const r2 = await register(registry, subject, withDefault);
    assert.equal(r2.schemaId, r1.schemaId);
    assert.equal(r2.version, 2);
    const other = await register(registry, subjectName("other"), userV1);
    assert.notEqual(other.schemaId, r1.schemaId);

    assert.equal((await registry.getSchema(r1.schemaId)).version, 2);
    const one = await registry.getSchema(r1.schemaId, 1);
    assert.deepEqual(JSON.parse(one.definition), userV1);
    assert.equal((await registry.getLatestSchema(subject)).version, 2);
    await assert.rejects(registry.getSchema(r1.schemaId, 9), failsWith("NOT_FOUND"));
    await assert.rejects(registry.getLatestSchema(subjectName("missing")), failsWith("NOT_FOUND"));
  });

  test("every schema type round trips its raw text (envelope unwrapped)", async (t) => {
    const { registry } = await setup(t);
    const json = '{"type":"object","properties":{"a":{"type":"string"}}}';
    const proto = 'syntax = "proto3";\nmessage M { string a = 1; }\n';
    for (const [schemaType, schema, expected] of [
      ["json_schema", json, json],
      ["protobuf", proto, proto],
      ["string", undefined, ""],
      ["number", undefined, ""],
      ["bytes", undefined, ""],
    ] as const) {
      const subject = subjectName(schemaType);
      await registry.registerSchema({ subject, schemaType, schema });
      const got = await registry.getLatestSchema(subject);
      assert.equal(got.schemaType, schemaType);
      assert.equal(got.definition, expected, schemaType);
    }
  });

  test("list versions with metadata, and list subjects", async (t) => {
    const { registry } = await setup(t);
    const subject = subjectName("listed");
    await registry.registerSchema({
      subject,
      schemaType: "avro",
      schema: userV1,
      description: "first",
      createdBy: "a",
    });
    await registry.registerSchema({
      subject,
      schemaType: "avro",
      schema: withDefault,
      description: "second",
    });
    const versions = await registry.listVersions(subject);
    assert.deepEqual(
      versions.map((v) => [v.version, v.description, v.createdBy]),
      [
        [1, "first", "a"],
        [2, "second", "danube-ts"],
      ],
    );
    assert.ok(
      versions.every((v) => v.fingerprint.startsWith("sha256:") && v.schemaId === versions[0]!.schemaId),
    );
    await assert.rejects(registry.listVersions(subjectName("none")), failsWith("NOT_FOUND"));

    await registry.registerSchema({ subject: `${subject}-s`, schemaType: "string", tags: ["x"] });
    const subjects = await registry.listSubjects();
    const mine = subjects.filter((s) => s.subject.startsWith(subject));
    assert.deepEqual(
      mine.map((s) => [s.subject, s.schemaType, s.latestVersion, s.compatibilityMode, s.tags]),
      [
        [subject, "avro", 2, "backward", []],
        [`${subject}-s`, "string", 1, "backward", ["x"]],
      ],
    );
  });

  test("compatibility checks per mode, override, and registration refused when incompatible", async (t) => {
    const { registry } = await setup(t);
    const subject = subjectName("compat");
    await register(registry, subject, userV1);
    const check = (schema: object, mode?: "none" | "backward" | "forward" | "full") =>
      registry.checkCompatibility({ subject, schemaType: "avro", schema, mode });

    // backward (default): the new reader needs defaults for added fields
    assert.deepEqual(await check(withDefault), { compatible: true, errors: [] });
    const backward = await check(withoutDefault);
    assert.equal(backward.compatible, false);
    assert.match(backward.errors.join("\n"), /email/);
    // overrides for one call
    assert.equal((await check(withoutDefault, "forward")).compatible, true);
    assert.equal((await check(withoutDefault, "none")).compatible, true);
    assert.equal((await check(withoutDefault, "full")).compatible, false);
    assert.equal((await check(withDefault, "full")).compatible, true);

    await assert.rejects(
      register(registry, subject, withoutDefault),
      failsWith("INTERNAL", /not compatible/),
    );
    assert.match(await registry.setCompatibilityMode(subject, "forward"), /forward/);
    assert.equal((await registry.getLatestSchema(subject)).compatibilityMode, "forward");
    assert.equal((await check(withoutDefault)).compatible, true);
    assert.equal((await register(registry, subject, withoutDefault)).version, 2);

    await assert.rejects(
      registry.setCompatibilityMode(subject, "sideways" as "none"),
      failsWith("INVALID_ARGUMENT", /not a compatibility mode/),
    );
  });

  test("delete a version", async (t) => {
    const { registry } = await setup(t);
    const subject = subjectName("deleted");
    const r1 = await register(registry, subject, userV1);
    await register(registry, subject, withDefault);
    await registry.getSchema(r1.schemaId, 2); // cached
    assert.match(await registry.deleteSchemaVersion(subject, 2), /Deleted version 2/);
    assert.deepEqual(
      (await registry.listVersions(subject)).map((v) => v.version),
      [1],
    );
    await assert.rejects(registry.getSchema(r1.schemaId, 2), failsWith("NOT_FOUND"));
    await assert.rejects(registry.deleteSchemaVersion(subject, 0), failsWith("INVALID_ARGUMENT"));
  });

  test("topic schema config: configure, read, update; enforce rejects unstamped messages", async (t) => {
    const { env, registry } = await setup(t);
    const topic = uniqueTopic("schema");
    const subject = subjectName("topic");
    const producer = await env.client.createProducer({ topic, name: "p" });
    const empty = await registry.getTopicSchemaConfig(topic);
    assert.equal(empty.subject, undefined);

    await assert.rejects(
      registry.configureTopicSchema({ topic, subject }),
      failsWith("NOT_FOUND", /not found/),
    );
    const { schemaId } = await registry.registerSchema({ subject, schemaType: "string" });
    assert.match(
      await registry.configureTopicSchema({ topic, subject, validationPolicy: "warn" }),
      /configured/,
    );
    const config = await registry.getTopicSchemaConfig(topic);
    assert.equal(config.subject, subject);
    assert.equal(config.validationPolicy, "warn");
    assert.equal(config.enablePayloadValidation, false);
    assert.ok(config.schemaId === schemaId || config.schemaId === 0n);

    await registry.updateTopicValidationPolicy({
      topic,
      validationPolicy: "enforce",
      enablePayloadValidation: true,
    });
    const updated = await registry.getTopicSchemaConfig(topic);
    assert.deepEqual([updated.validationPolicy, updated.enablePayloadValidation], ["enforce", true]);
    await assert.rejects(producer.send("no schema id"), failsWith("PERMISSION_DENIED"));

    await assert.rejects(
      registry.updateTopicValidationPolicy({ topic: uniqueTopic("x"), validationPolicy: "nope" as "none" }),
      failsWith("INVALID_ARGUMENT"),
    );
  });

  test("bindings resolve against the broker, with auto-registration and evolution", async (t) => {
    const { registry } = await setup(t);
    const subject = subjectName("bound");
    const v1 = schemaBinding({ subject, serde: serdes.avro<{ id: number }>(userV1), autoRegister: true });
    const s1 = await v1.resolve(registry);
    assert.equal(s1.version, 1);
    const v2 = schemaBinding({
      subject,
      serde: serdes.avro<{ id: number; name: string }>(withDefault),
      autoRegister: true,
    });
    const s2 = await v2.resolve(registry);
    assert.deepEqual([s2.schemaId, s2.version], [s1.schemaId, 2]);
    const bad = schemaBinding({ subject, serde: serdes.avro(withoutDefault), autoRegister: true });
    await assert.rejects(bad.resolve(registry), failsWith("FAILED_PRECONDITION", /email/));
    await assert.rejects(
      schemaBinding({ subject, serde: serdes.avro(withDefault), version: { pinned: 3 } }).resolve(registry),
      failsWith("NOT_FOUND", /Pinned version 3 does not exist/),
    );
    await assert.rejects(
      schemaBinding({ subject, serde: serdes.avro(withDefault), version: { minVersion: 3 } }).resolve(
        registry,
      ),
      failsWith("FAILED_PRECONDITION", /minimum version requirement 3/),
    );

    // A consumer on v2 reads v1 data through the registry
    const decoder = createSchemaDecoder(registry, v2.serde);
    const payload = v1.encode({ id: 5 });
    assert.deepEqual(await decoder.decode({ payload, schemaId: s1.schemaId, schemaVersion: 1 }), {
      id: 5,
      name: "",
    });
  });

  test("invalid arguments fail before any RPC; calls honour signals", async (t) => {
    const { registry } = await setup(t);
    await assert.rejects(
      registry.registerSchema({ subject: "", schemaType: "avro" }),
      failsWith("INVALID_ARGUMENT"),
    );
    await assert.rejects(
      registry.registerSchema({ subject: "s", schemaType: "xml" }),
      failsWith("INVALID_ARGUMENT"),
    );
    await assert.rejects(registry.getSchema(-1n), failsWith("INVALID_ARGUMENT"));
    await assert.rejects(registry.getTopicSchemaConfig("bad topic"), failsWith("INVALID_ARGUMENT"));
    await assert.rejects(registry.listSubjects({ signal: AbortSignal.abort() }), failsWith("CANCELLED"));
  });
});
