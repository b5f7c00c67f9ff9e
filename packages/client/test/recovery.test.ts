// Client-internal recovery behaviour against the scripted server: send order across retries and
// re-creation, health check CLOSE, proxy header, lookup results, flush.
import assert from "node:assert/strict";
import { test } from "node:test";
import { danube } from "@danube-ts/protocol";
import { status } from "@grpc/grpc-js";
import { createCallContext } from "../src/call-context.ts";
import { ClientObserver } from "../src/diagnostics/observer.ts";
import { type ClientOptions, type ClientStatus, createClient, DanubeError, ErrorCode } from "../src/index.ts";
import { lookupTopic } from "../src/lookup.ts";
import { resolveClientOptions } from "../src/options.ts";
import { StatusHub } from "../src/status.ts";
import { ConnectionPool } from "../src/transport/connection-pool.ts";
import { type FakeBroker, grpcError, startFakeBroker } from "./fake-broker.ts";
import { waitUntil, watchUnhandledRejections } from "./helpers.ts";

async function setup(t: import("node:test").TestContext, options: Partial<ClientOptions> = {}) {
  const broker = await startFakeBroker();
  const client = createClient({
    serviceUrl: broker.url,
    retry: { maxRetries: 20, baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });
  t.after(async () => {
    await client.close();
    await broker.close();
  });
  return { broker, client };
}

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (m: danube.StreamMessage) => Buffer.from(m.payload).toString();

/**
 * A sendMessage handler that stores (in arrival order) what carries a live producer id and
 * answers after a random delay, so completions come back out of order.
 */
function storingBroker(
  broker: FakeBroker,
  fail: (arrival: number, m: danube.StreamMessage) => Error | undefined,
) {
  const stored: number[] = [];
  let arrivals = 0;
  broker.handlers.sendMessage = async (m) => {
    const error = fail(arrivals++, m);
    if (error === undefined) stored.push(Number(text(m)));
    await later(Math.random() * 4);
    if (error !== undefined) throw error;
    return { requestId: m.requestId };
  };
  return stored;
}

/** Ids of the producers `broker` knows: each CreateProducer adds a new one; clear() forgets them. */
function liveProducers(broker: FakeBroker): Set<bigint> {
  const live = new Set<bigint>();
  broker.handlers.createProducer = (r) => {
    const id = 5000n + BigInt(broker.count("createProducer"));
    live.add(id);
    return { requestId: r.requestId, producerId: id, producerName: r.producerName };
  };
  return live;
}

function assertIncreasing(values: number[], what: string): void {
  for (let k = 1; k < values.length; k++) {
    assert.ok(
      values[k]! > values[k - 1]!,
      `${what} out of order at ${k}: ${values[k - 1]} then ${values[k]}`,
    );
  }
}

test("a producer forgotten by the broker is re-created and sends are retried in their order", async (t) => {
  const unhandled = watchUnhandledRejections(t);
  const { broker, client } = await setup(t);
  const live = liveProducers(broker);
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  const stored = storingBroker(broker, (arrival, m) => {
    if (arrival === 100) live.clear(); // "restart": every id known so far is gone
    return live.has(m.msgId!.producerId)
      ? undefined
      : grpcError(status.NOT_FOUND, `The producer with id ${m.msgId!.producerId} does not exist`);
  });
  const sends = Array.from({ length: 300 }, (_, i) => producer.send(String(i)));
  await Promise.all(sends);
  assert.equal(broker.count("createProducer"), 2, "re-created once");
  const creates = broker.calls.get("createProducer") as danube.ProducerRequest[];
  assert.deepEqual(
    creates.map((c) => c.producerName),
    ["p", "p"],
  );
  assert.deepEqual(
    stored,
    Array.from({ length: 300 }, (_, i) => i),
    "stored once each, in send order",
  );
  unhandled.check();
});

test("retryable failures in the middle of many in-flight sends keep the stored order", async (t) => {
  const { broker, client } = await setup(t);
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  let failUntil = 0;
  const stored = storingBroker(broker, (arrival) => {
    if (arrival === 50) failUntil = Date.now() + 30;
    return Date.now() < failUntil ? grpcError(status.UNAVAILABLE, "down for a moment") : undefined;
  });
  const receipts = await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send(String(i))));
  assert.equal(receipts.length, 200);
  assert.ok(broker.count("sendMessage") > 200, "some sends were retried");
  assertIncreasing(stored, "stored messages");
  assert.equal(new Set(stored).size, 200);
});

test("maxRetries 0: a send failing because the producer was forgotten makes the next send re-create", async (t) => {
  const { broker, client } = await setup(t, { retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 2 } });
  const live = liveProducers(broker);
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  live.clear(); // the broker forgot the producer
  storingBroker(broker, (_arrival, m) =>
    live.has(m.msgId!.producerId)
      ? undefined
      : grpcError(status.NOT_FOUND, `The producer with id ${m.msgId!.producerId} does not exist`),
  );
  await assert.rejects(producer.send("first"), { code: ErrorCode.NOT_FOUND });
  await producer.send("second");
  assert.equal(broker.count("createProducer"), 2, "re-created once");
});

