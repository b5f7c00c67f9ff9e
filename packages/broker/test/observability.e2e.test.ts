import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createClient } from "@danube-ts/client";
import { status } from "@grpc/grpc-js";
import { UPSTREAM_METRICS } from "../src/metrics/upstream-names.ts";
import { caller, codeOf, secureBroker } from "./fixtures/secure-broker.ts";
import { collect, testBroker, uniqueTopic } from "./helpers.ts";
import { scrape, sum } from "./prom-text.ts";
import { createBinding, createProducer, createRole } from "./security/requests.ts";

const policy = {
  maxRedeliveryCount: 1,
  ackTimeoutMs: 30_000,
  baseRedeliveryDelayMs: 20,
  maxRedeliveryDelayMs: 1_000,
  backoffStrategy: "Fixed",
  poisonPolicy: "DeadLetter",
} as const;

describe("Prometheus endpoint", () => {
  test("exports upstream's series with their types, and this broker's, from real traffic", async (t) => {
    // Upstream's RPC series need upstream's RPCs: without the consume stream the client acks
    // with unary Ack/Nack calls (the stream's own counter is checked in consume-stream tests).
    const env = await testBroker(t, { prometheus: { port: 0 }, extensions: { consumeStream: false } });
    const url = env.broker.metricsUrl;
    assert.ok(url, "metricsUrl is set when the endpoint is on");
    const topic = uniqueTopic("obs");
    const dlq = uniqueTopic("obs-dlq");
    // Upstream's unary SendMessage, whose RPC series are checked below (the publish stream counts
    // its messages in the send series only, docs/streaming.md).
    const unary = createClient({ serviceUrl: env.broker.url, transport: "unary" });
    t.after(() => unary.close());
    const producer = await unary.createProducer({ topic, name: "p1", dispatchStrategy: "Reliable" });
    await env.admin.setSubscriptionFailurePolicy({
      topic,
      subscription: "s1",
      policy: { ...policy, deadLetterTopic: dlq },
    });
    const consumer = await env.client.subscribe({
      topic,
      subscription: "s1",
      consumerName: "c1",
      subscriptionType: "Exclusive",
    });
    const seen = collect(consumer, async (m) => {
      if (m.text() === "poison") await m.nack({ reason: "cannot parse" });
      else await m.ack();
    });
    await producer.send("one");
    await producer.send("poison");
    await producer.send("three");
    // one, poison (nacked), poison again (nacked: exhausted, dead-lettered), three.
    await seen.waitFor(4, 10_000);
    let e = await scrape(url);
    for (let i = 0; i < 50 && sum(e, "danube_subscription_dlq_total", { topic }) < 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
      e = await scrape(url);
    }

    const expectedType = { counters: "counter", gauges: "gauge", histograms: "summary" } as const;
    for (const [kind, group] of Object.entries(UPSTREAM_METRICS)) {
      for (const metric of Object.values(group)) {
        assert.equal(
          e.types.get(metric.name),
          expectedType[kind as keyof typeof expectedType],
          `${metric.name} is exported as upstream's type`,
        );
      }
    }
    assert.equal(Object.values(UPSTREAM_METRICS).flatMap((g) => Object.values(g)).length, 34);
    const broker = String(env.broker.brokerId);
    assert.ok(
      e.samples.every((s) => s.labels.broker === broker),
      "every series has the broker label",
    );

    assert.equal(sum(e, "danube_topic_messages_in_total", { topic }), 3);
    assert.equal(sum(e, "danube_topic_bytes_in_total", { topic }), 3 + 6 + 5);
    assert.equal(sum(e, "danube_producer_send_total", { topic, result: "ok", error_code: "OK" }), 3);
    assert.equal(sum(e, "danube_producer_send_latency_ms_count", { topic }), 3);
    assert.equal(sum(e, "danube_topic_message_size_bytes_sum", { topic }), 14);
    // Every accepted send is in the quantiles too (sizes 3, 6 and 5 bytes).
    assert.equal(sum(e, "danube_topic_message_size_bytes", { topic, quantile: "0" }), 3);
    assert.equal(sum(e, "danube_topic_message_size_bytes", { topic, quantile: "1" }), 6);
    assert.ok(sum(e, "danube_producer_send_latency_ms", { topic, quantile: "1" }) > 0);
    const sub = { topic, subscription: "s1" };
    assert.equal(sum(e, "danube_consumer_messages_out_total", sub), 4);
    assert.equal(sum(e, "danube_subscription_nack_total", sub), 2);
    assert.equal(sum(e, "danube_subscription_redelivery_total", sub), 1);
    assert.equal(
      sum(e, "danube_subscription_retry_exhausted_total", { ...sub, poison_policy: "dead_letter" }),
      1,
    );
    assert.equal(sum(e, "danube_subscription_dlq_total", { ...sub, poison_policy: "dead_letter" }), 1);
    assert.equal(sum(e, "danube_subscription_lag_messages", sub), 0);
    assert.equal(sum(e, "danube_subscription_active_consumers", sub), 1);
    assert.equal(sum(e, "danube_topic_active_producers", { topic }), 1);
    assert.equal(sum(e, "danube_topic_active_consumers", { topic }), 1);
    assert.equal(sum(e, "danube_topic_active_subscriptions", { topic }), 1);
    assert.equal(sum(e, "danube_topic_messages_in_total", { topic: dlq }), 1, "the dead letter arrived");
    assert.ok(sum(e, "danube_broker_topics_owned") >= 2);
    assert.ok(sum(e, "danube_dispatcher_notifier_polls_total") > 0);
    for (const method of [
      "create_producer",
      "send_message",
      "subscribe",
      "ack",
      "nack",
      "receive_messages",
    ]) {
      assert.ok(sum(e, "danube_broker_rpc_total", { method, result: "ok" }) > 0, `rpc_total for ${method}`);
    }

    // This broker's series (docs/observability.md).
    assert.equal(e.types.get("danube_ts_log_commit_seconds"), "histogram");
    assert.ok(sum(e, "danube_ts_log_commit_seconds_count") >= 1, "group commits were timed");
    assert.ok(sum(e, "danube_ts_log_committed_records_total") >= 4);
    assert.ok(
      sum(e, "danube_ts_rpc_duration_seconds_count", { service: "producer", method: "send_message" }) >= 3,
    );
    assert.equal(sum(e, "danube_ts_subscription_unacked_messages", sub), 0);
    assert.equal(sum(e, "danube_ts_subscription_pending_redelivery_messages", sub), 0);
    assert.ok(e.types.has("danube_ts_subscription_dropped_total"));
    assert.ok(sum(e, "danube_ts_memory_limit_bytes") > 0);
    assert.ok(e.types.has("danube_ts_nonreliable_dropped_messages_total"));
    assert.ok(sum(e, "danube_ts_segment_files_open") >= 1);
    assert.equal(sum(e, "danube_ts_recovery_lost_offsets"), 0);
    assert.ok(sum(e, "process_open_fds") > 0, "open file handles");

    // Unacked and pending redelivery show up while a message waits.
    const hold = uniqueTopic("obs-hold");
    const p2 = await env.client.createProducer({ topic: hold, name: "p2", dispatchStrategy: "Reliable" });
    const c2 = await env.client.subscribe({ topic: hold, subscription: "s2", consumerName: "c2" });
    const held = collect(c2);
    await p2.send("unacked");
    await held.waitFor(1, 5_000);
    e = await scrape(url);
    assert.equal(sum(e, "danube_ts_subscription_unacked_messages", { topic: hold, subscription: "s2" }), 1);
    assert.equal(sum(e, "danube_subscription_lag_messages", { topic: hold, subscription: "s2" }), 1);

    // admin: ListBrokers carries the metrics address.
    const [info] = await env.admin.listBrokers();
    assert.equal(`http://${info!.metricsUrl}/metrics`, url);
  });

  test("non-reliable drops are counted per subscription", async (t) => {
    const env = await testBroker(t, { prometheus: { port: 0 }, nonReliableBufferSize: 1 });
    const topic = uniqueTopic("obs-nr");
    const producer = await env.client.createProducer({ topic, name: "p" });
    const consumer = await env.client.subscribe({ topic, subscription: "nr", consumerName: "c" });
    await consumer.close(); // the subscription stays, without an active consumer: sends are dropped
    const sub = { topic, subscription: "nr" };
    for (let i = 0; i < 100; i++) {
      const e = await scrape(env.broker.metricsUrl!);
      if (
        e.types.has("danube_subscription_active_consumers") &&
        sum(e, "danube_subscription_active_consumers", sub) === 0
      )
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    for (let i = 0; i < 5; i++) await producer.send(`m${i}`);
    const e = await scrape(env.broker.metricsUrl!);
    assert.equal(sum(e, "danube_topic_messages_in_total", { topic }), 5);
    assert.equal(sum(e, "danube_ts_subscription_dropped_total", { topic, subscription: "nr" }), 5);
    assert.equal(sum(e, "danube_ts_nonreliable_dropped_messages_total"), 5);
    assert.ok(sum(e, "danube_ts_nonreliable_dropped_bytes_total") > 0);
  });

  test("cardinality stays bounded with many topics", async (t) => {
    const env = await testBroker(t, {
      prometheus: { port: 0, maxTopicSeries: 20, maxSubscriptionSeries: 20 },
    });
    const names: string[] = [];
    for (let i = 0; i < 300; i++) {
      const name = uniqueTopic(`many${i}`);
      names.push(name);
      await env.admin.createTopic({ name, dispatchStrategy: "NonReliable" });
    }
    const started = performance.now();
    const e = await scrape(env.broker.metricsUrl!);
    const ms = performance.now() - started;
    const topicLabels = new Set(
      e.samples.filter((s) => s.name === "danube_topic_active_producers").map((s) => s.labels.topic),
    );
    assert.equal(topicLabels.size, 21, "20 topics of their own plus __overflow__");
    assert.ok(topicLabels.has("__overflow__"));
    assert.equal(sum(e, "danube_topic_active_subscriptions"), 0);
    assert.equal(sum(e, "danube_broker_topics_owned"), 300);
    assert.equal(sum(e, "danube_ts_metrics_topics_with_series"), 20);
    assert.ok(e.samples.length < 2_000, `${e.samples.length} samples`);
    assert.ok(ms < 2_000, `scrape took ${ms} ms`);
    // Deleting topics frees their slots; their series go away.
    const first = names[0]!;
    assert.ok(topicLabels.has(first));
    await env.admin.deleteTopic(first);
    const after = await scrape(env.broker.metricsUrl!);
    assert.ok(!after.samples.some((s) => s.labels.topic === first));
  });

  test("off by default", async (t) => {
    const env = await testBroker(t);
    assert.equal(env.broker.metricsUrl, undefined);
    const [info] = await env.admin.listBrokers();
    assert.equal(info!.metricsUrl, "");
  });
});

test("authorization decisions are counted with upstream's labels (auth mode tls)", async (t) => {
  const sb = await secureBroker(t, { broker: { prometheus: { port: 0 } } });
  const root = caller(sb, sb.token("admin"));
  const app = caller(sb, sb.token("app"));
  await createRole(root, "producer", ["Produce", "Lookup"]);
  await createBinding(root, "b1", "app", ["producer"], "namespace", "default");
  await createProducer(app, "/default/authz");
  const refused = await codeOf(createProducer(app, "/system/authz"));
  assert.equal(refused.code, status.PERMISSION_DENIED);
  const e = await scrape(sb.broker.metricsUrl!);
  assert.equal(e.types.get("danube_authz_allow_total"), "counter");
  assert.ok(sum(e, "danube_authz_allow_total", { resource: "topic", permission: "Produce" }) >= 1);
  assert.equal(sum(e, "danube_authz_deny_total", { resource: "topic", permission: "Produce" }), 1);
});
