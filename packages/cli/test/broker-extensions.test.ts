// `danube broker --publish-stream/--consume-stream/--max-routing-key-bytes` and their config-file
// keys: a client on transport "auto" falls back to upstream's unary RPCs, and the routing key
// bound is the one configured.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { createClient, DanubeError, ErrorCode } from "@danube-ts/client";
import { rpcCalls, scrape } from "../../broker/test/prom-text.ts";
import { tempDir } from "../../broker/test/temp-dir.ts";
import { take } from "../../client/test/helpers.ts";
import { startCliBroker } from "./cli-broker.ts";
import { runMain } from "./run-main.ts";

test("danube broker --publish-stream off (over the config file's true), extensions.consume_stream false, --max-routing-key-bytes 16", async (t) => {
  const config = join(await tempDir(t), "broker.yml");
  await writeFile(config, "extensions:\n  publish_stream: true\n  consume_stream: false\n");
  const broker = await startCliBroker(t, [
    "--prom-exporter",
    "127.0.0.1:0",
    "--config-file",
    config,
    "--publish-stream",
    "off",
    "--max-routing-key-bytes",
    "16",
  ]);
  const [, metricsUrl] = await broker.cli.waitForLine(/^Prometheus metrics on (http:\/\/\S+)$/);
  const client = createClient({ serviceUrl: broker.url, transport: "auto" });
  t.after(() => client.close());
  const topic = `/default/ext-${process.pid}-${Date.now()}`;
  const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
  await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send(`m${i}`, { key: "k".repeat(16) })));
  await assert.rejects(producer.send("too long", { key: "k".repeat(17) }), (error: unknown) => {
    assert.ok(error instanceof DanubeError);
    assert.equal(error.code, ErrorCode.INVALID_ARGUMENT);
    assert.match(error.message, /Routing key of 17 bytes exceeds the maximum of 16 bytes/);
    return true;
  });
  const got = await take(consumer, 10);
  assert.deepEqual(
    got.map((m) => Buffer.from(m.payload).toString()),
    Array.from({ length: 10 }, (_, i) => `m${i}`),
  );
  const used = rpcCalls(await scrape(metricsUrl!));
  assert.equal(used.publish, 0, "no publish stream opened");
  assert.equal(used.sendMessage, 11, "every send (the refused one too) went as SendMessage");
  assert.equal(used.consume, 0, "no consume stream opened");
  assert.ok(used.receive >= 1, "ReceiveMessages was called");
  assert.equal(used.ack, 10, "acks went as unary Ack calls");
});

test("bad values of the switches are usage errors (exit 2) before anything starts", async (t) => {
  const dir = await tempDir(t);
  const config = join(dir, "broker.yml");
  await writeFile(config, "extensions:\n  publish_stream: off\n");
  const cases: Array<[string[], RegExp]> = [
    [["--publish-stream", "maybe"], /--publish-stream must be one of on, off, got "maybe"/],
    [["--consume-stream", ""], /--consume-stream must be one of on, off, got ""/],
    [["--max-routing-key-bytes", "0"], /--max-routing-key-bytes must be an integer >= 1, got "0"/],
    [["--max-routing-key-bytes", "64k"], /--max-routing-key-bytes must be an integer >= 1, got "64k"/],
    [["--config-file", config], /extensions\.publish_stream must be true or false, got "off"/],
  ];
  for (const [args, pattern] of cases) {
    const result = await runMain("broker", "--data-dir", join(dir, "data"), ...args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.err}`);
    assert.match(result.err, pattern);
  }
});
