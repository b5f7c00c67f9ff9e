// Hardening: producers, consumers and subscriptions belong to the principal that created them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { admin } from "@danube-ts/protocol";
import { status } from "@grpc/grpc-js";
import { caller, codeOf, secureBroker } from "../fixtures/secure-broker.ts";
import {
  ack,
  createBinding,
  createProducer,
  createRole,
  nack,
  receiveOne,
  send,
  subscribe,
} from "./requests.ts";

const denied = async (promise: Promise<unknown>, pattern: RegExp) => {
  const r = await codeOf(promise);
  assert.equal(r.code, status.PERMISSION_DENIED, r.details);
  assert.match(r.details, pattern);
};

test("another principal with the same rights cannot take over, read or ack someone's subscription", async (t) => {
  const sb = await secureBroker(t);
  const root = caller(sb, sb.token("admin"));
  await createRole(root, "client", ["Produce", "Consume", "Lookup"]);
  await createBinding(root, "alice", "alice", ["client"], "namespace", "default");
  await createBinding(root, "bob", "bob", ["client"], "namespace", "default");
  let alice = caller(sb, sb.token("alice"));
  let bob = caller(sb, sb.token("bob"));
  const topic = "/default/owned";

  const producer = await createProducer(alice, topic);
  const consumer = await subscribe(alice, topic, "s1", "c1");
  await send(alice, topic, producer, "m1");
  const message = await receiveOne(alice, consumer);

  await denied(
    subscribe(bob, topic, "s1", "c1"),
    /subscription s1 on \/default\/owned belongs to another principal/,
  );
  await denied(subscribe(bob, topic, "s1", "c2"), /belongs to another principal/);
  await denied(receiveOne(bob, consumer), /consumer \d+ belongs to another principal/);
  await denied(ack(bob, message, "s1"), /subscription s1 .* belongs to another principal/);
  await denied(nack(bob, message, "s1"), /belongs to another principal/);
  await denied(send(bob, topic, producer, "spoof"), /producer \d+ belongs to another principal/);
  // Asking for a producer of the same name would hand Bob Alice's producer id: refused.
  await denied(createProducer(bob, topic), /producer p on \/default\/owned belongs to another principal/);

  // Bob has his own subscription and producer on the same topic.
  await subscribe(bob, topic, "s-bob", "c1");
  const bobProducer = await createProducer(bob, topic, "bp");
  await send(bob, topic, bobProducer, "b1");
  await ack(alice, message, "s1");

  // Ownership of the durable subscription survives a restart.
  await sb.restart();
  alice = caller(sb, sb.token("alice"));
  bob = caller(sb, sb.token("bob"));
  await denied(subscribe(bob, topic, "s1", "c1"), /belongs to another principal/);
  await subscribe(alice, topic, "s1", "c1");

  // A super admin may act on it; once the subscription is gone (topic deleted
  // and created again), its name is free again.
  await subscribe(root, topic, "s1", "admin-consumer");
  await root.admin(admin.TopicAdminService.deleteTopic, admin.TopicRequest.fromPartial({ name: topic }));
  await root.admin(
    admin.TopicAdminService.createTopic,
    admin.NewTopicRequest.fromPartial({ name: topic, dispatchStrategy: admin.DispatchStrategy.Reliable }),
  );
  await subscribe(bob, topic, "s1", "c1");
  await denied(subscribe(alice, topic, "s1", "c1"), /belongs to another principal/);
});

test("two principals racing for a new subscription: exactly one gets it; unknown consumer ids are NOT_FOUND", async (t) => {
  const sb = await secureBroker(t);
  const root = caller(sb, sb.token("admin"));
  await createRole(root, "client", ["Produce", "Consume"]);
  // Topic scope only: enough for Subscribe, ReceiveMessages and Ack here (not upstream).
  await createBinding(root, "alice", "alice", ["client"], "topic", "/default/race");
  await createBinding(root, "bob", "bob", ["client"], "topic", "/default/race");
  const alice = caller(sb, sb.token("alice"));
  const bob = caller(sb, sb.token("bob"));
  await createProducer(alice, "/default/race");
  for (let round = 0; round < 5; round++) {
    const sub = `s${round}`;
    const results = await Promise.allSettled([
      subscribe(alice, "/default/race", sub, "c"),
      subscribe(bob, "/default/race", sub, "c"),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    assert.equal(won.length, 1, `round ${round}: ${JSON.stringify(results.map((r) => r.status))}`);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    assert.equal(lost.reason.code, status.PERMISSION_DENIED);
  }
  // A consumer id the broker never handed out: NOT_FOUND (clients then subscribe again), not a denial.
  const r = await codeOf(receiveOne(alice, 12345n));
  assert.equal(r.code, status.NOT_FOUND, r.details);
});