test("maxRetries bounds the retries of one send; later sends still go through", async (t) => {
  const { broker, client } = await setup(t, { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 } });
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  storingBroker(broker, (_arrival, m) =>
    text(m) === "bad" ? grpcError(status.RESOURCE_EXHAUSTED, "too much") : undefined,
  );
  const bad = producer.send("bad");
  const good = producer.send("1");
  await assert.rejects(bad, { code: ErrorCode.RESOURCE_EXHAUSTED, retryable: true });
  await good;
  const attempts = (broker.calls.get("sendMessage") as danube.StreamMessage[]).filter(
    (m) => text(m) === "bad",
  );
  assert.equal(attempts.length, 3, "one attempt + maxRetries");
});

test("health check CLOSE re-creates an idle producer and resubscribes an idle consumer", async (t) => {
  const unhandled = watchUnhandledRejections(t);
  const { broker, client } = await setup(t, { healthCheckIntervalMs: 20 });
  let close = false;
  broker.handlers.healthCheck = () => ({
    status: close
      ? danube.HealthCheckResponse_ClientStatus.CLOSE
      : danube.HealthCheckResponse_ClientStatus.OK,
  });
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  const consumer = await client.subscribe({ topic: "/d/t", subscription: "s", consumerName: "c" });
  const events: ClientStatus[] = [];
  void (async () => {
    for await (const e of client.status()) events.push(e);
  })();
  await waitUntil(() => broker.count("receiveMessages") === 1, "the first stream");
  await later(60);
  assert.equal(broker.count("subscribe"), 1, "no resubscribe while the broker says OK");
  close = true;
  await waitUntil(
    () => broker.count("subscribe") >= 2 && broker.count("createProducer") >= 2,
    "resubscribe and re-create after CLOSE",
  );
  close = false;
  await waitUntil(() => broker.count("receiveMessages") >= 2, "the stream reopened with the new id");
  const receives = broker.calls.get("receiveMessages") as danube.ReceiveRequest[];
  const subscribes = broker.calls.get("subscribe") as danube.ConsumerRequest[];
  assert.notEqual(receives.at(-1)?.consumerId, receives[0]?.consumerId);
  assert.ok(subscribes.every((s) => s.consumerName === "c" && s.subscription === "s"));
  await waitUntil(
    () =>
      ["producer", "consumer"].every((s) => events.some((e) => e.type === "reconnected" && e.source === s)),
    "reconnected events",
  );
  const first = events.find((e) => e.type === "reconnecting" && e.source === "consumer");
  assert.ok(first?.type === "reconnecting");
  assert.match(first.reason, /health check/);
  await producer.send("still works");
  await consumer.close();
  unhandled.check();
});

test("a proxy lookup dials connect_url and names the broker in x-danube-broker-url", async (t) => {
  const { broker: proxy, client } = await setup(t);
  proxy.handlers.topicLookup = (r) => ({
    requestId: r.requestId,
    responseType: danube.TopicLookupResponse_LookupType.Connect,
    brokerUrl: "http://owner.internal:6650",
    connectUrl: proxy.url,
    proxy: true,
  });
  proxy.handlers.receiveMessages = () => {};
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  await producer.send("x");
  const consumer = await client.subscribe({ topic: "/d/t", subscription: "s", consumerName: "c" });
  await waitUntil(() => proxy.count("receiveMessages") === 1, "the stream");
  for (const method of ["createProducer", "sendMessage", "subscribe", "receiveMessages"]) {
    const metadata = proxy.headers.get(method)?.[0];
    assert.deepEqual(metadata?.get("x-danube-broker-url"), ["http://owner.internal:6650"], method);
  }
  assert.deepEqual(proxy.headers.get("topicLookup")?.[0]?.get("x-danube-broker-url"), []);
  const [sent] = proxy.calls.get("sendMessage") as danube.StreamMessage[];
  assert.equal(sent?.msgId?.brokerAddr, "http://owner.internal:6650");
  await consumer.close();
});

