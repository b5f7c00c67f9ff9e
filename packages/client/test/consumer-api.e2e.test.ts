// receive(), unsubscribe() and the natural exit of a process after close().
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { createAdminClient, ErrorCode } from "../src/index.ts";
import { testEnv, uniqueTopic, unlessUnimplemented, watchUnhandledRejections } from "./helpers.ts";

test("receive(): a message, DEADLINE_EXCEEDED on timeout, CANCELLED on abort, CLOSED on close", async (t) => {
  const unhandled = watchUnhandledRejections(t);
  const { client } = await testEnv(t);
  const topic = uniqueTopic("receive");
  const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });

  await assert.rejects(consumer.receive({ timeoutMs: 50 }), { code: ErrorCode.DEADLINE_EXCEEDED });
  await assert.rejects(consumer.receive({ signal: AbortSignal.abort() }), { code: ErrorCode.CANCELLED });
  const waiting = consumer.receive({ timeoutMs: 10_000 });
  await producer.send("one");
  const message = await waiting;
  assert.equal(message.text(), "one");
  await message.ack();

  // Many short timeouts racing arrivals: every message is received exactly once.
  const total = 50;
  const sending = (async () => {
    for (let i = 0; i < total; i++) await producer.send(String(i));
  })();
  const got: string[] = [];
  while (got.length < total) {
    try {
      const m = await consumer.receive({ timeoutMs: 1 });
      got.push(m.text());
      await m.ack();
    } catch (error) {
      assert.equal((error as { code?: string }).code, ErrorCode.DEADLINE_EXCEEDED);
    }
  }
  await sending;
  assert.deepEqual(
    got,
    Array.from({ length: total }, (_, i) => String(i)),
  );

  const iterator = consumer[Symbol.asyncIterator]();
  await assert.rejects(consumer.receive({ timeoutMs: 10 }), { code: ErrorCode.FAILED_PRECONDITION });
  await iterator.return?.();
  const pending = consumer.receive();
  assert.throws(() => consumer[Symbol.asyncIterator](), { code: ErrorCode.FAILED_PRECONDITION });
  await consumer.close();
  await assert.rejects(pending, { code: ErrorCode.CLOSED });
  await assert.rejects(consumer.receive(), { code: ErrorCode.CLOSED });
  unhandled.check();
});

test("unsubscribe() without adminUrl fails with FAILED_PRECONDITION and keeps the consumer", async (t) => {
  const { client } = await testEnv(t);
  const topic = uniqueTopic("unsub-noadmin");
  await client.createProducer({ topic, name: "p" });
  const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
  await assert.rejects(consumer.unsubscribe(), (e: unknown) => {
    assert.equal((e as { code?: string }).code, ErrorCode.FAILED_PRECONDITION);
    assert.match((e as Error).message, /adminUrl/);
    return true;
  });
  assert.equal(consumer.closed, false);
});

test("unsubscribe() closes the consumer and removes the subscription", async (t) => {
  const { newClient, adminUrl } = await testEnv(t);
  const client = newClient({ adminUrl });
  const admin = createAdminClient({ adminUrl });
  t.after(() => admin.close());
  const topic = uniqueTopic("unsub");
  const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const keep = await client.subscribe({ topic, subscription: "keep", consumerName: "c1" });
  const consumer = await client.subscribe({ topic, subscription: "gone", consumerName: "c2" });
  await producer.send("x");
  assert.deepEqual((await admin.listSubscriptions(topic)).sort(), ["gone", "keep"]);
  await unlessUnimplemented(t, async () => {
    await consumer.unsubscribe();
    assert.equal(consumer.closed, true);
    assert.deepEqual(await admin.listSubscriptions(topic), ["keep"]);
  });
  await keep.close();
});

test("after close() a process exits by itself: no timers or sockets left", async (t) => {
  const { url, client } = await testEnv(t);
  const topic = uniqueTopic("exit");
  await client.createProducer({ topic, name: "parent", dispatchStrategy: "Reliable" });
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      fileURLToPath(new URL("./fixtures/natural-exit-child.ts", import.meta.url)),
      url,
      topic,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += String(chunk);
  });
  child.stderr.on("data", (chunk) => {
    output += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<"stuck">((resolve) => {
    timer = setTimeout(() => resolve("stuck"), 15_000);
  });
  const outcome = await Promise.race([exited, limit]);
  clearTimeout(timer);
  if (outcome === "stuck") {
    child.kill("SIGKILL");
    assert.fail(`the child did not exit within 15 s after close(); output:\n${output}`);
  }
  assert.equal(outcome, 0, `child failed:\n${output}`);
  assert.match(output, /child done: received 20/);
});
