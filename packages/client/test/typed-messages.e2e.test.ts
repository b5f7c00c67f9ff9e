// End-to-end: typed producers and consumers through a real broker's topics and registry.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createClient, DanubeError, serdes } from "../src/index.ts";
import { restartableBroker, take, testEnv, uniqueTopic } from "./helpers.ts";

let n = 0;
const subjectName = (prefix: string) => `${prefix}-${process.pid}-${++n}`;

function failsWith(code: string, pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DanubeError, String(error));
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

interface Order {
  id: number;
  item: string;
}
const orderSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  properties: { id: { type: "integer" }, item: { type: "string" } },
  required: ["id", "item"],
};
const orderV2Schema = { ...orderSchema, properties: { ...orderSchema.properties, note: { type: "string" } } };

const userV1 = { type: "record", name: "User", fields: [{ name: "id", type: "long" }] };
const userV2 = {
  type: "record",
  name: "User",
  fields: [
    { name: "id", type: "long" },
    { name: "name", type: "string", default: "anonymous" },
  ],
};

describe("typed producers and consumers", () => {
  test("JSON: values round-trip typed; the latest version is stamped; invalid values fail before any RPC", async (t) => {
    const { client } = await testEnv(t);
    const subject = subjectName("orders");
    const topic = uniqueTopic("orders");
    const serde = serdes.json<Order>(orderSchema);
    const producer = await client.createProducer({
      topic,
      name: "p",
      dispatchStrategy: "Reliable",
      schema: { subject, serde, autoRegister: true },
    });
    const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c", serde });
    await producer.send({ id: 1, item: "book" });
    await assert.rejects(
      producer.send({ id: "two", item: "pen" } as unknown as Order),
      failsWith("INVALID_ARGUMENT", /\/id/),
    );
    const [message] = await take(consumer, 1);
    const order: Order = message!.value;
    assert.deepEqual(order, { id: 1, item: "book" });
    const latest = await client.schema.getLatestSchema(subject);
    assert.equal(message!.schemaId, latest.schemaId);
    assert.equal(message!.schemaVersion, 1);
  });

  test("Protobuf: typed round trip with nested messages", async (t) => {
    const { client } = await testEnv(t);
    const subject = subjectName("events");
    const topic = uniqueTopic("events");
    const proto = `syntax = "proto3";
package demo;
message Event {
  string name = 1;
  int32 count = 2;
  Inner inner = 3;
}
message Inner { repeated string tags = 1; }`;
    interface Event {
      name: string;
      count: number;
      inner: { tags: string[] };
    }
    const serde = serdes.protobuf<Event>(proto, "demo.Event");
    const producer = await client.createProducer({
      topic,
      name: "p",
      schema: { subject, serde, autoRegister: true },
    });
    const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c", serde });
    await producer.send({ name: "click", count: 3, inner: { tags: ["a", "b"] } });
    const [message] = await take(consumer, 1);
    assert.deepEqual(message!.value, { name: "click", count: 3, inner: { tags: ["a", "b"] } });
  });

  test("Avro: data written with v1 reads into the consumer's v2 with defaults", async (t) => {
    const { client } = await testEnv(t);
    const subject = subjectName("users");
    const topic = uniqueTopic("users");
    const v1 = serdes.avro<{ id: number }>(userV1);
    const producer = await client.createProducer({
      topic,
      name: "p",
      dispatchStrategy: "Reliable",
      schema: { subject, serde: v1, autoRegister: true },
    });
    // The subject evolves (backward compatible: a field with a default) while v1 data exists.
    const registered = await client.schema.registerSchema({ subject, schemaType: "avro", schema: userV2 });
    assert.equal(registered.version, 2);
    const v2 = serdes.avro<{ id: number; name: string }>(userV2);
    const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c", serde: v2 });
    await producer.send({ id: 7 });
    const [message] = await take(consumer, 1);
    assert.equal(message!.schemaVersion, 1, "stamped with the writer's version");
    assert.deepEqual({ ...message!.value }, { id: 7, name: "anonymous" });
  });

  test("version references: pinned 1 is stamped; min above latest and an unknown pinned version are refused", async (t) => {
    const { client } = await testEnv(t);
    const subject = subjectName("pins");
    const topic = uniqueTopic("pins");
    await client.schema.registerSchema({ subject, schemaType: "json_schema", schema: orderSchema });
    // An added optional property is backward compatible under the default (upstream) rules.
    await client.schema.registerSchema({ subject, schemaType: "json_schema", schema: orderV2Schema });
    const v1 = serdes.json<Order>(orderSchema);
    const pinned = await client.createProducer({
      topic,
      name: "pinned",
      schema: { subject, serde: v1, version: { pinned: 1 } },
    });
    const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c", serde: v1 });
    await pinned.send({ id: 1, item: "x" });
    const [message] = await take(consumer, 1);
    assert.equal(message!.schemaVersion, 1);

    await assert.rejects(
      client.createProducer({
        topic,
        name: "min",
        schema: { subject, serde: v1, version: { minVersion: 3 } },
      }),
      failsWith("FAILED_PRECONDITION", /minimum/i),
    );
    await assert.rejects(
      client.createProducer({
        topic,
        name: "future",
        schema: { subject, serde: v1, version: { pinned: 9 } },
      }),
      failsWith("NOT_FOUND", /9/),
    );
    await assert.rejects(
      client.createProducer({
        topic,
        name: "nobody",
        schema: { subject: subjectName("missing"), serde: v1 },
      }),
      failsWith("NOT_FOUND"),
    );
  });

  test("a producer with another subject than the topic's is refused", async (t) => {
    const { client } = await testEnv(t);
    const topic = uniqueTopic("subjects");
    const a = subjectName("a");
    const b = subjectName("b");
    const serde = serdes.json<Order>(orderSchema);
    await client.createProducer({ topic, name: "first", schema: { subject: a, serde, autoRegister: true } });
    await client.schema.registerSchema({ subject: b, schemaType: "json_schema", schema: orderSchema });
    await assert.rejects(
      client.createProducer({ topic, name: "second", schema: { subject: b, serde } }),
      failsWith("FAILED_PRECONDITION", /cannot use/),
    );
  });

  test("enforce: the broker rejects an invalid payload and accepts a valid one", async (t) => {
    const { client } = await testEnv(t);
    const subject = subjectName("strict");
    const topic = uniqueTopic("strict");
    await client.schema.registerSchema({ subject, schemaType: "json_schema", schema: orderSchema });
    // A bytes serde stamps the subject's id but sends any bytes: the broker has to check them.
    const raw = await client.createProducer({
      topic,
      name: "raw",
      schema: { subject, serde: serdes.bytes() },
    });
    await client.schema.configureTopicSchema({
      topic,
      subject,
      validationPolicy: "enforce",
      enablePayloadValidation: true,
    });
    await assert.rejects(
      raw.send(new TextEncoder().encode('{"id":"nope"}')),
      failsWith("PERMISSION_DENIED", /Unable to publish the message/),
    );
    await raw.send(new TextEncoder().encode('{"id":1,"item":"ok"}'));
  });

  test("an undecodable payload surfaces as the message's value error, so the app can nack it", async (t) => {
    const { client } = await testEnv(t);
    const subject = subjectName("bytes");
    const topic = uniqueTopic("bytes");
    await client.schema.registerSchema({ subject, schemaType: "json_schema", schema: orderSchema });
    const raw = await client.createProducer({
      topic,
      name: "raw",
      schema: { subject, serde: serdes.bytes() },
    });
    const consumer = await client.subscribe({
      topic,
      subscription: "s",
      consumerName: "c",
      serde: serdes.json<Order>(orderSchema),
    });
    await raw.send(new TextEncoder().encode("not json"));
    const [message] = await take(consumer, 1);
    assert.throws(() => message!.value, DanubeError);
  });
});

