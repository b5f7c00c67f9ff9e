import assert from "node:assert/strict";
import { test } from "node:test";
import { testBroker, uniqueTopic } from "./helpers.ts";

test("ListBrokerTopics, DescribeTopic and ListBrokers describe this broker's topics (danube-admin)", async (t) => {
  const env = await testBroker(t);
  const reliable = uniqueTopic("adm-r");
  const plain = uniqueTopic("adm-n");
  await env.admin.createTopic({ name: reliable, dispatchStrategy: "Reliable" });
  await env.client.createProducer({ topic: plain, name: "p" });
  await env.client.subscribe({ topic: reliable, subscription: "s1", consumerName: "c" });

  const brokers = await env.admin.listBrokers();
  assert.equal(brokers.length, 1);
  const id = brokers[0]!.brokerId;
  assert.equal(id, String(env.broker.brokerId));
  assert.equal(await env.admin.getLeaderBroker(), "not_found", "standalone: no leader election, as upstream");

  const listed = await env.admin.listBrokerTopics(id);
  const byName = new Map(listed.map((x) => [x.name, x]));
  assert.deepEqual(byName.get(reliable), { name: reliable, brokerId: id, dispatchStrategy: "Reliable" });
  assert.deepEqual(byName.get(plain), { name: plain, brokerId: id, dispatchStrategy: "NonReliable" });
  assert.deepEqual(await env.admin.listBrokerTopics("12345"), [], "another broker id hosts nothing here");

  const described = await env.admin.describeTopic(reliable);
  assert.equal(described.name, reliable);
  assert.equal(described.brokerId, id);
  assert.equal(described.dispatchStrategy, "Reliable");
  assert.deepEqual(described.subscriptions, ["s1"]);

  const inNamespace = await env.admin.listNamespaceTopics("default");
  assert.equal(inNamespace.find((x) => x.name === reliable)?.brokerId, id);

  await env.admin.deleteTopic(plain);
  assert.ok(!(await env.admin.listBrokerTopics(id)).some((x) => x.name === plain));
});
