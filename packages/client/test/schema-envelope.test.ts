// Unit tests of the GetSchema envelope unwrapping and the (id, version) schema cache.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { schema as wire } from "@danube-ts/protocol";
import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { ErrorCode } from "../src/index.ts";
import { SchemaCache } from "../src/schema/cache.ts";
import { type ResolvedSchema, unwrapSchemaDefinition } from "../src/schema/index.ts";
import { createSchemaRegistryClient } from "../src/schema/registry-client.ts";

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

  test("a caller aborting a shared fetch does not cancel the other callers", async () => {
    type Callback = (error: ServiceError | null, response: wire.GetSchemaResponse) => void;
    const pending: Callback[] = [];
    let cancelled = 0;
    const stub = {
      getSchema: (_request: unknown, _md: unknown, _options: unknown, callback: Callback) => {
        pending.push(callback);
        return {
          cancel: () => {
            cancelled++;
            const error = Object.assign(new Error("Cancelled on client"), {
              code: status.CANCELLED,
              details: "Cancelled on client",
              metadata: new Metadata(),
            });
            callback(error, undefined as unknown as wire.GetSchemaResponse);
          },
        };
      },
    } as unknown as wire.SchemaRegistryClient;
    const registry = createSchemaRegistryClient({
      stub: () => stub,
      requestTimeoutMs: 5000,
      retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const abort = new AbortController();
    const first = registry.getSchema(7n, 1, { signal: abort.signal });
    const second = registry.getSchema(7n, 1);
    abort.abort();
    await assert.rejects(first, { code: ErrorCode.CANCELLED });
    assert.equal(pending.length, 1, "one shared fetch");
    assert.equal(cancelled, 0, "the shared fetch keeps running");
    pending[0]!(null, {
      schemaId: 7n,
      version: 1,
      subject: "s",
      schemaType: "string",
      schemaDefinition: new Uint8Array(0),
      description: "",
      createdAt: 0n,
      createdBy: "",
      tags: [],
      fingerprint: "",
      compatibilityMode: "BACKWARD",
    });
    assert.equal((await second).subject, "s");
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
