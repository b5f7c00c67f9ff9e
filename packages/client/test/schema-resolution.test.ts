// Unit tests of version resolution, auto-registration, decoding by schema id, the GetSchema
// envelope and the (id, version) cache, against an in-memory registry (no broker).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkCompatibility, parseSchema } from "@danube-ts/schema";
import { DanubeError, ErrorCode } from "../src/errors.ts";
import { SchemaCache } from "../src/schema/cache.ts";
import {
  createSchemaDecoder,
  type RegisterSchemaRequest,
  type ResolvedSchema,
  resolveVersionRef,
  type SchemaRegistryWriter,
  schemaBinding,
  serdes,
} from "../src/schema/index.ts";

const utf8 = new TextEncoder();

/** A registry in memory with the broker's identity rules (id per subject, dedupe, backward). */
class MemoryRegistry implements SchemaRegistryWriter {
  readonly subjects = new Map<string, { id: bigint; versions: ResolvedSchema[] }>();
  readonly calls: string[] = [];
  #nextId = 1n;

  #notFound(what: string): DanubeError {
    return new DanubeError(ErrorCode.NOT_FOUND, `getSchema: Schema not found for ${what}`);
  }

  async getLatestSchema(subject: string): Promise<ResolvedSchema> {
    this.calls.push(`latest ${subject}`);
    const latest = this.subjects.get(subject)?.versions.at(-1);
    if (latest === undefined) throw this.#notFound(`subject: ${subject}`);
    return latest;
  }

  async getSchema(schemaId: bigint, version?: number): Promise<ResolvedSchema> {
    this.calls.push(`get ${schemaId}:${version}`);
    for (const s of this.subjects.values()) {
      if (s.id !== schemaId) continue;
      const found = version === undefined ? s.versions.at(-1) : s.versions.find((v) => v.version === version);
      if (found) return found;
    }
    throw this.#notFound(`ID: ${schemaId}`);
  }

  async listVersions(subject: string) {
    const s = this.subjects.get(subject);
    if (s === undefined) throw this.#notFound(subject);
    return s.versions.map((v) => ({ ...v }));
  }

  async registerSchema(request: RegisterSchemaRequest) {
    this.calls.push(`register ${request.subject}`);
    const text = typeof request.schema === "string" ? request.schema : JSON.stringify(request.schema ?? "");
    const parsed = parseSchema(String(request.schemaType), text);
    let s = this.subjects.get(request.subject);
    const same = s?.versions.find((v) => v.fingerprint === parsed.fingerprint);
    if (s && same)
      return { schemaId: s.id, version: same.version, isNewVersion: false, fingerprint: same.fingerprint };
    if (s) {
      const previous = s.versions.map((v) => parseSchema(v.schemaType, v.definition));
      const result = checkCompatibility("backward", previous, parsed);
      if (!result.compatible) throw new DanubeError(ErrorCode.INTERNAL, result.errors.join("; "));
    }
    if (!s) {
      s = { id: this.#nextId++, versions: [] };
      this.subjects.set(request.subject, s);
    }
    const version = (s.versions.at(-1)?.version ?? 0) + 1;
    s.versions.push({
      schemaId: s.id,
      version,
      subject: request.subject,
      schemaType: parsed.type,
      definition:
        parsed.type === "avro" || parsed.type === "json_schema" || parsed.type === "protobuf" ? text : "",
      description: request.description ?? "",
      createdAt: new Date(),
      createdBy: request.createdBy ?? "",
      tags: request.tags ?? [],
      fingerprint: parsed.fingerprint,
      compatibilityMode: "backward",
    });
    return { schemaId: s.id, version, isNewVersion: true, fingerprint: parsed.fingerprint };
  }

  async checkCompatibility(request: { subject: string; schemaType: string; schema?: unknown }) {
    this.calls.push(`check ${request.subject}`);
    const s = this.subjects.get(request.subject);
    if (!s) throw new DanubeError(ErrorCode.INTERNAL, "unknown subject");
    const candidate = parseSchema(request.schemaType, String(request.schema));
    const previous = s.versions.map((v) => parseSchema(v.schemaType, v.definition));
    const r = checkCompatibility("backward", previous, candidate);
    return { compatible: r.compatible, errors: r.errors };
  }
}

const v1 = { type: "record", name: "User", fields: [{ name: "id", type: "long" }] };
const v2 = {
  type: "record",
  name: "User",
  fields: [
    { name: "id", type: "long" },
    { name: "name", type: "string", default: "" },
  ],
};
const v3 = {
  type: "record",
  name: "User",
  fields: [
    { name: "id", type: "long" },
    { name: "name", type: "string", default: "" },
    { name: "age", type: "int", default: 0 },
  ],
};

