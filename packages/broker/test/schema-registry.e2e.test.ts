import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { schema } from "@danube-ts/protocol";
import { status } from "@grpc/grpc-js";
import {
  bytes,
  clients,
  createProducer,
  grpcError,
  register,
  rpc,
  send,
  text,
} from "./fixtures/schema-rpc.ts";
import { testBroker, uniqueTopic } from "./helpers.ts";
import { scrape, sum } from "./prom-text.ts";

const userV1 = '{"type":"record","name":"User","fields":[{"name":"name","type":"string"}]}';
const userV2 =
  '{"type":"record","name":"User","fields":[{"name":"name","type":"string"},{"name":"age","type":"int","default":0}]}';
const orderSchema = '{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}';

describe("schema registry over gRPC", () => {
  test("register, dedupe, read, list, check, set mode, delete", async (t) => {
    const broker = await testBroker(t);
    const { registry: c } = clients(t, broker);
    const v1 = await register(c, "users", "avro", userV1);
    const v2 = await register(c, "users", "avro", userV2);
    const dup = await register(c, "users", "avro", userV1);
    assert.deepEqual([v1.schemaId, v1.version, v2.schemaId, v2.version], [1n, 1, 1n, 2]);
    assert.deepEqual([dup.version, dup.isNewVersion], [1, false]);

    const got = await rpc<schema.GetSchemaResponse>((cb) => c.getSchema({ schemaId: 1n, version: 1 }, cb));
    assert.equal(got.subject, "users");
    assert.equal(got.schemaType, "avro");
    assert.equal(got.compatibilityMode, "backward");
    assert.equal(got.createdBy, "e2e");
    assert.deepEqual(JSON.parse(text(got.schemaDefinition)), {
      Avro: { raw_schema: userV1, fingerprint: v1.fingerprint },
    });
    const latest = await rpc<schema.GetSchemaResponse>((cb) => c.getLatestSchema({ subject: "users" }, cb));
    assert.equal(latest.version, 2);

    const check = await rpc<schema.CheckCompatibilityResponse>((cb) =>
      c.checkCompatibility(
        {
          subject: "users",
          schemaType: "avro",
          newSchemaDefinition: bytes(
            '{"type":"record","name":"User","fields":[{"name":"name","type":"string"},{"name":"x","type":"int"}]}',
          ),
        },
        cb,
      ),
    );
    assert.equal(check.isCompatible, false);
    assert.match(check.errors[0]!, /reader field 'x' has no default/);

    const mode = await rpc<schema.SetCompatibilityModeResponse>((cb) =>
      c.setCompatibilityMode({ subject: "users", compatibilityMode: "FULL" }, cb),
    );
    assert.deepEqual(mode, { success: true, message: "Set compatibility mode to FULL for subject users" });

    const deleted = await rpc<schema.DeleteSchemaVersionResponse>((cb) =>
      c.deleteSchemaVersion({ subject: "users", version: 2 }, cb),
    );
    assert.deepEqual(deleted, { success: true, message: "Deleted version 2 for subject users" });
    const versions = await rpc<schema.ListVersionsResponse>((cb) => c.listVersions({ subject: "users" }, cb));
    assert.deepEqual(
      versions.versions.map((v) => [v.version, v.schemaId]),
      [[1, 1n]],
    );
    const list = await rpc<schema.ListSubjectsResponse>((cb) => c.listSubjects({}, cb));
    assert.deepEqual(
      list.subjects.map((s) => [s.subject, s.latestVersion, s.compatibilityMode, s.schemaId]),
      [["users", 1, "full", 1n]],
    );
  });

  test("upstream's status codes", async (t) => {
    const broker = await testBroker(t);
    const { registry: c } = clients(t, broker);
    await assert.rejects(
      rpc((cb) => c.getSchema({ schemaId: 77n }, cb)),
      grpcError(status.NOT_FOUND, /^Schema not found for ID: 77$/),
    );
    await assert.rejects(
      rpc((cb) => c.getLatestSchema({ subject: "nope" }, cb)),
      grpcError(status.NOT_FOUND, /^Schema not found for subject: nope$/),
    );
    await assert.rejects(
      rpc((cb) => c.listVersions({ subject: "nope" }, cb)),
      grpcError(status.NOT_FOUND, /^Subject not found: nope$/),
    );
    await assert.rejects(
      register(c, "bad", "avro", "{"),
      grpcError(status.INTERNAL, /^Failed to register schema: /),
    );
    await register(c, "s", "string", "");
    await assert.rejects(
      rpc((cb) => c.setCompatibilityMode({ subject: "s", compatibilityMode: "often" }, cb)),
      grpcError(status.INVALID_ARGUMENT, /^Invalid compatibility mode: often$/),
    );
    await assert.rejects(
      rpc((cb) =>
        c.configureTopicSchema(
          {
            topicName: "/default/none",
            schemaSubject: "s",
            validationPolicy: "warn",
            enablePayloadValidation: false,
          },
          cb,
        ),
      ),
      grpcError(status.NOT_FOUND, /^Topic '\/default\/none' not found on this broker$/),
    );
  });

  test("served on the admin listener too, over the same state", async (t) => {
    const broker = await testBroker(t);
    const { registry, adminRegistry } = clients(t, broker);
    await register(registry, "shared", "json", orderSchema);
    const list = await rpc<schema.ListSubjectsResponse>((cb) => adminRegistry.listSubjects({}, cb));
    assert.deepEqual(
      list.subjects.map((s) => [s.subject, s.schemaType]),
      [["shared", "json_schema"]],
    );
  });
});

