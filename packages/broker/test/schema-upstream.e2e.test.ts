// Upstream Danube v0.15.1's compatibility verdicts (the default rule set), the strict rule set on
// request, upstream's evolution flow with the client, and the warn validation policy, all end to
// end against a real broker over gRPC.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Message, serdes } from "@danube-ts/client";
import { schema } from "@danube-ts/protocol";
import { status } from "@grpc/grpc-js";
import type { Logger } from "../src/logger.ts";
import { debugName } from "../src/registry/records.ts";
import { clients, createProducer, grpcError, register, rpc, send } from "./fixtures/schema-rpc.ts";
import { type UpstreamCase, upstreamAvroCases, upstreamJsonCases } from "./fixtures/upstream-cases.ts";
import { type TestBroker, testBroker, uniqueTopic } from "./helpers.ts";

function setMode(c: schema.SchemaRegistryClient, subject: string, mode: string) {
  return rpc<schema.SetCompatibilityModeResponse>((cb) =>
    c.setCompatibilityMode({ subject, compatibilityMode: mode.toUpperCase() }, cb),
  );
}

function check(
  c: schema.SchemaRegistryClient,
  subject: string,
  type: string,
  definition: string,
  mode?: string,
) {
  const request = schema.CheckCompatibilityRequest.fromPartial({
    subject,
    schemaType: type,
    newSchemaDefinition: new TextEncoder().encode(definition),
    ...(mode !== undefined && { compatibilityMode: mode }),
  });
  return rpc<schema.CheckCompatibilityResponse>((cb) => c.checkCompatibility(request, cb));
}

/**
 * Registers the case's previous version, sets its mode, then asks CheckCompatibility (with the
 * subject's mode and with the mode as an override) and RegisterSchema for the candidate. Returns
 * the verdict each gave, after checking that all three agree and that a refusal says why.
 */
async function runCase(
  broker: TestBroker,
  t: { after(fn: () => void): void },
  c: UpstreamCase,
  subject: string,
) {
  const { registry } = clients(t, broker);
  const previous = JSON.stringify(c.previous);
  const candidate = JSON.stringify(c.candidate);
  await register(registry, subject, c.schemaType, previous);
  await setMode(registry, subject, c.mode);
  const bySubjectMode = await check(registry, subject, c.schemaType, candidate);
  const byOverride = await check(registry, subject, c.schemaType, candidate, c.mode);
  assert.deepEqual(byOverride, bySubjectMode, `${c.name}: the override gives the same answer`);
  let registered: boolean;
  try {
    const r = await register(registry, subject, c.schemaType, candidate);
    assert.deepEqual([r.version, r.isNewVersion], [2, true], `${c.name}: a new version`);
    registered = true;
  } catch (err) {
    grpcError(
      status.INTERNAL,
      new RegExp(
        `^Failed to register schema: Schema is not compatible with subject '${subject}' \\(mode: ${debugName(c.mode)}\\): `,
      ),
    )(err);
    if (c.error) assert.match((err as { details: string }).details, new RegExp(c.error));
    registered = false;
  }
  assert.equal(
    registered,
    bySubjectMode.isCompatible,
    `${c.name}: RegisterSchema agrees with CheckCompatibility`,
  );
  if (!bySubjectMode.isCompatible) {
    assert.ok(bySubjectMode.errors.length > 0, `${c.name}: a refusal names its reason`);
    if (c.error)
      assert.ok(
        bySubjectMode.errors.some((e) => e.includes(c.error!)),
        bySubjectMode.errors.join("; "),
      );
  }
  return bySubjectMode.isCompatible;
}

describe("upstream's compatibility unit cases over gRPC (default rules)", () => {
  for (const [label, cases] of [
    ["JSON Schema", upstreamJsonCases],
    ["Avro", upstreamAvroCases],
  ] as const) {
    test(`${label}: CheckCompatibility and RegisterSchema give upstream's verdict`, async (t) => {
      const broker = await testBroker(t);
      for (const [i, c] of cases.entries()) {
        const verdict = await runCase(broker, t, c, `upstream-${label}-${i}`);
        assert.equal(verdict, c.compatible, `${c.name}: upstream says ${c.compatible}`);
      }
    });
  }
});

describe("the strict rule set (schemaCompatibilityRules: strict)", () => {
  test("judges JSON Schema by Confluent's rules; the five verdicts where upstream differs flip", async (t) => {
    const broker = await testBroker(t, { schemaCompatibilityRules: "strict" });
    // Confluent's verdicts on upstream's JSON cases: adding an optional property to an open content
    // model (backward, full) and removing one (forward) are refused; removing a required property
    // (backward) and adding a required one (forward) are accepted.
    const strictVerdicts = [true, false, true, false, false, false, true, false, false];
    const flipped: string[] = [];
    for (const [i, c] of upstreamJsonCases.entries()) {
      const verdict = await runCase(broker, t, { ...c, error: undefined }, `strict-${i}`);
      assert.equal(verdict, strictVerdicts[i], `${c.name}: strict says ${strictVerdicts[i]}`);
      if (verdict !== c.compatible) flipped.push(c.name);
    }
    assert.equal(flipped.length, 5, flipped.join("; "));
    // Avro is judged the same under both rule sets.
    for (const [i, c] of upstreamAvroCases.entries()) {
      assert.equal(await runCase(broker, t, c, `strict-avro-${i}`), c.compatible, c.name);
    }
  });

  test("the option is validated", async (t) => {
    await assert.rejects(
      testBroker(t, { schemaCompatibilityRules: "lenient" as "strict" }),
      /schemaCompatibilityRules must be "upstream" or "strict"/,
    );
  });
});