async function registryWith(...schemas: object[]): Promise<MemoryRegistry> {
  const registry = new MemoryRegistry();
  for (const s of schemas)
    await registry.registerSchema({ subject: "users", schemaType: "avro", schema: JSON.stringify(s) });
  return registry;
}

function rejectsWith(code: string, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DanubeError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  };
}

describe("resolveVersionRef (upstream rules)", () => {
  test("latest is the latest version", async () => {
    const registry = await registryWith(v1, v2, v3);
    const resolved = await resolveVersionRef(registry, "users", "latest");
    assert.deepEqual([resolved.schemaId, resolved.version], [1n, 3]);
  });

  test("pinned picks that version; pinned == latest needs no second call", async () => {
    const registry = await registryWith(v1, v2, v3);
    assert.equal((await resolveVersionRef(registry, "users", { pinned: 2 })).version, 2);
    registry.calls.length = 0;
    assert.equal((await resolveVersionRef(registry, "users", { pinned: 3 })).version, 3);
    assert.deepEqual(registry.calls, ["latest users"]);
  });

  test("pinned above latest fails with NOT_FOUND naming both versions", async () => {
    const registry = await registryWith(v1, v2);
    await assert.rejects(
      resolveVersionRef(registry, "users", { pinned: 5 }),
      rejectsWith("NOT_FOUND", /Pinned version 5 does not exist for subject 'users'. Latest version is 2/),
    );
  });

  test("minVersion uses the latest, and fails when the latest is older", async () => {
    const registry = await registryWith(v1, v2);
    assert.equal((await resolveVersionRef(registry, "users", { minVersion: 2 })).version, 2);
    assert.equal((await resolveVersionRef(registry, "users", { minVersion: 1 })).version, 2);
    await assert.rejects(
      resolveVersionRef(registry, "users", { minVersion: 3 }),
      rejectsWith(
        "FAILED_PRECONDITION",
        /Latest version 2 does not meet minimum version requirement 3 for subject 'users'/,
      ),
    );
  });

  test("an unknown subject is NOT_FOUND naming it", async () => {
    await assert.rejects(
      resolveVersionRef(new MemoryRegistry(), "nope", "latest"),
      rejectsWith("NOT_FOUND", /schema subject 'nope' is not registered/),
    );
  });

  test("invalid references are INVALID_ARGUMENT", () => {
    const serde = serdes.avro(v1);
    assert.throws(() => schemaBinding({ subject: "users", serde, version: { pinned: 0 } }), /version.pinned/);
    assert.throws(
      () => schemaBinding({ subject: "users", serde, version: { minVersion: 1.5 } }),
      /minVersion/,
    );
    assert.throws(() => schemaBinding({ subject: "", serde }), /schema.subject/);
  });
});

