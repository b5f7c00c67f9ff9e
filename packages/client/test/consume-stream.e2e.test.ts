// The danube-ts consume stream against the real broker: which path a consumer takes (announcement,
// option), that acks travel on the stream, and that the stream keeps the consumer's memory
// bounded. Behaviour only a scripted broker shows is in consume-stream-fallback.test.ts.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { BrokerOptions, RunningBroker } from "@danube-ts/broker";
import { rpcCalls, scrape, sum } from "../../broker/test/prom-text.ts";
import { type ClientOptions, createClient, type DanubeClient, ErrorCode } from "../src/index.ts";
import { take, tempBroker, uniqueTopic } from "./helpers.ts";

/** A broker serving Prometheus metrics, closed after the test. */
const brokerWithMetrics = (t: TestContext, options: Partial<BrokerOptions> = {}) =>
  tempBroker(t, { prometheus: { port: 0 }, ...options });

function clientOf(t: TestContext, broker: RunningBroker, options: Partial<ClientOptions> = {}): DanubeClient {
  const client = createClient({ serviceUrl: broker.url, ...options });
  t.after(() => client.close());
  return client;
}

/** Sum of the samples of `name` the broker exports whose labels include `labels`. */
const counter = async (broker: RunningBroker, name: string, labels: Record<string, string>) =>
  sum(await scrape(broker.metricsUrl!), name, labels);

const rpcs = async (broker: RunningBroker) => rpcCalls(await scrape(broker.metricsUrl!));

/** Creates the reliable topic; the returned function publishes `m0`, `m1`, ... on it. */
async function reliableTopic(client: DanubeClient, topic: string): Promise<(count: number) => Promise<void>> {
  const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  return async (count) => {
    await Promise.all(Array.from({ length: count }, (_, i) => producer.send(`m${i}`)));
    await producer.close();
  };
}

for (const transport of ["auto", "unary"] as const) {
  test(`transport ${transport}: delivers and acks on ${transport === "auto" ? "the consume stream" : "upstream's RPCs"}`, async (t) => {
    const broker = await brokerWithMetrics(t);
    const client = clientOf(t, broker, { transport });
    const topic = uniqueTopic("path");
    const publish = await reliableTopic(client, topic);
    const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
    await publish(30);
    const got = await take(consumer, 30);
    assert.deepEqual(
      got.map((m) => m.text()),
      Array.from({ length: 30 }, (_, i) => `m${i}`),
    );
    await consumer.close();
    const used = await rpcs(broker);
    if (transport === "auto") {
      assert.ok(used.consume >= 1, "a Consume call was made");
      assert.equal(used.receive, 0, "no ReceiveMessages");
      assert.equal(used.ack, 0, "acks went on the stream, not as unary Ack RPCs");
    } else {
      assert.equal(used.consume, 0);
      assert.ok(used.receive >= 1);
      assert.equal(used.ack, 30);
    }
  });
}

test("a broker with extensions.consumeStream false: auto uses upstream's RPCs, stream is refused at subscribe", async (t) => {
  const broker = await brokerWithMetrics(t, { extensions: { consumeStream: false } });
  const topic = uniqueTopic("off");
  const publish = await reliableTopic(clientOf(t, broker), topic);
  const auto = await clientOf(t, broker).subscribe({ topic, subscription: "s", consumerName: "c" });
  await publish(5);
  assert.equal((await take(auto, 5)).length, 5);
  await auto.close();
  const used = await rpcs(broker);
  assert.equal(used.consume, 0);
  assert.equal(used.ack, 5);
  await assert.rejects(
    clientOf(t, broker, { transport: "stream" }).subscribe({ topic, subscription: "s2", consumerName: "c2" }),
    (error: unknown) => {
      assert.equal((error as { code?: unknown }).code, ErrorCode.UNIMPLEMENTED);
      assert.match(String((error as Error).message), /consume stream/);
      return true;
    },
  );
});