test("a restart keeps every schema, version, compatibility mode and topic config", async (t) => {
  const broker = await restartableBroker(t);
  let client = createClient({ serviceUrl: broker.url });
  const subject = subjectName("durable");
  const topic = uniqueTopic("durable");
  await client.schema.registerSchema({ subject, schemaType: "avro", schema: userV1, description: "v1" });
  await client.schema.registerSchema({ subject, schemaType: "avro", schema: userV2 });
  await client.schema.setCompatibilityMode(subject, "full");
  await client.createProducer({ topic, name: "p", schema: { subject, serde: serdes.avro(userV2) } });
  await client.schema.configureTopicSchema({
    topic,
    subject,
    validationPolicy: "enforce",
    enablePayloadValidation: true,
  });
  const before = await client.schema.listVersions(subject);
  const config = await client.schema.getTopicSchemaConfig(topic);
  await client.close();
  await broker.restart();
  client = createClient({ serviceUrl: broker.url });
  t.after(() => client.close());
  assert.deepEqual(await client.schema.listVersions(subject), before);
  const latest = await client.schema.getLatestSchema(subject);
  assert.equal(latest.version, 2);
  assert.equal(latest.compatibilityMode, "full");
  assert.deepEqual(await client.schema.getTopicSchemaConfig(topic), config);
  assert.equal(config.validationPolicy, "enforce");
  assert.equal(config.schemaId, latest.schemaId);
});

// Type-level checks (compiled by `tsc`, never run): a schema that may be undefined matches
// neither overload, so a producer's payload type can never silently fall back to raw bytes.
export function typeChecks(client: ReturnType<typeof createClient>): void {
  const maybe = Math.random() > 2 ? { subject: "s", serde: serdes.string() } : undefined;
  // @ts-expect-error branch on the optional schema instead
  void client.createProducer({ topic: "/default/t", name: "p", schema: maybe });
  const maybeSerde = Math.random() > 2 ? serdes.string() : undefined;
  // @ts-expect-error branch on the optional serde instead
  void client.subscribe({ topic: "/default/t", subscription: "s", consumerName: "c", serde: maybeSerde });
}