describe("schemaBinding", () => {
  test("stamps the resolved (id, version) and encodes with the serde", async () => {
    const registry = await registryWith(v1, v2);
    const binding = schemaBinding({
      subject: "users",
      serde: serdes.avro<{ id: number }>(v1),
      version: { pinned: 1 },
    });
    const resolved = await binding.resolve(registry);
    assert.deepEqual([resolved.schemaId, resolved.version], [1n, 1]);
    assert.deepEqual([...binding.encode({ id: 1 })], [2]);
    assert.deepEqual(binding.reference(), {
      subject: "users",
      versionRef: { $case: "pinnedVersion", value: 1 },
    });
  });

  test("refuses to stamp a version that is not the serde's schema", async () => {
    const registry = await registryWith(v1, v2);
    const binding = schemaBinding({ subject: "users", serde: serdes.avro(v1) });
    await assert.rejects(
      binding.resolve(registry),
      rejectsWith("FAILED_PRECONDITION", /not version 2 of subject 'users'/),
    );
    const unchecked = schemaBinding({ subject: "users", serde: serdes.avro(v1), verifySchema: false });
    assert.equal((await unchecked.resolve(registry)).version, 2);
  });

  test("the same schema with other key order or whitespace matches", async () => {
    const registry = await registryWith(v1);
    const reordered = '{ "fields": [ { "type": "long", "name": "id" } ], "name": "User", "type": "record" }';
    const binding = schemaBinding({ subject: "users", serde: serdes.avro(reordered) });
    assert.equal((await binding.resolve(registry)).version, 1);
  });

  test("auto-registration creates a missing subject", async () => {
    const registry = new MemoryRegistry();
    const binding = schemaBinding({
      subject: "users",
      serde: serdes.avro(v1),
      autoRegister: { tags: ["t"] },
    });
    const resolved = await binding.resolve(registry);
    assert.deepEqual([resolved.schemaId, resolved.version], [1n, 1]);
    assert.deepEqual(registry.subjects.get("users")?.versions[0]?.tags, ["t"]);
  });

  test("auto-registration evolves a compatible schema and reuses a registered one", async () => {
    const registry = await registryWith(v1);
    const evolve = schemaBinding({ subject: "users", serde: serdes.avro(v2), autoRegister: true });
    assert.equal((await evolve.resolve(registry)).version, 2);
    assert.ok(registry.calls.includes("check users"));
    registry.calls.length = 0;
    assert.equal((await evolve.resolve(registry)).version, 2);
    assert.equal(registry.calls.filter((c) => c.startsWith("register") || c.startsWith("check")).length, 0);
    // An older schema is found among the versions: no new version, pinned to it
    const old = schemaBinding({
      subject: "users",
      serde: serdes.avro(v1),
      autoRegister: true,
      version: { pinned: 1 },
    });
    assert.equal((await old.resolve(registry)).version, 1);
    assert.equal(registry.subjects.get("users")?.versions.length, 2);
  });

  test("auto-registration of an incompatible schema fails naming the incompatibilities", async () => {
    const registry = await registryWith(v1);
    const breaking = {
      type: "record",
      name: "User",
      fields: [
        { name: "id", type: "long" },
        { name: "email", type: "string" },
      ],
    };
    const binding = schemaBinding({ subject: "users", serde: serdes.avro(breaking), autoRegister: true });
    await assert.rejects(
      binding.resolve(registry),
      rejectsWith("FAILED_PRECONDITION", /subject 'users'.*not compatible with version 1.*email/),
    );
    assert.equal(registry.subjects.get("users")?.versions.length, 1);
  });

  test("string, number and bytes subjects bind by type", async () => {
    const registry = new MemoryRegistry();
    await registry.registerSchema({ subject: "names", schemaType: "string" });
    assert.equal(
      (await schemaBinding({ subject: "names", serde: serdes.string() }).resolve(registry)).version,
      1,
    );
    await assert.rejects(
      schemaBinding({ subject: "names", serde: serdes.number() }).resolve(registry),
      rejectsWith("FAILED_PRECONDITION", /number schema is not version 1/),
    );
    assert.equal(
      (await schemaBinding({ subject: "names", serde: serdes.bytes() }).resolve(registry)).version,
      1,
    );
  });
});

describe("createSchemaDecoder", () => {
  test("decodes v1 and v3 messages into the v2 reader, fetching each writer once", async () => {
    const registry = await registryWith(v1, v2, v3);
    const cachedRegistry = withCache(registry);
    const decoder = createSchemaDecoder(cachedRegistry, serdes.avro<{ id: number; name: string }>(v2));
    const w1 = serdes.avro<{ id: number }>(v1).encode({ id: 1 });
    const w3 = serdes
      .avro<{ id: number; name: string; age: number }>(v3)
      .encode({ id: 3, name: "c", age: 9 });
    const messages = [
      { payload: w1, schemaId: 1n, schemaVersion: 1 },
      { payload: w3, schemaId: 1n, schemaVersion: 3 },
      { payload: w1, schemaId: 1n, schemaVersion: 1 },
    ];
    const values = await Promise.all(messages.map((m) => decoder.decode(m)));
    assert.deepEqual(values, [
      { id: 1, name: "" },
      { id: 3, name: "c" },
      { id: 1, name: "" },
    ]);
    assert.deepEqual(registry.calls.filter((c) => c.startsWith("get")).sort(), ["get 1:1", "get 1:3"]);
  });

  test("messages without a schema id use the serde's schema; type mismatches fail", async () => {
    const registry = new MemoryRegistry();
    await registry.registerSchema({ subject: "n", schemaType: "number" });
    const decoder = createSchemaDecoder(registry, serdes.string());
    assert.equal(
      await decoder.decode({ payload: utf8.encode("hi"), schemaId: undefined, schemaVersion: undefined }),
      "hi",
    );
    const settled = await decoder.decodeSettled({
      payload: new Uint8Array(8),
      schemaId: 1n,
      schemaVersion: 1,
    });
    assert.equal(settled.ok, false);
    assert.equal(settled.ok ? undefined : settled.error.code, "FAILED_PRECONDITION");
  });
});

/** The client's cache in front of a registry, as createSchemaRegistryClient does it. */
function withCache(registry: MemoryRegistry): MemoryRegistry {
  const cache = new SchemaCache();
  const wrapped = Object.create(registry) as MemoryRegistry;
  wrapped.getSchema = (id: bigint, version?: number) =>
    version === undefined
      ? registry.getSchema(id)
      : cache.get(id, version, () => registry.getSchema(id, version));
  return wrapped;
}