interface Order {
  id: number;
  item: string;
  note?: string;
}
const orderV1 = {
  type: "object",
  properties: { id: { type: "integer" }, item: { type: "string" } },
  required: ["id", "item"],
};
const orderV2 = { ...orderV1, properties: { ...orderV1.properties, note: { type: "string" } } };

/** Reads `count` messages (acking each) or fails after `timeoutMs`. */
async function read<T>(
  consumer: AsyncIterable<Message<T>>,
  count: number,
  timeoutMs = 10_000,
): Promise<Message<T>[]> {
  const got: Message<T>[] = [];
  const it = consumer[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out with ${got.length}/${count} messages`)), timeoutMs);
  });
  try {
    while (got.length < count) {
      const next = await Promise.race([it.next(), timeout]);
      if (next.done) break;
      await next.value.ack();
      got.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return got;
}

test("upstream's evolution flow: v1, an optional field added, a producer pinned to v1, a consumer on the latest", async (t) => {
  const { client } = await testBroker(t);
  const subject = "orders-evolution";
  const topic = uniqueTopic("evolution");
  const v1 = await client.schema.registerSchema({ subject, schemaType: "json_schema", schema: orderV1 });
  // The default mode (backward) accepts the new optional property, as upstream does.
  const check = await client.schema.checkCompatibility({
    subject,
    schemaType: "json_schema",
    schema: orderV2,
  });
  assert.deepEqual(check, { compatible: true, errors: [] });
  const v2 = await client.schema.registerSchema({ subject, schemaType: "json_schema", schema: orderV2 });
  assert.deepEqual([v1.version, v2.version, v2.schemaId], [1, 2, v1.schemaId]);

  const pinned = await client.createProducer({
    topic,
    name: "pinned-v1",
    dispatchStrategy: "Reliable",
    schema: { subject, serde: serdes.json<Order>(orderV1), version: { pinned: 1 } },
  });
  const latest = await client.createProducer({
    topic,
    name: "latest",
    dispatchStrategy: "Reliable",
    schema: { subject, serde: serdes.json<Order>(orderV2) },
  });
  const consumer = await client.subscribe({
    topic,
    subscription: "s",
    consumerName: "c",
    serde: serdes.json<Order>(orderV2),
  });
  await pinned.send({ id: 1, item: "book" });
  await latest.send({ id: 2, item: "pen", note: "blue" });
  const messages = await read(consumer, 2);
  assert.deepEqual(
    messages.map((m) => [m.schemaVersion, m.value]),
    [
      [1, { id: 1, item: "book" }],
      [2, { id: 2, item: "pen", note: "blue" }],
    ],
  );
});

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = () => {};
  return { warnings, debug: ignore, info: ignore, warn: (m: string) => warnings.push(m), error: ignore };
}

describe("the warn validation policy, as upstream", () => {
  test("refuses an unknown schema id and, with payload validation on, an invalid payload; logs and accepts the rest", async (t) => {
    const logger = recordingLogger();
    const broker = await testBroker(t, { logger });
    const c = clients(t, broker);
    const topic = uniqueTopic("warn");
    const { schemaId } = await register(c.registry, "orders", "json_schema", JSON.stringify(orderV1));
    const other = await register(c.registry, "other", "string", "");
    const { producerId } = await createProducer(c.producers, topic, "p", "orders");
    const configure = (enablePayloadValidation: boolean) =>
      rpc<schema.ConfigureTopicSchemaResponse>((cb) =>
        c.registry.configureTopicSchema(
          { topicName: topic, schemaSubject: "orders", validationPolicy: "warn", enablePayloadValidation },
          cb,
        ),
      );
    const invalid = '{"id":"one","item":"x"}';
    const valid = '{"id":1,"item":"x"}';

    await configure(false);
    await assert.rejects(
      send(c.producers, producerId, topic, valid, 999n, 1),
      grpcError(
        status.PERMISSION_DENIED,
        /^Unable to publish the message: Schema ID 999 not found in registry$/,
      ),
    );
    await send(c.producers, producerId, topic, valid); // no schema id: logged, accepted
    await send(c.producers, producerId, topic, valid, other.schemaId, 1); // another subject's id: logged, accepted
    await send(c.producers, producerId, topic, invalid, schemaId, 1); // payload validation off: not looked at
    assert.ok(
      logger.warnings.some((w) => w.includes("Message missing schema_id")),
      logger.warnings.join("\n"),
    );

    await configure(true);
    await assert.rejects(
      send(c.producers, producerId, topic, invalid, schemaId, 1),
      grpcError(
        status.PERMISSION_DENIED,
        /^Unable to publish the message: Payload validation failed: \/id: /,
      ),
    );
    await assert.rejects(
      send(c.producers, producerId, topic, valid, schemaId, 7),
      grpcError(
        status.PERMISSION_DENIED,
        /^Unable to publish the message: Schema version not found: orders\/7$/,
      ),
    );
    await send(c.producers, producerId, topic, valid, schemaId, 1);
    await send(c.producers, producerId, topic, invalid); // no schema id: logged and accepted, as upstream
  });
});
