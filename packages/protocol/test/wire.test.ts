// The wire facts shared by client and broker: key hashing, the name grammar, the schema envelope.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type EnvelopeSchemaType,
  fnv1a64,
  isValidNamespaceName,
  isValidTopicName,
  namespaceOf,
  parsePartitionTopicName,
  partitionForKey,
  partitionTopicName,
  unwrapSchemaDefinition,
  wrapSchemaDefinition,
} from "../src/index.ts";

describe("key hashing", () => {
  test("FNV-1a 64 matches the reference vectors and hashes strings as UTF-8", () => {
    assert.equal(fnv1a64(""), 0xcbf29ce484222325n);
    assert.equal(fnv1a64("a"), 0xaf63dc4c8601ec8cn);
    assert.equal(fnv1a64("foobar"), 0x85944171f73967e8n);
    assert.equal(fnv1a64("é"), fnv1a64(new Uint8Array([0xc3, 0xa9])));
  });

  test("partitionForKey is the hash modulo the partition count (upstream clients' vectors)", () => {
    // danube-client-behaviour.md appendix A: key -> partition for 2, 3 and 4 partitions.
    const vectors: Array<[string, number, number, number]> = [
      ["keyA", 1, 1, 3],
      ["payment", 1, 0, 1],
      ["order-123", 0, 0, 2],
    ];
    for (const [key, two, three, four] of vectors) {
      assert.deepEqual(
        [2, 3, 4].map((n) => partitionForKey(key, n)),
        [two, three, four],
        key,
      );
    }
  });
});

describe("names", () => {
  test("topics are /namespace/topic of letters, digits, '_' and '-'", () => {
    for (const good of ["/default/orders", "/ns_1/t-2", "/é/日本"]) assert.ok(isValidTopicName(good), good);
    for (const bad of [
      "",
      "orders",
      "default/orders",
      "/default/",
      "//orders",
      "/a/b/c",
      "/a b/c",
      "/a/b.c",
    ]) {
      assert.equal(isValidTopicName(bad), false, bad);
    }
    assert.equal(namespaceOf("/default/orders"), "default");
  });

  test("namespaces are one segment", () => {
    assert.ok(isValidNamespaceName("tenant_a-1"));
    for (const bad of ["", "a/b", "a b", "a.b"]) assert.equal(isValidNamespaceName(bad), false, bad);
  });

  test("partition topics are <topic>-part-<index>", () => {
    assert.equal(partitionTopicName("/default/t", 3), "/default/t-part-3");
    assert.deepEqual(parsePartitionTopicName("/default/t-part-12"), { base: "/default/t", index: 12 });
    assert.equal(parsePartitionTopicName("/default/t"), undefined);
  });
});

describe("schema envelope", () => {
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const fp = "sha256:00";

  test("wraps exactly as upstream's serde JSON", () => {
    assert.equal(text(wrapSchemaDefinition("string", "", "string")), '"String"');
    assert.equal(
      text(wrapSchemaDefinition("avro", '"int"', fp)),
      '{"Avro":{"raw_schema":"\\"int\\"","fingerprint":"sha256:00"}}',
    );
    assert.equal(
      text(wrapSchemaDefinition("protobuf", "message A {}\n", fp)),
      '{"Protobuf":{"raw_proto":"message A {}\\n","message_name":"DefaultMessage","fingerprint":"sha256:00"}}',
    );
  });

  test("unwrap gives back what wrap was given, for every type", () => {
    const cases: Array<[EnvelopeSchemaType, string]> = [
      ["bytes", ""],
      ["string", ""],
      ["number", ""],
      ["avro", '{"type":"record","name":"U","fields":[]}'],
      ["json_schema", '{"type":"object"}'],
      ["protobuf", 'syntax = "proto3";\nmessage M { string a = 1; }'],
    ];
    for (const [type, raw] of cases) {
      assert.equal(unwrapSchemaDefinition(wrapSchemaDefinition(type, raw, fp), type), raw, type);
    }
  });

  test("a bare schema (no envelope) is returned as is", () => {
    const bare = '{"type":"object","properties":{}}';
    assert.equal(unwrapSchemaDefinition(new TextEncoder().encode(bare), "json_schema"), bare);
    assert.equal(unwrapSchemaDefinition(new TextEncoder().encode('"int"'), "avro"), '"int"');
  });
});
