import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { createAdminClient } from "@danube-ts/client";
import { tempBroker } from "../../broker/test/temp-broker.ts";
import { tempDir } from "../../broker/test/temp-dir.ts";
import { runCli, startCli } from "./cli-process.ts";

interface JsonMessage {
  topic: string;
  offset: string;
  publish_time: string;
  key: string | null;
  attributes: Record<string, string>;
  size: number;
  payload?: string;
  payload_base64?: string;
}

test("produce from an argument, a file and stdin (pipelined); consume as json, safe text and raw", async (t) => {
  const spawned: Array<{ kill(): void }> = [];
  // Registered first, so the spawned processes are killed before the broker closes.
  t.after(() => {
    for (const p of spawned) p.kill();
  });
  const dir = await tempDir(t);
  const broker = await tempBroker(t, { logLevel: "warn" });
  const topic = "/default/cli-inputs";
  {
    await using admin = createAdminClient({ adminUrl: broker.adminUrl });
    await admin.createTopic({ name: topic, dispatchStrategy: "Reliable" });
  }
  // The service URL comes from the environment, as in the examples.
  const env = { DANUBE_SERVICE_URL: broker.url };
  const bulk = 300;
  const total = 1 + 1 + 3 + bulk;
  const consume = (...args: string[]) => {
    const cli = startCli(["consume", "-t", topic, ...args], { env });
    spawned.push(cli);
    return cli;
  };
  const json = consume("-m", "as-json", "-c", String(total), "-o", "json");
  const text = consume("--subscription", "as-text", "-c", "3", "--max-payload", "30");
  const raw = consume("-m", "as-raw", "-c", "2", "-o", "raw");
  await Promise.all([json, text, raw].map((c) => c.waitForLine(/^subscribed to /)));

  const tricky = `a\u0001b\u001b[31m\u202e${"z".repeat(50)}`;
  const arg = await runCli(
    ["produce", "-t", topic, tricky, "-a", "k:v, x : y", "--attr", "c=1,2", "-k", "key-1", "--reliable"],
    30_000,
    { env },
  );
  assert.equal(arg.code, 0, arg.stderr);
  assert.match(arg.stdout, /^sent 1\/1 topic=\/default\/cli-inputs request_id=\d+\n$/);
  assert.match(arg.stderr, /produced 1 message\(s\) to \/default\/cli-inputs$/m);

  const binary = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x80]), randomBytes(296)]);
  const file = join(dir, "blob.bin");
  await writeFile(file, binary);
  const fromFile = await runCli(["produce", "-t", topic, "--file", file, "--reliable"], 30_000, { env });
  assert.equal(fromFile.code, 0, fromFile.stderr);

  const fromStdin = await runCli(["produce", "-t", topic, "--reliable"], 30_000, {
    env,
    input: "line one\nline two\r\n\nline three\n",
  });
  assert.equal(fromStdin.code, 0, fromStdin.stderr);
  assert.equal(fromStdin.stdout.trim().split("\n").length, 3, "empty lines are skipped");
  assert.match(fromStdin.stderr, /produced 3 message\(s\)/);

  const pipelined = await runCli(
    ["produce", "-t", topic, "-m", "bulk", "-c", String(bulk), "-q", "--reliable", "--max-in-flight", "32"],
    60_000,
    { env },
  );
  assert.equal(pipelined.code, 0, pipelined.stderr);
  assert.equal(pipelined.stdout, "", "--quiet prints no line per message");
  assert.match(
    pipelined.stderr,
    new RegExp(`produced ${bulk} message\\(s\\) to ${topic} in [\\d.]+ s \\(\\d+ msg/s\\)`),
  );

  // json: one object per message, in order, 64-bit numbers as strings.
  const jsonDone = await json.exited(60_000);
  assert.equal(jsonDone.code, 0, jsonDone.stderr);
  const messages = jsonDone.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as JsonMessage);
  assert.equal(messages.length, total);
  const [first, second, ...rest] = messages as [JsonMessage, JsonMessage, ...JsonMessage[]];
  assert.equal(first.payload, tricky);
  assert.deepEqual(first.attributes, { k: "v", x: "y", c: "1,2" });
  assert.equal(first.key, "key-1");
  assert.equal(typeof first.offset, "string");
  assert.match(first.publish_time, /^\d+$/);
  assert.equal(second.payload, undefined);
  assert.equal(Buffer.from(second.payload_base64!, "base64").compare(binary), 0);
  assert.equal(second.size, binary.length);
  assert.deepEqual(
    rest.slice(0, 3).map((m) => m.payload),
    ["line one", "line two", "line three"],
  );
  assert.ok(rest.slice(3).every((m) => m.payload === "bulk"));
  const offsets = messages.map((m) => BigInt(m.offset));
  assert.ok(
    offsets.every((o, i) => i === 0 || o === offsets[i - 1]! + 1n),
    "offsets follow send order",
  );

  // text: control characters escaped, binary as a placeholder, long payloads cut with a marker.
  const textDone = await text.exited();
  assert.equal(textDone.code, 0, textDone.stderr);
  const lines = textDone.stdout.trim().split("\n");
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, / key=key-1 /);
  assert.ok(
    lines[0]!.endsWith(
      `payload=a\\x01b\\x1b[31m\\u202e${"z".repeat(10)}…[cut: 61 bytes in all, --max-payload 0 shows everything]`,
    ),
    lines[0],
  );
  assert.match(lines[1]!, / payload=<binary 300 bytes: fffe0080[0-9a-f]{24}…>$/);
  assert.match(lines[2]!, / payload=line one$/);
  const unsafe = [...textDone.stdout].filter((c) => (c < " " && c !== "\n") || c === "\u202e");
  assert.deepEqual(unsafe, [], "no raw control characters");

  // raw: the payload bytes as they are, each followed by a newline.
  const rawDone = await raw.exited();
  assert.equal(rawDone.code, 0, rawDone.stderr);
  assert.equal(
    rawDone.stdoutBytes.compare(Buffer.concat([Buffer.from(`${tricky}\n`), binary, Buffer.from("\n")])),
    0,
  );
});

test("produce: payload flag conflicts and line input with --count are usage errors", async () => {
  const env = { DANUBE_SERVICE_URL: "http://127.0.0.1:1" };
  const cases = [
    ["produce", "-t", "/default/t", "text", "-m", "other"],
    ["produce", "-t", "/default/t", "-m", "x", "--file", "f"],
    ["produce", "-t", "/default/t", "-c", "3"],
    ["produce", "-t", "/default/t", "--schema-file", "s.json"],
    ["produce", "-t", "/default/t", "-m", "x", "--schema-version", "2"],
  ];
  const results = await Promise.all(cases.map((args) => runCli(args, 30_000, { env, input: "a\n" })));
  for (const [i, result] of results.entries()) {
    assert.equal(result.code, 2, `${cases[i]!.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, /Usage: danube produce/);
  }
});
