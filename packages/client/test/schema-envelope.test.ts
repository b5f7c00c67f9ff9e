// Unit tests of the GetSchema envelope unwrapping and the (id, version) schema cache.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SchemaCache } from "../src/schema/cache.ts";
import { type ResolvedSchema, unwrapSchemaDefinition } from "../src/schema/index.ts";

const utf8 = new TextEncoder();

describe("SchemaCache", () => {
  test("shares concurrent fetches, does not cache failures, evicts least recently used", async () => {
    const cache = new SchemaCache(2);
    let fetches = 0;
    const schema = (version: number): ResolvedSchema => ({
      ...({} as ResolvedSchema),
      schemaId: 1n,
      version,
      subject: "s",
    });
    const fetch = (v: number) => async () => {
      fetches++;
      return schema(v);
    };
    await Promise.all([cache.get(1n, 1, fetch(1)), cache.get(1n, 1, fetch(1))]);
    assert.equal(fetches, 1);
    await assert.rejects(cache.get(1n, 2, () => Promise.reject(new Error("down"))));
    await cache.get(1n, 2, fetch(2));
    assert.equal(fetches, 2);
    cache.peek(1n, 1); // 1 becomes most recent
    await cache.get(1n, 3, fetch(3));
    assert.equal(cache.size, 2);
    assert.ok(cache.peek(1n, 1));
    assert.equal(cache.peek(1n, 2), undefined);
    cache.deleteSubjectVersion("s", 1);
    assert.equal(cache.peek(1n, 1), undefined);
  });
});

describe("unwrapSchemaDefinition", () => {
  const raw = '{"type":"record","name":"U","fields":[]}';
  const bytes = (v: unknown) => utf8.encode(typeof v === "string" ? v : JSON.stringify(v));

  test("unwraps upstream's envelopes", () => {
    assert.equal(
      unwrapSchemaDefinition(bytes({ Avro: { raw_schema: raw, fingerprint: "sha256:x" } }), "avro"),
      raw,
    );
    assert.equal(
      unwrapSchemaDefinition(
        bytes({ JsonSchema: { raw_schema: '{"type":"object"}', fingerprint: "f" } }),
        "json_schema",
      ),
      '{"type":"object"}',
    );
    const proto = 'syntax = "proto3";\nmessage M { string a = 1; }';
    assert.equal(
      unwrapSchemaDefinition(
        bytes({ Protobuf: { raw_proto: proto, message_name: "DefaultMessage", fingerprint: "f" } }),
        "protobuf",
      ),
      proto,
    );
    for (const [tag, type] of [
      ["Bytes", "bytes"],
      ["String", "string"],
      ["Number", "number"],
    ] as const) {
      assert.equal(unwrapSchemaDefinition(bytes(JSON.stringify(tag)), type), "");
    }
  });

  test("accepts a bare schema", () => {
    assert.equal(unwrapSchemaDefinition(bytes(raw), "avro"), raw);
    assert.equal(unwrapSchemaDefinition(bytes('"string"'), "avro"), '"string"');
    assert.equal(unwrapSchemaDefinition(bytes('["null","string"]'), "avro"), '["null","string"]');
    const json = '{"type":"object","properties":{"Avro":{"type":"string"}}}';
    assert.equal(unwrapSchemaDefinition(bytes(json), "json_schema"), json);
    const proto = "syntax = 'proto3'; message M {}";
    assert.equal(unwrapSchemaDefinition(bytes(proto), "protobuf"), proto);
    // a one-key JSON Schema whose key happens to be an envelope tag, without raw text
    const tricky = '{"Avro":{"type":"string"}}';
    assert.equal(unwrapSchemaDefinition(bytes(tricky), "json_schema"), tricky);
  });
});
