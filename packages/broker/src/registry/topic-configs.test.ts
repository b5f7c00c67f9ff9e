import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { brokerError, registration, registryFixture } from "../../test/fixtures/registry.ts";
import { Status } from "../errors.ts";

const topic = "/default/orders";
const json = '{"type":"object","properties":{"id":{"type":"integer"}}}';

describe("first producer and CreateTopic subject", () => {
  test("the first producer assigns its subject; a different one is refused", async (t) => {
    const { registry, topics } = await registryFixture(t);
    topics.add(topic);
    await registry.register(registration("orders", "json", json));
    await registry.register(registration("other", "string", ""));
    await registry.checkProducer(topic, undefined);
    assert.equal(registry.describeTopic(topic), undefined, "a producer without schema assigns nothing");
    await registry.checkProducer(topic, "orders");
    await registry.checkProducer(topic, "orders");
    await registry.checkProducer(topic, undefined);
    await assert.rejects(
      registry.checkProducer(topic, "other"),
      brokerError(
        Status.FailedPrecondition,
        "Topic '/default/orders' uses schema subject 'orders', cannot use 'other'. Only admin can change topic schema.",
      ),
    );
    assert.deepEqual(registry.describeTopic(topic), {
      subject: "orders",
      schemaId: 1n,
      version: 1,
      schemaType: "json_schema",
      compatibilityMode: "BACKWARD",
    });
    assert.deepEqual(registry.topicSchemaConfig(topic), {
      subject: "orders",
      validationPolicy: "warn",
      enablePayloadValidation: false,
      schemaId: 1n,
    });
  });

  test("an unregistered subject is refused with upstream's message", async (t) => {
    const { registry, topics } = await registryFixture(t);
    topics.add(topic);
    const refusal = brokerError(
      Status.FailedPrecondition,
      "Failed to assign schema 'ghost' to topic '/default/orders': Schema subject 'ghost' not found in registry. Please register schema first.. Ensure schema is registered first.",
    );
    await assert.rejects(registry.checkProducer(topic, "ghost"), refusal);
    await assert.rejects(registry.assignSubject(topic, "ghost"), refusal);
    assert.equal(registry.describeTopic(topic), undefined);
  });

  test("assignSubject follows the same rules", async (t) => {
    const { registry, topics } = await registryFixture(t);
    topics.add(topic);
    await registry.register(registration("orders", "json", json));
    await registry.register(registration("other", "json", json));
    await registry.assignSubject(topic, "orders");
    await registry.checkProducer(topic, "orders");
    await assert.rejects(
      registry.assignSubject(topic, "other"),
      brokerError(Status.FailedPrecondition, /cannot use 'other'/),
    );
  });
});

describe("topic schema RPCs", () => {
  test("ConfigureTopicSchema checks policy, subject and topic, and overrides the subject", async (t) => {
    const { registry, topics } = await registryFixture(t);
    await registry.register(registration("orders", "json", json));
    await registry.register(registration("orders-v2", "json", json));
    await assert.rejects(
      registry.configureTopicSchema(topic, "orders", "strict", true),
      brokerError(
        Status.InvalidArgument,
        "Invalid validation policy: 'strict'. Must be 'none', 'warn', or 'enforce'",
      ),
    );
    await assert.rejects(
      registry.configureTopicSchema(topic, "ghost", "warn", true),
      brokerError(
        Status.NotFound,
        "Schema subject 'ghost' not found in registry: Schema metadata not found for subject: ghost",
      ),
    );
    await assert.rejects(
      registry.configureTopicSchema(topic, "orders", "warn", true),
      brokerError(Status.NotFound, "Topic '/default/orders' not found on this broker"),
    );
    topics.add(topic);
    await registry.checkProducer(topic, "orders");
    assert.equal(
      await registry.configureTopicSchema(topic, "orders-v2", "ENFORCE", true),
      "Topic '/default/orders' configured with schema 'orders-v2', validation policy 'Enforce', payload validation enabled",
    );
    assert.deepEqual(registry.topicSchemaConfig(topic), {
      subject: "orders-v2",
      validationPolicy: "enforce",
      enablePayloadValidation: true,
      schemaId: 2n,
    });
  });

  test("UpdateTopicValidationPolicy needs a subject and changes nothing without one", async (t) => {
    const { registry, topics } = await registryFixture(t);
    await assert.rejects(
      registry.updateTopicValidationPolicy(topic, "none", false),
      brokerError(Status.NotFound, "Topic '/default/orders' not found on this broker"),
    );
    topics.add(topic);
    await assert.rejects(
      registry.updateTopicValidationPolicy(topic, "enforce", true),
      brokerError(
        Status.FailedPrecondition,
        "Topic '/default/orders' has no schema subject configured. Use ConfigureTopicSchema first.",
      ),
    );
    assert.deepEqual(registry.topicSchemaConfig(topic), {
      subject: "",
      validationPolicy: "warn",
      enablePayloadValidation: false,
      schemaId: 0n,
    });
    await registry.register(registration("orders", "json", json));
    await registry.checkProducer(topic, "orders");
    assert.equal(
      await registry.updateTopicValidationPolicy(topic, "None", false),
      "Validation policy updated to 'None', payload validation disabled",
    );
    assert.equal(registry.topicSchemaConfig(topic).validationPolicy, "none");
    assert.throws(
      () => registry.topicSchemaConfig("/default/ghost"),
      brokerError(Status.NotFound, /not found on this broker/),
    );
  });

  test("topic configs survive a reopen; forgetTopic drops them durably", async (t) => {
    const fx = await registryFixture(t);
    fx.topics.add(topic).add("/default/other");
    await fx.registry.register(registration("orders", "json", json));
    await fx.registry.configureTopicSchema(topic, "orders", "enforce", true);
    await fx.registry.checkProducer("/default/other", "orders");
    await fx.reopen();
    assert.deepEqual(fx.registry.topicSchemaConfig(topic), {
      subject: "orders",
      validationPolicy: "enforce",
      enablePayloadValidation: true,
      schemaId: 1n,
    });
    await fx.registry.forgetTopic("/default/other");
    await fx.registry.forgetTopic("/default/never-configured");
    await fx.reopen();
    assert.equal(fx.registry.describeTopic("/default/other"), undefined);
    await fx.registry.checkProducer("/default/other", "orders");
    assert.equal(fx.registry.describeTopic(topic)?.subject, "orders");
  });
});