test("lookup: Redirect and Connect give the address, Failed and unknown give typed errors", async (t) => {
  const broker = await startFakeBroker();
  const pool = new ConnectionPool();
  t.after(async () => {
    pool.close();
    await broker.close();
  });
  const options = resolveClientOptions({ serviceUrl: broker.url });
  let id = 0n;
  const runtime = {
    options,
    pool,
    serviceAddress: { brokerUrl: broker.url, connectUrl: broker.url, proxy: false },
    closeSignal: new AbortController().signal,
    observe: new ClientObserver(undefined),
    status: new StatusHub(),
    nextRequestId: () => id++,
    admin: () => {
      throw new Error("unused");
    },
    schema: () => {
      throw new Error("no schema registry in this test");
    },
  };
  const ctx = createCallContext("lookup", {}, 5000, undefined);
  const answer = (responseType: number) => {
    broker.handlers.topicLookup = (r) => ({
      requestId: r.requestId,
      responseType,
      brokerUrl: "http://b:1",
      connectUrl: "http://c:2",
      proxy: false,
    });
  };
  for (const type of [
    danube.TopicLookupResponse_LookupType.Redirect,
    danube.TopicLookupResponse_LookupType.Connect,
  ]) {
    answer(type);
    const address = await lookupTopic(runtime, runtime.serviceAddress, "/d/t", ctx);
    assert.deepEqual(address, { brokerUrl: "http://b:1", connectUrl: "http://c:2", proxy: true });
  }
  answer(danube.TopicLookupResponse_LookupType.Failed);
  await assert.rejects(lookupTopic(runtime, runtime.serviceAddress, "/d/t", ctx), (e: unknown) => {
    assert.ok(e instanceof DanubeError);
    assert.equal(e.code, ErrorCode.NOT_FOUND);
    assert.match(e.message, /lookup failed for \/d\/t/);
    return true;
  });
  answer(7);
  await assert.rejects(lookupTopic(runtime, runtime.serviceAddress, "/d/t", ctx), {
    code: ErrorCode.UNKNOWN,
  });
  broker.handlers.topicLookup = () => {
    throw grpcError(status.NOT_FOUND, "Unable to find the requested topic: /d/t");
  };
  await assert.rejects(lookupTopic(runtime, runtime.serviceAddress, "/d/t", ctx), {
    code: ErrorCode.NOT_FOUND,
    grpcCode: status.NOT_FOUND,
  });
});

test("flush() waits for every send in flight; close() flushes first", async (t) => {
  const { broker, client } = await setup(t);
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  broker.handlers.sendMessage = async (m) => {
    await later(20 + Math.random() * 20);
    return { requestId: m.requestId };
  };
  const settled: number[] = [];
  for (let i = 0; i < 20; i++) void producer.send(String(i)).then(() => settled.push(i));
  await producer.flush();
  assert.equal(settled.length, 20, "flush resolved only after every send settled");
  await assert.rejects(producer.flush({ timeoutMs: 5, signal: AbortSignal.abort() }), {
    code: ErrorCode.CANCELLED,
  });
  const last = producer.send("last");
  await producer.close();
  assert.ok((await last).requestId >= 0n, "close() let the in-flight send finish");
  await assert.rejects(producer.send("after"), { code: ErrorCode.CLOSED });
});

/** A sendMessage handler answering after `delayMs`; returns the highest number of concurrent calls. */
function concurrencyProbe(broker: FakeBroker, delayMs: number) {
  const seen = { now: 0, max: 0 };
  broker.handlers.sendMessage = async (m) => {
    seen.now++;
    seen.max = Math.max(seen.max, seen.now);
    await later(delayMs);
    seen.now--;
    return { requestId: m.requestId };
  };
  return seen;
}

test("against a broker that does not announce sequencing, one send is in flight at a time", async (t) => {
  const { broker, client } = await setup(t);
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  const seen = concurrencyProbe(broker, 5);
  await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send(String(i))));
  assert.equal(seen.max, 1, "one at a time keeps order on any broker");
  const sent = broker.calls.get("sendMessage") as danube.StreamMessage[];
  assert.deepEqual(
    sent.map(text),
    Array.from({ length: 20 }, (_, i) => String(i)),
  );
  assert.ok(
    (broker.headers.get("sendMessage") ?? []).every((h) => h.get("x-danube-ts-after").length === 0),
    "no order header for a broker that did not ask for it",
  );
});

test("allowReorder pipelines against a broker that does not sequence", async (t) => {
  const { broker, client } = await setup(t);
  const producer = await client.createProducer({ topic: "/d/t", name: "p", allowReorder: true });
  const seen = concurrencyProbe(broker, 20);
  await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send(String(i))));
  assert.ok(seen.max > 1, `many in flight (${seen.max})`);
});

test("a broker announcing sequencing gets many sends in flight, each naming the one it follows", async (t) => {
  const { broker, client } = await setup(t);
  broker.responseHeaders.set("createProducer", { "x-danube-ts-sequencing": "1" });
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  const seen = concurrencyProbe(broker, 20);
  await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send(String(i))));
  assert.ok(seen.max > 1, `many in flight (${seen.max})`);
  const sent = broker.calls.get("sendMessage") as danube.StreamMessage[];
  const after = (broker.headers.get("sendMessage") ?? []).map((h) => String(h.get("x-danube-ts-after")[0]));
  assert.equal(after[0], "none", "the first send follows nothing in flight");
  for (let k = 1; k < sent.length; k++) {
    assert.equal(after[k], String(sent[k - 1]!.requestId), `send ${k} follows the send before it`);
  }
});

test("pipelined sends keep at most 32 MiB of payload in flight per partition", async (t) => {
  const { broker, client } = await setup(t);
  broker.responseHeaders.set("createProducer", { "x-danube-ts-sequencing": "1" });
  const producer = await client.createProducer({ topic: "/d/t", name: "p" });
  const seen = concurrencyProbe(broker, 30);
  const payload = new Uint8Array(3_000_000);
  await Promise.all(Array.from({ length: 20 }, () => producer.send(payload)));
  assert.ok(seen.max > 1 && seen.max <= 11, `in flight at once: ${seen.max} (32 MiB / 3 MB = 11)`);
});
