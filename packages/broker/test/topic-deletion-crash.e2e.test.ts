// Crash-safe topic deletion: the states a crash can leave (a tombstoned record with or without
// its folder, a folder without a record) never bring old data back under a re-created name.
import assert from "node:assert/strict";
import { access, readdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { MetadataStore } from "../src/storage/index.ts";
import { collect, type TestBroker, testBroker, uniqueTopic } from "./helpers.ts";
import { topicDir } from "./segment-files.ts";

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function topicWithData(env: TestBroker, prefix: string): Promise<string> {
  const topic = uniqueTopic(prefix);
  const producer = await env.client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  for (let i = 0; i < 5; i++) await producer.send(`old-${i}`);
  return topic;
}

/** Stops the broker, edits its metadata directly (as a crash half-way would leave it), starts it again. */
async function crashState(env: TestBroker, edit: (store: MetadataStore) => Promise<void>): Promise<void> {
  await env.client.close();
  await env.admin.close();
  await env.broker.close();
  const store = await MetadataStore.open(join(env.dataDir, "metadata"));
  await edit(store);
  await store.close();
  await env.restart();
}

/** A re-created topic of that name starts empty at offset 0. */
async function assertStartsEmpty(env: TestBroker, topic: string): Promise<void> {
  const producer = await env.client.createProducer({ topic, name: "p2", dispatchStrategy: "Reliable" });
  const consumer = await env.client.subscribe({
    topic,
    subscription: "fresh",
    consumerName: "c",
    subscriptionType: "Exclusive",
  });
  const seen = collect(consumer, (m) => m.ack());
  await producer.send("new-0");
  const [first] = await seen.waitFor(1);
  assert.equal(first!.text(), "new-0");
  assert.equal(first!.id.topicOffset, 0n, "the re-created topic starts at offset 0");
  await seen.quietFor(200);
  assert.deepEqual(
    seen.messages.map((m) => m.text()),
    ["new-0"],
  );
}

test("a crash after the tombstone: the deletion is finished at start", async (t) => {
  const env = await testBroker(t);
  const topic = await topicWithData(env, "tomb");
  await crashState(env, async (store) => {
    const record = store.get<Record<string, unknown>>(`topics/${topic}`)!;
    await store.put(`topics/${topic}`, { ...record, deleting: true });
  });
  assert.equal(await exists(topicDir(env.dataDir, topic)), false, "the folder was removed at start");
  assert.deepEqual(
    (await env.admin.listNamespaceTopics("default")).filter((info) => info.name === topic),
    [],
  );
  await assertStartsEmpty(env, topic);
});

test("a folder without a topic record (an older broker's interrupted deletion) is moved away and reported", async (t) => {
  const env = await testBroker(t);
  const topic = await topicWithData(env, "orphan");
  await crashState(env, (store) => store.delete(`topics/${topic}`));
  assert.equal(await exists(topicDir(env.dataDir, topic)), false);
  assert.equal(env.broker.recovery.orphans.length, 1, "the orphan is reported");
  assert.ok(
    await exists(join(env.dataDir, env.broker.recovery.orphans[0]!)),
    "its data is kept in quarantine",
  );
  await assertStartsEmpty(env, topic);
});

test("deleting a topic leaves no record, no folder and no tombstone", async (t) => {
  const env = await testBroker(t);
  const topic = await topicWithData(env, "deleted");
  await env.admin.deleteTopic(topic);
  assert.equal(await exists(topicDir(env.dataDir, topic)), false);
  await crashState(env, async (store) => {
    assert.equal(store.get(`topics/${topic}`), undefined);
  });
  assert.deepEqual(await readdir(join(env.dataDir, "topics", "default")), []);
  await assertStartsEmpty(env, topic);
});
