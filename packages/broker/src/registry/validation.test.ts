import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { describe, test } from "node:test";
import { brokerError, bytes, registration, registryFixture } from "../../test/fixtures/registry.ts";
import { Status } from "../errors.ts";
import type { ValidationPolicy } from "./records.ts";

const topic = "/default/events";
const v1 = '{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}';
const v2 = '{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"required":["a"]}';
const good = bytes('{"a":"x"}');
const bad = bytes('{"a":1}');
/** Valid for v1 (b is unconstrained there), invalid for v2 (b must be an integer). */
const v1Only = bytes('{"a":"x","b":"text"}');

/** Topic `events` on subject `events` (id 1, versions 1 and 2) plus subject `other` (id 2). */
async function setup(t: TestContext, policy: ValidationPolicy, payloadValidation = true) {
  const fx = await registryFixture(t);
  fx.topics.add(topic);
  const subjects = fx.registry;
  await subjects.register(registration("events", "json", v1));
  await subjects.setCompatibilityMode("events", "none");
  await subjects.register(registration("events", "json", v2));
  await subjects.register(registration("other", "string", ""));
  await fx.registry.configureTopicSchema(topic, "events", policy, payloadValidation);
  return fx;
}

const rejected = (reason: string | RegExp) =>
  brokerError(
    Status.PermissionDenied,
    typeof reason === "string"
      ? `Unable to publish the message: ${reason}`
      : new RegExp(`^Unable to publish the message: ${reason.source}`),
  );

