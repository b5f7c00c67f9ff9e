import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@danube-ts/client";
import { tempBroker } from "../../broker/test/temp-broker.ts";
import { runMain, runMainJson } from "./run-main.ts";

test("admin commands: namespaces, topics, subscriptions, brokers, with --output json", async (t) => {
  // Closed consumers are forgotten quickly, so the subscription can be removed below.
  const housekeeping = { sweepIntervalMs: 100, consumerIdleMs: 100 };
  const broker = await tempBroker(t, { logLevel: "warn", housekeeping });
  const admin = ["--admin-url", broker.adminUrl];
  const ok = async (...args: string[]) => {
    const r = await runMain(...args, ...admin);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.err}`);
    return r.out;
  };
  const json = <T>(...args: string[]) => runMainJson<T>(...args, ...admin, "-o", "json");

  assert.equal(await ok("namespaces", "create", "sales"), "created namespace sales\n");
  const again = await runMain("namespaces", "create", "sales", ...admin);
  assert.equal(again.code, 12, "already exists, answered NOT_FOUND by the broker, exits as ALREADY_EXISTS");
  assert.match(again.err, /namespace "sales" already exists \(the broker reports this as NOT_FOUND/);
  assert.ok((await json<string[]>("namespaces", "list")).includes("sales"));
  const policies = await json<Record<string, number>>("namespaces", "policies", "sales");
  assert.equal(typeof policies.max_message_size, "number");

  await ok("topics", "create", "orders", "--namespace", "sales", "--dispatch-strategy", "reliable");
  const dup = await runMain("topics", "create", "sales/orders", ...admin);
  assert.equal(dup.code, 12, dup.err);
  assert.match(dup.err, /topic \/sales\/orders already exists/);
  assert.deepEqual(await json("topics", "list", "--namespace", "sales"), [
    { name: "/sales/orders", broker_id: String(broker.brokerId), delivery: "Reliable" },
  ]);
  assert.deepEqual(await json("topics", "list", "--broker", String(broker.brokerId)), [
    { name: "/sales/orders", broker_id: String(broker.brokerId), delivery: "Reliable" },
  ]);
  assert.deepEqual(await json<string[]>("namespaces", "topics", "sales"), ["/sales/orders"]);
  assert.deepEqual(
    await json("topics", "list", "--broker", "1"),
    [],
    "a standalone broker lists no broker topics",
  );
  const unload = await runMain("topics", "unload", "/sales/orders", ...admin);
  assert.equal(unload.code, 21, "unloading needs a cluster: UNIMPLEMENTED");

  // A subscription, made by a consumer.
  {
    await using client = createClient({ serviceUrl: broker.url });
    const consumer = await client.subscribe({
      topic: "/sales/orders",
      subscription: "billing",
      consumerName: "c1",
    });
    await consumer.close();
  }
  const described = await json<{
    topic: string;
    delivery: string;
    subscriptions: string[];
    schema_subject: null;
  }>("topics", "describe", "/sales/orders");
  assert.deepEqual(described.subscriptions, ["billing"]);
  assert.equal(described.delivery, "Reliable");
  assert.equal(described.schema_subject, null);
  assert.deepEqual(await json("subscriptions", "list", "/sales/orders"), ["billing"]);
  assert.deepEqual(await json("topics", "subscriptions", "/sales/orders"), ["billing"]);

  await ok(
    "subscriptions",
    "set-dispatch-config",
    "/sales/orders",
    "-s",
    "billing",
    "--max-unacked-messages",
    "50",
  );
  assert.deepEqual(await json("subscriptions", "get-dispatch-config", "/sales/orders", "-s", "billing"), {
    topic: "/sales/orders",
    subscription: "billing",
    max_unacked_messages: 50,
  });
  await ok(
    "topics",
    "set-failure-policy",
    "/sales/orders",
    "--subscription",
    "billing",
    "--max-redelivery-count",
    "3",
    "--ack-timeout-ms",
    "5000",
    "--base-redelivery-delay-ms",
    "100",
    "--max-redelivery-delay-ms",
    "1000",
    "--backoff-strategy",
    "exponential",
    "--poison-policy",
    "dead_letter",
    "--dead-letter-topic",
    "/sales/orders-dlq",
  );
  const subscription = await json<Record<string, unknown>>(
    "subscriptions",
    "describe",
    "/sales/orders",
    "-s",
    "billing",
  );
  assert.deepEqual(subscription, {
    topic: "/sales/orders",
    subscription: "billing",
    subscription_type: "Shared",
    max_redelivery_count: 3,
    ack_timeout_ms: "5000",
    base_redelivery_delay_ms: "100",
    max_redelivery_delay_ms: "1000",
    backoff_strategy: "exponential",
    dead_letter_topic: "/sales/orders-dlq",
    poison_policy: "dead_letter",
    max_unacked_messages: 50,
  });
  const missing = await runMain("subscriptions", "describe", "/sales/orders", "-s", "nope", ...admin);
  assert.equal(missing.code, 11, missing.err);

  const schemaConfig = await json<Record<string, unknown>>("topics", "get-schema-config", "/sales/orders");
  assert.deepEqual(Object.keys(schemaConfig).sort(), [
    "enable_payload_validation",
    "schema_id",
    "schema_subject",
    "topic",
    "validation_policy",
  ]);

  const brokers = await json<Array<{ broker_addr: string; admin_addr: string }>>("brokers", "list");
  assert.equal(brokers.length, 1);
  assert.equal(brokers[0]!.broker_addr, broker.url);
  const self = await json<{ leader: string; namespaces: string[] }>("brokers", "describe");
  assert.ok(self.namespaces.includes("sales"));
  assert.equal(typeof self.leader, "string");

  const notEmpty = await runMain("namespaces", "delete", "sales", ...admin);
  assert.equal(notEmpty.code, 15, notEmpty.err);
  assert.match(notEmpty.err, /still has topics/);
  // The broker forgets the closed consumer after consumerIdleMs; until then it refuses.
  for (let tries = 0; ; tries++) {
    const r = await runMain("topics", "unsubscribe", "/sales/orders", "-s", "billing", ...admin);
    if (r.code === 0) break;
    assert.equal(r.code, 15, r.err);
    assert.match(r.err, /still has consumers connected/);
    assert.ok(tries < 50, r.err);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(await json("subscriptions", "list", "/sales/orders"), []);
  await ok("topics", "delete", "/sales/orders");
  await ok("namespaces", "delete", "sales");
  assert.ok(!(await json<string[]>("namespaces", "list")).includes("sales"));

  // A table (the default) is plain text, one row per line.
  assert.match(await ok("brokers", "list"), new RegExp(`\\tactive\\t${broker.url}\\t`));
});

test("errors in plain words: unknown namespace (UNAVAILABLE, retried), rejected schema (INTERNAL)", async (t) => {
  const broker = await tempBroker(t, { logLevel: "silent" });
  const url = ["--service-url", broker.url];

  const started = performance.now();
  const noNamespace = await runMain("produce", "-t", "/nowhere/t", "-m", "x", ...url);
  assert.equal(noNamespace.code, 11, noNamespace.err);
  assert.match(noNamespace.err, /namespace "nowhere" does not exist .*danube namespaces create nowhere/);
  assert.ok(performance.now() - started >= 1000, "the client retried before giving up");

  const v1 = JSON.stringify({ type: "record", name: "Order", fields: [{ name: "id", type: "long" }] });
  const v2 = JSON.stringify({ type: "record", name: "Order", fields: [{ name: "id", type: "string" }] });
  const reg = (schema: string) =>
    runMain("schemas", "register", "orders-value", "--schema-type", "avro", "--schema", schema, ...url);
  assert.equal((await reg(v1)).code, 0);
  const incompatible = await reg(v2);
  assert.equal(incompatible.code, 15, incompatible.err);
  assert.match(
    incompatible.err,
    /not compatible with subject "orders-value" under mode Backward \(the broker reports this as INTERNAL\)/,
  );

  const unparseable = await reg('{"type":"nope"}');
  assert.equal(unparseable.code, 10, unparseable.err);
  assert.match(
    unparseable.err,
    /the schema registry refused the schema \(the broker reports this as INTERNAL\): .*nope/,
  );
  const noSubject = await runMain("schemas", "set-compatibility", "nobody", "--mode", "full", ...url);
  assert.equal(noSubject.code, 11, noSubject.err);
  assert.match(noSubject.err, /subject "nobody" does not exist \(the broker reports this as INTERNAL\)/);
});