test("a broker with extensions.consumeStream false: the consumer refused with transport stream is ended on the broker", async (t) => {
  const broker = await brokerWithMetrics(t, { extensions: { consumeStream: false } });
  const topic = uniqueTopic("off-exclusive");
  await (await reliableTopic(clientOf(t, broker), topic))(0);
  const options = { topic, subscription: "s", subscriptionType: "Exclusive" } as const;
  await assert.rejects(
    clientOf(t, broker, { transport: "stream" }).subscribe({ ...options, consumerName: "a" }),
    (error: unknown) => (error as { code?: unknown }).code === ErrorCode.UNIMPLEMENTED,
  );
  // The broker registered "a" before the client refused it; held active (no delivery call), it
  // would refuse another consumer of the Exclusive subscription until its idle timeout (60 s).
  const other = await clientOf(t, broker, { transport: "unary" }).subscribe({
    ...options,
    consumerName: "b",
    timeoutMs: 5_000,
  });
  await other.close();
  const used = await rpcs(broker);
  assert.equal(used.consume, 0, "no Consume call: the broker does not serve it");
});

test("stream path: the consumer holds a bounded number of messages while nobody reads", async (t) => {
  const broker = await brokerWithMetrics(t, { maxUnackedMessages: 1000 });
  const client = clientOf(t, broker, { transport: "stream" });
  const topic = uniqueTopic("bounded");
  const publish = await reliableTopic(client, topic);
  const consumer = await client.subscribe({
    topic,
    subscription: "s",
    consumerName: "c",
    receiveQueueSize: 10,
  });
  await publish(300);
  const delivered = () => counter(broker, "danube_consumer_messages_out_total", { subscription: "s" });
  await new Promise((r) => setTimeout(r, 500));
  const out = await delivered();
  // The queue (10) plus the credit granted for it (10), plus the message waiting to be queued.
  assert.ok(out > 0 && out <= 21, `the broker sent ${out} messages to a consumer nobody reads`);
  const got = await take(consumer, 300);
  assert.equal(new Set(got.map((m) => m.text())).size, 300);
  await consumer.close();
});

test("stream path: with a byte credit, a consumer never holds more payload bytes than it granted (plus one message)", async (t) => {
  const broker = await brokerWithMetrics(t, { maxUnackedMessages: 1000 });
  const client = clientOf(t, broker, { transport: "stream" });
  const topic = uniqueTopic("bytes");
  const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const size = 300 * 1024;
  const granted = 1024 * 1024;
  const consumer = await client.subscribe({
    topic,
    subscription: "s",
    consumerName: "c",
    receiveQueueSize: 100, // the message credit does not limit here
    receiveQueueBytes: granted,
  });
  const total = 24;
  await Promise.all(
    Array.from({ length: total }, (_, i) => producer.send(new Uint8Array(size).fill(i % 256))),
  );
  await producer.close();
  const delivered = () => counter(broker, "danube_consumer_messages_out_total", { subscription: "s" });
  // Held = delivered by the broker and not yet taken by the application.
  const bound = granted + size;
  await new Promise((r) => setTimeout(r, 500));
  let out = await delivered();
  assert.ok(out > 0 && out * size <= bound, `nobody reads: the broker sent ${out} messages of ${size} bytes`);
  let taken = 0;
  let maxHeld = out * size;
  for await (const message of consumer) {
    taken++;
    assert.equal(message.payload.byteLength, size);
    await message.ack();
    await new Promise((r) => setTimeout(r, 40));
    out = await delivered();
    maxHeld = Math.max(maxHeld, (out - taken) * size);
    assert.ok((out - taken) * size <= bound, `held ${(out - taken) * size} bytes after taking ${taken}`);
    if (taken === total) break;
  }
  assert.equal(out, total, "everything was delivered once");
  assert.ok(maxHeld > granted / 2, `the credit was used (at most ${maxHeld} bytes held)`);
  await consumer.close();
});