describe("validation on publish", () => {
  test("topics without a schema config accept anything", async (t) => {
    const { registry } = await registryFixture(t);
    registry.validateMessage(topic, { payload: bad });
    registry.validateMessage(topic, { schemaId: 42n, payload: bad });
    assert.deepEqual(registry.validationStats(topic), { checked: 0, warned: 0, rejected: 0 });
  });

  test("none accepts every message", async (t) => {
    const { registry } = await setup(t, "none");
    registry.validateMessage(topic, { payload: bad });
    registry.validateMessage(topic, { schemaId: 9n, payload: bad });
    registry.validateMessage(topic, { schemaId: 1n, schemaVersion: 2, payload: bad });
    assert.deepEqual(registry.validationStats(topic), { checked: 0, warned: 0, rejected: 0 });
  });

  test("enforce rejects with a clear reason", async (t) => {
    const { registry } = await setup(t, "enforce");
    assert.throws(
      () => registry.validateMessage(topic, { payload: good }),
      rejected("Message missing schema_id for topic /default/events (expected subject: events)"),
    );
    assert.throws(
      () => registry.validateMessage(topic, { schemaId: 9n, payload: good }),
      rejected("Schema ID 9 not found in registry"),
    );
    assert.throws(
      () => registry.validateMessage(topic, { schemaId: 2n, payload: good }),
      rejected(
        "Schema subject mismatch for topic /default/events: message schema_id=2 belongs to subject 'other', but topic requires 'events'",
      ),
    );
    assert.throws(
      () => registry.validateMessage(topic, { schemaId: 1n, schemaVersion: 1, payload: bad }),
      rejected(/Payload validation failed: \/a: /),
    );
    assert.throws(
      () => registry.validateMessage(topic, { schemaId: 1n, schemaVersion: 7, payload: good }),
      rejected("Schema version not found: events/7"),
    );
    registry.validateMessage(topic, { schemaId: 1n, schemaVersion: 1, payload: good });
    assert.deepEqual(registry.validationStats(topic), { checked: 6, warned: 0, rejected: 5 });
  });

  test("payloads are validated against the message's own version, else version 1 (as upstream)", async (t) => {
    const { registry } = await setup(t, "enforce");
    registry.validateMessage(topic, { schemaId: 1n, schemaVersion: 1, payload: v1Only });
    assert.throws(
      () => registry.validateMessage(topic, { schemaId: 1n, schemaVersion: 2, payload: v1Only }),
      rejected(/Payload validation failed: \/b: /),
    );
    // No version: version 1, as upstream brokers and our client's decoder assume.
    registry.validateMessage(topic, { schemaId: 1n, payload: v1Only });
    // A deleted version can no longer validate anything.
    await registry.deleteVersion("events", 1);
    assert.throws(
      () => registry.validateMessage(topic, { schemaId: 1n, schemaVersion: 1, payload: v1Only }),
      rejected("Schema version not found: events/1"),
    );
    assert.throws(
      () => registry.validateMessage(topic, { schemaId: 1n, payload: v1Only }),
      rejected("Schema version not found: events/1"),
    );
  });

  test("payload validation off checks only the schema id", async (t) => {
    const { registry } = await setup(t, "enforce", false);
    registry.validateMessage(topic, { schemaId: 1n, schemaVersion: 99, payload: bytes("not json") });
    assert.throws(
      () => registry.validateMessage(topic, { payload: good }),
      rejected(/Message missing schema_id/),
    );
  });

  test("warn refuses an unknown schema id and an invalid payload, as upstream; logs and accepts the rest (rate-limited)", async (t) => {
    const { registry, logger } = await setup(t, "warn");
    registry.validateMessage(topic, { payload: good });
    assert.throws(
      () => registry.validateMessage(topic, { schemaId: 9n, payload: good }),
      rejected("Schema ID 9 not found in registry"),
    );
    registry.validateMessage(topic, { schemaId: 2n, payload: good });
    assert.throws(
      () => registry.validateMessage(topic, { schemaId: 1n, payload: bad }),
      rejected(/Payload validation failed: /),
    );
    registry.validateMessage(topic, { schemaId: 1n, payload: good });
    assert.deepEqual(registry.validationStats(topic), { checked: 5, warned: 2, rejected: 2 });
    assert.equal(logger.warnings.length, 1, "one warning per second per topic");
    assert.match(
      logger.warnings[0]!,
      /topic \/default\/events: accepted a message: Message missing schema_id/,
    );
  });

  test("warn without payload validation accepts an invalid payload", async (t) => {
    const { registry } = await setup(t, "warn", false);
    registry.validateMessage(topic, { schemaId: 1n, payload: bad });
    assert.deepEqual(registry.validationStats(topic), { checked: 1, warned: 0, rejected: 0 });
  });

  test("other payload types: avro binary datum, string", async (t) => {
    const fx = await registryFixture(t);
    fx.topics.add("/default/avro").add("/default/text");
    const subjects = fx.registry;
    await subjects.register(
      registration("user", "avro", '{"type":"record","name":"U","fields":[{"name":"n","type":"string"}]}'),
    );
    await subjects.register(registration("text", "string", ""));
    await fx.registry.configureTopicSchema("/default/avro", "user", "enforce", true);
    await fx.registry.configureTopicSchema("/default/text", "text", "enforce", true);
    fx.registry.validateMessage("/default/avro", { schemaId: 1n, payload: new Uint8Array([4, 104, 105]) });
    assert.throws(
      () => fx.registry.validateMessage("/default/avro", { schemaId: 1n, payload: new Uint8Array([4, 104]) }),
      rejected(/Payload validation failed/),
    );
    fx.registry.validateMessage("/default/text", { schemaId: 2n, payload: bytes("héllo") });
    assert.throws(
      () => fx.registry.validateMessage("/default/text", { schemaId: 2n, payload: new Uint8Array([0xff]) }),
      rejected(/Payload validation failed: \/: payload is not valid UTF-8/),
    );
  });

  test("policies survive a reopen", async (t) => {
    const fx = await setup(t, "enforce");
    await fx.reopen();
    assert.throws(
      () => fx.registry.validateMessage(topic, { schemaId: 1n, payload: bad }),
      rejected(/Payload/),
    );
    fx.registry.validateMessage(topic, { schemaId: 1n, schemaVersion: 1, payload: v1Only });
  });
});