describe("topics and schemas", () => {
  test("the first producer assigns its subject; another subject or an unregistered one is refused", async (t) => {
    const broker = await testBroker(t);
    const { registry, producers } = clients(t, broker);
    const topic = uniqueTopic("schema");
    await register(registry, "orders", "json", orderSchema);
    await register(registry, "events", "json", orderSchema);
    await assert.rejects(
      createProducer(producers, uniqueTopic("ghost"), "p0", "ghost"),
      grpcError(
        status.FAILED_PRECONDITION,
        /Schema subject 'ghost' not found in registry.*Ensure schema is registered first/,
      ),
    );
    await createProducer(producers, topic, "p1", "orders");
    await createProducer(producers, topic, "p2", "orders");
    await createProducer(producers, topic, "p3");
    await assert.rejects(
      createProducer(producers, topic, "p4", "events"),
      grpcError(status.FAILED_PRECONDITION, /uses schema subject 'orders', cannot use 'events'/),
    );
    const config = await rpc<schema.GetTopicSchemaConfigResponse>((cb) =>
      registry.getTopicSchemaConfig({ topicName: topic }, cb),
    );
    assert.deepEqual(config, {
      schemaSubject: "orders",
      validationPolicy: "warn",
      enablePayloadValidation: false,
      schemaId: 1n,
    });
  });

  test("enforce rejects invalid messages, and so does warn with payload validation on; state survives a restart", async (t) => {
    const broker = await testBroker(t, { prometheus: { port: 0 } });
    let c = clients(t, broker);
    const topic = uniqueTopic("validate");
    const { schemaId } = await register(c.registry, "orders", "json", orderSchema);
    const { producerId } = await createProducer(c.producers, topic, "p", "orders");
    const configured = await rpc<schema.ConfigureTopicSchemaResponse>((cb) =>
      c.registry.configureTopicSchema(
        {
          topicName: topic,
          schemaSubject: "orders",
          validationPolicy: "enforce",
          enablePayloadValidation: true,
        },
        cb,
      ),
    );
    assert.match(configured.message, /validation policy 'Enforce', payload validation enabled/);
    await send(c.producers, producerId, topic, '{"id":1}', schemaId, 1);
    await assert.rejects(
      send(c.producers, producerId, topic, '{"id":"one"}', schemaId, 1),
      grpcError(
        status.PERMISSION_DENIED,
        /^Unable to publish the message: Payload validation failed: \/id: /,
      ),
    );
    await assert.rejects(
      send(c.producers, producerId, topic, '{"id":1}'),
      grpcError(status.PERMISSION_DENIED, /^Unable to publish the message: Message missing schema_id/),
    );
    // The checks are counted under upstream's names (docs/observability.md).
    const scraped = await scrape(broker.broker.metricsUrl!);
    assert.equal(sum(scraped, "danube_schema_validation_total"), 3);
    assert.equal(sum(scraped, "danube_schema_validation_failures_total"), 2);
    const refused = { topic, result: "error", error_code: "PermissionDenied" };
    assert.equal(sum(scraped, "danube_producer_send_total", refused), 2);

    await broker.restart();
    c = clients(t, broker);
    const config = await rpc<schema.GetTopicSchemaConfigResponse>((cb) =>
      c.registry.getTopicSchemaConfig({ topicName: topic }, cb),
    );
    assert.deepEqual(config, {
      schemaSubject: "orders",
      validationPolicy: "enforce",
      enablePayloadValidation: true,
      schemaId,
    });
    const latest = await rpc<schema.GetSchemaResponse>((cb) =>
      c.registry.getLatestSchema({ subject: "orders" }, cb),
    );
    assert.equal(latest.schemaId, schemaId);

    const updated = await rpc<schema.UpdateTopicValidationPolicyResponse>((cb) =>
      c.registry.updateTopicValidationPolicy(
        { topicName: topic, validationPolicy: "warn", enablePayloadValidation: true },
        cb,
      ),
    );
    assert.equal(updated.message, "Validation policy updated to 'Warn', payload validation enabled");
    const again = await createProducer(c.producers, topic, "p-after-restart", "orders");
    // Warn refuses an invalid payload when payload validation is on (as upstream) ...
    await assert.rejects(
      send(c.producers, again.producerId, topic, '{"id":"one"}', schemaId, 1),
      grpcError(status.PERMISSION_DENIED, /^Unable to publish the message: Payload validation failed: /),
    );
    // ... and logs and accepts a message without a schema id.
    await send(c.producers, again.producerId, topic, '{"id":2}');
  });
});
