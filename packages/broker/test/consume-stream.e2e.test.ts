// The danube-ts Consume stream at the wire: credits, frame errors, per-ack results with the unary
// Ack's status codes, the Subscribe announcement, and a clean end when the broker closes.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { consumeStream, danube } from "@danube-ts/protocol";
import { credentials, type Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { startBroker } from "../src/index.ts";
import { closeBeforeRemoval, tempDir, uniqueTopic } from "./helpers.ts";
import { rawClient } from "./raw-client.ts";
import { sleep, until } from "./until.ts";

type Frame = consumeStream.ConsumeResponse;

async function setup(t: TestContext, extensions?: { consumeStream?: boolean }) {
  const broker = await startBroker({ dataDir: await tempDir(t), port: 0, adminPort: 0, extensions });
  const raw = rawClient(broker.url, broker.adminUrl);
  const client = new consumeStream.ConsumeStreamClient(
    broker.url.replace("http://", ""),
    credentials.createInsecure(),
  );
  const consumers = new danube.ConsumerServiceClient(
    broker.url.replace("http://", ""),
    credentials.createInsecure(),
  );
  closeBeforeRemoval(t, async () => {
    client.close();
    consumers.close();
    raw.close();
    await broker.close();
  });
  const topic = uniqueTopic("cs");
  const producerId = await raw.createProducer(topic, "p");
  return { broker, raw, client, consumers, topic, producerId };
}

/** Opens a Consume call and records what comes back. */
function open(client: consumeStream.ConsumeStreamClient) {
  const call = client.consume();
  const deliveries: danube.StreamMessage[] = [];
  const results: consumeStream.ConsumeAckResult[] = [];
  const state: { ended: "ok" | number | undefined; details: string } = { ended: undefined, details: "" };
  call.on("data", (frame: Frame) => {
    if (frame.frame?.$case === "delivery") deliveries.push(...frame.frame.value.messages);
    else if (frame.frame?.$case === "ackResult") results.push(frame.frame.value);
  });
  call.on("error", (err: ServiceError) => {
    state.ended ??= err.code;
    state.details = err.details;
  });
  call.on("end", () => {
    state.ended ??= "ok";
  });
  const write = (frame: consumeStream.ConsumeRequest["frame"]) => call.write({ frame });
  return { call, deliveries, results, state, write };
}

test("Subscribe announces the stream in a response header, unless the extension is off", async (t) => {
  for (const enabled of [true, false]) {
    const { consumers, topic } = await setup(t, { consumeStream: enabled });
    const header = await new Promise<string | undefined>((resolve, reject) => {
      const call = consumers.subscribe(
        {
          requestId: 1n,
          topicName: topic,
          subscription: "s",
          consumerName: "c",
          subscriptionType: 0,
          keyFilters: [],
        },
        (err) => (err ? reject(err) : undefined),
      );
      call.on("metadata", (m: Metadata) => resolve(m.get("x-danube-ts-consume-stream")[0]?.toString()));
    });
    assert.equal(header, enabled ? "1" : undefined);
  }
});

test("the broker sends no more messages than the credit granted, in batches, in order", async (t) => {
  const { raw, client, topic, producerId } = await setup(t);
  const consumerId = await raw.subscribe(topic, "s", "c", 0);
  for (let i = 0; i < 20; i++) await raw.send(topic, producerId, `m${i}`);
  const s = open(client);
  s.write({ $case: "open", value: { consumerId, credit: { messages: 3, bytes: 0n } } });
  await until("3 deliveries", () => s.deliveries.length === 3);
  await sleep(200);
  assert.equal(s.deliveries.length, 3, "no message beyond the credit");
  s.write({ $case: "credit", value: { messages: 7, bytes: 0n } });
  await until("10 deliveries", () => s.deliveries.length === 10);
  await sleep(200);
  assert.equal(s.deliveries.length, 10, "no message beyond the added credit");
  // Byte credit: once granted, it limits too (a message may overshoot it).
  s.write({ $case: "credit", value: { messages: 100, bytes: 1n } });
  assert.deepEqual(
    s.deliveries.map((m) => new TextDecoder().decode(m.payload)),
    Array.from({ length: 10 }, (_, i) => `m${i}`),
  );
  // Each delivered message carries what ReceiveMessages carries: the msg id with the offset.
  assert.deepEqual(
    s.deliveries.map((m) => m.msgId?.topicOffset),
    Array.from({ length: 10 }, (_, i) => BigInt(i)),
  );
  assert.equal(s.deliveries[0]?.msgId?.topicName, topic);
  // Acks of all ten free the window: with 1 byte of credit, exactly one more message comes.
  s.write({
    $case: "acks",
    value: {
      acks: s.deliveries.map((m, i) => ({
        ackId: BigInt(i + 1),
        msgId: m.msgId,
        subscriptionName: "s",
        nack: false,
        delayMs: undefined,
        reason: undefined,
      })),
    },
  });
  await until("an ack result", () => s.results.length === 1);
  assert.deepEqual(s.results[0], { settledThrough: 10n, errors: [] });
  await until("the 11th delivery", () => s.deliveries.length === 11);
  await sleep(200);
  assert.equal(s.deliveries.length, 11, "byte credit spent: no 12th message");
  s.call.cancel();
});

test("per-ack errors carry the unary Ack's status codes; the good acks of the frame still apply", async (t) => {
  const { raw, client, topic, producerId } = await setup(t);
  const consumerId = await raw.subscribe(topic, "s", "c", 0);
  await raw.send(topic, producerId, "m0");
  const s = open(client);
  s.write({ $case: "open", value: { consumerId, credit: { messages: 10, bytes: 0n } } });
  await until("a delivery", () => s.deliveries.length === 1);
  const message = s.deliveries[0] as danube.StreamMessage;
  const unknownTopic = { ...message, msgId: { ...message.msgId!, topicName: "/default/nope" } };
  const cases = [
    { subscriptionName: "nope", msg: message },
    { subscriptionName: "s", msg: unknownTopic },
    { subscriptionName: "s", msg: { ...message, msgId: undefined } },
  ];
  // What the unary Ack answers for the same inputs.
  const unaryCodes: number[] = [];
  for (const c of cases) {
    const code = await raw.ack(c.subscriptionName, c.msg).then(
      () => status.OK,
      (err: ServiceError) => err.code,
    );
    unaryCodes.push(code);
  }
  assert.ok(unaryCodes.every((code) => code !== status.OK));
  const acks: consumeStream.ConsumeAck[] = cases.map((c, i) => ({
    ackId: BigInt(i + 1),
    msgId: c.msg.msgId,
    subscriptionName: c.subscriptionName,
    nack: i === 0,
    delayMs: undefined,
    reason: undefined,
  }));
  acks.push({
    ackId: 4n,
    msgId: message.msgId,
    subscriptionName: "s",
    nack: false,
    delayMs: undefined,
    reason: undefined,
  });
  s.write({ $case: "acks", value: { acks } });
  await until("an ack result", () => s.results.length === 1);
  const result = s.results[0]!;
  assert.equal(result.settledThrough, 4n);
  assert.deepEqual(
    result.errors.map((e) => [e.ackId, e.code]),
    unaryCodes.map((code, i) => [BigInt(i + 1), code]),
  );
  assert.ok(result.errors.every((e) => e.message.length > 0));
  // The good ack applied: the message is not redelivered on a new stream.
  s.call.cancel();
  await raw.subscribe(topic, "s", "c", 0);
  const again = raw.stream(consumerId);
  await sleep(300);
  assert.equal(again.received.length, 0);
  again.cancel();
});

test("a bad first frame, an empty frame or undecodable bytes end the call with INVALID_ARGUMENT", async (t) => {
  const { raw, client, topic } = await setup(t);
  const consumerId = await raw.subscribe(topic, "s", "c", 0);
  const credit = open(client);
  credit.write({ $case: "credit", value: { messages: 1, bytes: 0n } });
  await until("the end", () => credit.state.ended !== undefined);
  assert.equal(credit.state.ended, status.INVALID_ARGUMENT);
  assert.match(credit.state.details, /first Consume frame must be open/);

  const empty = open(client);
  empty.write({ $case: "open", value: { consumerId, credit: undefined } });
  empty.write(undefined);
  await until("the end", () => empty.state.ended !== undefined);
  assert.equal(empty.state.ended, status.INVALID_ARGUMENT);

  const unknown = open(client);
  unknown.write({ $case: "open", value: { consumerId: 987654n, credit: undefined } });
  await until("the end", () => unknown.state.ended !== undefined);
  assert.equal(unknown.state.ended, status.NOT_FOUND, "as ReceiveMessages for an unknown consumer");

  // Undecodable bytes: a raw HTTP/2 request with a gRPC frame that is not a ConsumeRequest.
  const { connect } = await import("node:http2");
  const session = connect(`http://${client.getChannel().getTarget().replace(/^dns:/, "")}`);
  t.after(() => session.destroy());
  const garbage = Buffer.from([0, 0, 0, 0, 3, 0x0a, 0xff, 0xff]);
  const request = session.request({
    ":method": "POST",
    ":path": "/danube_ts.stream.ConsumeStream/Consume",
    "content-type": "application/grpc",
    te: "trailers",
  });
  // The status comes in the trailers, or in the headers of a trailers-only response.
  const grpcStatus = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no gRPC status within 5 s")), 5_000);
    const take = (headers: Record<string, unknown>) => {
      if (headers["grpc-status"] === undefined) return;
      clearTimeout(timer);
      resolve(Number(headers["grpc-status"]));
    };
    request.on("response", take);
    request.on("trailers", take);
  });
  request.on("data", () => {});
  request.end(garbage);
  assert.equal(await grpcStatus, status.INVALID_ARGUMENT);
});

test("a consumer's new Consume call replaces the old one (OK), broker close ends it with UNAVAILABLE", async (t) => {
  const { broker, raw, client, topic } = await setup(t);
  const consumerId = await raw.subscribe(topic, "s", "c", 0);
  const first = open(client);
  first.write({ $case: "open", value: { consumerId, credit: { messages: 10, bytes: 0n } } });
  await sleep(100);
  const second = open(client);
  second.write({ $case: "open", value: { consumerId, credit: { messages: 10, bytes: 0n } } });
  await until("the first call to end", () => first.state.ended !== undefined);
  assert.equal(first.state.ended, "ok");
  assert.equal(second.state.ended, undefined);
  await broker.close();
  await until("the second call to end", () => second.state.ended !== undefined);
  assert.equal(second.state.ended, status.UNAVAILABLE);
});
