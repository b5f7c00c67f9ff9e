// The admin client against a real broker's admin listener.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type AdminClient, createAdminClient, DanubeError, ErrorCode } from "../src/index.ts";
import { testEnv, uniqueTopic, unlessUnimplemented } from "./helpers.ts";

async function adminEnv(t: import("node:test").TestContext) {
  const env = await testEnv(t);
  const admin: AdminClient = createAdminClient({ adminUrl: env.adminUrl, requestTimeoutMs: 5000 });
  t.after(() => admin.close());
  return { ...env, admin };
}

test("brokers and namespaces: list, create, delete", async (t) => {
  const { admin, url, adminUrl } = await adminEnv(t);
  const [broker, ...others] = await admin.listBrokers();
  assert.equal(others.length, 0);
  assert.equal(broker?.brokerUrl, url);
  assert.equal(broker?.adminUrl, adminUrl);
  assert.ok((await admin.listNamespaces()).includes("default"));
  await unlessUnimplemented(t, async () => {
    const ns = `ns${process.pid}x${Date.now()}`;
    await admin.createNamespace(ns);
    assert.ok((await admin.listNamespaces()).includes(ns));
    await assert.rejects(admin.createNamespace(ns), DanubeError);
    await admin.deleteNamespace(ns);
    assert.ok(!(await admin.listNamespaces()).includes(ns));
  });
});

test("topics: create, partitioned create, list, describe, delete", async (t) => {
  const { admin } = await adminEnv(t);
  const topic = uniqueTopic("admin");
  const parted = uniqueTopic("admin-parts");
  await admin.createTopic({ name: topic, dispatchStrategy: "Reliable" });
  await assert.rejects(admin.createTopic({ name: topic, dispatchStrategy: "Reliable" }), DanubeError);
  await admin.createPartitionedTopic({ name: parted, partitions: 2, dispatchStrategy: "NonReliable" });
  const listed = await admin.listNamespaceTopics("default");
  // The hosting broker's id, as upstream answers.
  const brokerId = (await admin.listBrokers())[0]!.brokerId;
  assert.deepEqual(
    listed
      .filter((i) => i.name === topic || i.name.startsWith(parted))
      .sort((a, b) => a.name.localeCompare(b.name)),
    [
      { name: topic, brokerId, dispatchStrategy: "Reliable" },
      { name: `${parted}-part-0`, brokerId, dispatchStrategy: "NonReliable" },
      { name: `${parted}-part-1`, brokerId, dispatchStrategy: "NonReliable" },
    ],
  );
  assert.ok((await admin.getNamespaceTopics("default")).includes(topic.slice(1)), "no leading slash");
  await assert.rejects(admin.createTopic({ name: "no-slash", dispatchStrategy: "Reliable" }), {
    code: ErrorCode.INVALID_ARGUMENT,
  });
  await unlessUnimplemented(t, async () => {
    const described = await admin.describeTopic(topic);
    assert.equal(described.name, topic);
    assert.equal(described.dispatchStrategy, "Reliable");
    assert.deepEqual(described.subscriptions, []);
    assert.equal(described.schemaSubject, undefined);
    await admin.deleteTopic(topic);
    assert.ok(!(await admin.listNamespaceTopics("default")).some((i) => i.name === topic));
  });
});

test("subscriptions: list, failure policy, dispatch config, unsubscribe", async (t) => {
  const { admin, client } = await adminEnv(t);
  const topic = uniqueTopic("admin-subs");
  await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const consumer = await client.subscribe({ topic, subscription: "s1", consumerName: "c" });
  assert.deepEqual(await admin.listSubscriptions(topic), ["s1"]);
  await unlessUnimplemented(t, async () => {
    const policy = {
      maxRedeliveryCount: 3,
      ackTimeoutMs: 15_000n,
      baseRedeliveryDelayMs: 100n,
      maxRedeliveryDelayMs: 2_000n,
      backoffStrategy: "Fixed",
      deadLetterTopic: `${topic}-dlq`,
      poisonPolicy: "DeadLetter",
    } as const;
    await admin.setSubscriptionFailurePolicy({ topic, subscription: "s2", policy });
    const stored = await admin.getSubscriptionFailurePolicy({ topic, subscription: "s2" });
    assert.deepEqual(stored.policy, policy);
    const existing = await admin.getSubscriptionFailurePolicy({ topic, subscription: "s1" });
    assert.equal(existing.subscriptionType, "Shared");
    await assert.rejects(
      admin.setSubscriptionFailurePolicy({
        topic,
        subscription: "s2",
        policy: { ...policy, deadLetterTopic: undefined },
      }),
      { code: ErrorCode.INVALID_ARGUMENT },
    );

    assert.equal(await admin.getSubscriptionDispatchConfig({ topic, subscription: "s1" }), undefined);
    await admin.setSubscriptionDispatchConfig({ topic, subscription: "s1", maxUnackedMessages: 50 });
    assert.deepEqual(await admin.getSubscriptionDispatchConfig({ topic, subscription: "s1" }), {
      maxUnackedMessages: 50,
    });

    await consumer.close();
    await admin.unsubscribe({ topic, subscription: "s1" }).catch(async (error: unknown) => {
      // The closed stream may not have reached the broker yet: one retry after a moment.
      if (!(error instanceof DanubeError) || !/active/i.test(error.message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
      await admin.unsubscribe({ topic, subscription: "s1" });
    });
    assert.deepEqual(await admin.listSubscriptions(topic), []);
  });
});

test("admin errors: closed client, per-call timeout and signal, invalid options", async (t) => {
  const { admin } = await adminEnv(t);
  await assert.rejects(admin.listBrokers({ signal: AbortSignal.abort() }), { code: ErrorCode.CANCELLED });
  assert.throws(() => createAdminClient({ adminUrl: "ftp://x:1" }), { code: ErrorCode.INVALID_ARGUMENT });
  assert.throws(() => createAdminClient({ adminUrl: "x:1", requestTimeoutMs: 0 }), {
    code: ErrorCode.INVALID_ARGUMENT,
  });
  await assert.rejects(
    admin.createPartitionedTopic({ name: "/default/x", partitions: 0, dispatchStrategy: "Reliable" }),
    {
      code: ErrorCode.INVALID_ARGUMENT,
    },
  );
  const offline = createAdminClient({ adminUrl: "127.0.0.1:1", requestTimeoutMs: 2000 });
  await assert.rejects(offline.listNamespaces(), { code: ErrorCode.UNAVAILABLE });
  await offline.close();
  await assert.rejects(offline.listNamespaces(), { code: ErrorCode.CLOSED });
});
