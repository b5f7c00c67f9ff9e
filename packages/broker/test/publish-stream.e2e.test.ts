// The publish stream's protocol as the broker enforces it, driven by a raw gRPC stream: credit
// granted on open and given back with the answers, per-send errors that leave the stream open,
// and frames out of protocol ending it with INVALID_ARGUMENT.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { type TestContext, test } from "node:test";
import { danube, publishStream, publishStreamHeader } from "@danube-ts/protocol";
import { credentials, type StatusObject, status } from "@grpc/grpc-js";
import { streamWindow } from "../src/grpc/publish-stream.ts";
import { testBroker, uniqueTopic } from "./helpers.ts";
import { rawClient } from "./raw-client.ts";

type Response = publishStream.PublishResponse;

/** A raw publish stream collecting responses and the final status. */
function openStream(t: TestContext, url: string) {
  const stub = new publishStream.PublishStreamClient(
    url.replace("http://", ""),
    credentials.createInsecure(),
  );
  const call = stub.publish();
  const responses: Response[] = [];
  let waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters) w();
    waiters = [];
  };
  const ended = new Promise<StatusObject>((resolve) => {
    call.on("status", (s: StatusObject) => {
      resolve(s);
      wake();
    });
  });
  call.on("error", () => {});
  call.on("data", (r: Response) => {
    responses.push(r);
    wake();
  });
  t.after(() => {
    call.cancel();
    stub.close();
  });
  const until = async (what: string, ok: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  const answered = () => responses.flatMap((r) => [...r.receipts, ...r.errors.map((e) => e.requestId)]);
  return { call, responses, ended, until, answered };
}

const message = (producerId: bigint, topicName: string, requestId: bigint, size = 10) =>
  danube.StreamMessage.fromPartial({
    requestId,
    msgId: { producerId, topicName, brokerAddr: "", topicOffset: 0n },
    payload: new Uint8Array(size).fill(0x61),
    producerName: "raw",
  });

test("credit on open and back with answers; per-send errors keep the stream open", async (t) => {
  // A long sequencer wait: a message following a refused one must not wait for it.
  const env = await testBroker(t, { sendSequencing: { maxWaitMs: 20_000 } });
  const raw = rawClient(env.broker.url, env.broker.adminUrl);
  t.after(() => raw.close());
  const topic = uniqueTopic("ps");
  const producerId = await raw.createProducer(topic, "p");
  const s = openStream(t, env.broker.url);
  s.call.write({ frame: { $case: "open", value: { producerId } } });
  await s.until("the first response", () => s.responses.length > 0);
  const first = s.responses[0]!;
  assert.ok(first.creditMessages > 0 && first.creditBytes > 0n, "credit granted on open");
  assert.ok(first.maxBatchBytes > 0, "the frame limit is announced");
  const batch = [
    message(producerId, topic, 1n),
    message(producerId + 1000n, topic, 2n), // not the stream's producer
    message(producerId, topic, 3n),
  ];
  const sent = Date.now();
  s.call.write({ frame: { $case: "batch", value: { messages: batch, after: undefined } } });
  await s.until("three answers", () => s.answered().length === 3);
  assert.ok(Date.now() - sent < 5_000, "the message after the refused one did not wait for it");
  const receipts = s.responses.flatMap((r) => r.receipts);
  const errors = s.responses.flatMap((r) => r.errors);
  assert.deepEqual(receipts, [1n, 3n]);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.requestId, 2n);
  assert.equal(errors[0]!.code, status.INVALID_ARGUMENT);
  const returned = s.responses.slice(1).reduce((n, r) => n + r.creditMessages, 0);
  assert.equal(returned, 3, "every answer gives its credit back");
  // An unknown producer: NOT_FOUND per send, as SendMessage answers.
  const other = openStream(t, env.broker.url);
  other.call.write({ frame: { $case: "open", value: { producerId: 987_654_321n } } });
  other.call.write({
    frame: { $case: "batch", value: { messages: [message(987_654_321n, topic, 7n)], after: undefined } },
  });
  await other.until("an answer", () => other.answered().length === 1);
  assert.equal(other.responses.flatMap((r) => r.errors)[0]?.code, status.NOT_FOUND);
});

test("frames out of protocol end the stream with INVALID_ARGUMENT", async (t) => {
  const env = await testBroker(t);
  const raw = rawClient(env.broker.url, env.broker.adminUrl);
  t.after(() => raw.close());
  const topic = uniqueTopic("ps-bad");
  const producerId = await raw.createProducer(topic, "p");

  const noOpen = openStream(t, env.broker.url);
  noOpen.call.write({
    frame: { $case: "batch", value: { messages: [message(producerId, topic, 1n)], after: undefined } },
  });
  const s1 = await noOpen.ended;
  assert.equal(s1.code, status.INVALID_ARGUMENT);
  assert.match(s1.details, /first frame must be `open`/);

  const twice = openStream(t, env.broker.url);
  twice.call.write({ frame: { $case: "open", value: { producerId } } });
  twice.call.write({ frame: { $case: "open", value: { producerId } } });
  assert.equal((await twice.ended).code, status.INVALID_ARGUMENT);

  // More messages than granted, without waiting for answers.
  const greedy = openStream(t, env.broker.url);
  greedy.call.write({ frame: { $case: "open", value: { producerId } } });
  await greedy.until("the credit", () => greedy.responses.length > 0);
  const granted = greedy.responses[0]!.creditMessages;
  const messages = Array.from({ length: granted + 1 }, (_, i) =>
    message(producerId, topic, BigInt(i + 1), 1),
  );
  greedy.call.write({ frame: { $case: "batch", value: { messages, after: undefined } } });
  const s3 = await greedy.ended;
  assert.equal(s3.code, status.INVALID_ARGUMENT);
  assert.match(s3.details, /exceeded its credit/);
});

test("extensions.publishStream false: not announced on CreateProducer, the stream answers UNIMPLEMENTED", async (t) => {
  const env = await testBroker(t, { extensions: { publishStream: false } });
  const s = openStream(t, env.broker.url);
  s.call.write({ frame: { $case: "open", value: { producerId: 1n } } });
  assert.equal((await s.ended).code, status.UNIMPLEMENTED);
  const stub = new danube.ProducerServiceClient(
    env.broker.url.replace("http://", ""),
    credentials.createInsecure(),
  );
  t.after(() => stub.close());
  const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const call = stub.createProducer(
      {
        requestId: 1n,
        producerName: "p",
        topicName: uniqueTopic("ps-off"),
        schemaRef: undefined,
        producerAccessMode: danube.ProducerAccessMode.Shared,
        dispatchStrategy: danube.DispatchStrategy.Reliable,
      },
      (err) => {
        if (err) reject(err);
      },
    );
    call.on("metadata", (m) => resolve(m.getMap()));
  });
  assert.equal(headers["x-danube-ts-publish-stream"], undefined);
  assert.equal(headers["x-danube-ts-sequencing"], "1");
});

test("docs/streaming.md states the header and the credit the broker uses", () => {
  const page = readFileSync(new URL("../../../docs/streaming.md", import.meta.url), "utf8");
  assert.ok(page.includes(`\`${publishStreamHeader}: 1\``), "the announcement header");
  const messages = streamWindow.messages.toLocaleString("en-US");
  const mib = streamWindow.bytes / (1024 * 1024);
  assert.ok(
    page.includes(`${messages}\n  messages and ${mib} MiB`) ||
      page.includes(`${messages} messages and ${mib} MiB`),
  );
});
