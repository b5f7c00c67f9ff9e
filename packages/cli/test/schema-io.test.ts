import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { createAdminClient } from "@danube-ts/client";
import { tempBroker } from "../../broker/test/temp-broker.ts";
import { tempDir } from "../../broker/test/temp-dir.ts";
import { runMain } from "./run-main.ts";

test("schema-aware produce (register from a file, then by subject) and consume decoding", async (t) => {
  const dir = await tempDir(t);
  const broker = await tempBroker(t, { logLevel: "error" });
  const url = ["--service-url", broker.url];
  const produce = (...args: string[]) => runMain("produce", ...url, "-t", topic, "--reliable", ...args);
  const topic = "/default/orders";
  const avsc = join(dir, "order.avsc");
  await writeFile(
    avsc,
    JSON.stringify({
      type: "record",
      name: "Order",
      fields: [
        { name: "id", type: "long" },
        { name: "note", type: "string" },
      ],
    }),
  );
  {
    await using admin = createAdminClient({ adminUrl: broker.adminUrl });
    await admin.createTopic({ name: topic, dispatchStrategy: "Reliable" });
  }
  const jsonConsumer = runMain("consume", ...url, "-t", topic, "-m", "j", "-c", "3", "-o", "json");
  const textConsumer = runMain("consume", ...url, "-t", topic, "-m", "t", "-c", "3");
  // Both subscribe before anything is produced (a new subscription starts at the end).
  await new Promise((resolve) => setTimeout(resolve, 500));

  // No --schema-subject: the subject comes from the topic, as upstream derives it.
  const registered = await produce(
    "--schema-file",
    avsc,
    "--schema-type",
    "avro",
    "-m",
    '{"id":1,"note":"first"}',
  );
  assert.equal(registered.code, 0, registered.err);
  assert.match(registered.err, /schema subject default-orders/);
  const bySubject = await produce(
    "--schema-subject",
    "default-orders",
    "--schema-version",
    "1",
    "-m",
    '{"id":2,"note":"second"}',
  );
  assert.equal(bySubject.code, 0, bySubject.err);
  const invalid = await produce("--schema-subject", "default-orders", "-m", '{"id":"x"}');
  assert.equal(
    invalid.code,
    10,
    `a value the schema refuses is INVALID_ARGUMENT, nothing sent: ${invalid.err}`,
  );
  assert.match(invalid.err, /produced 0 message\(s\)/);
  const plain = await produce("-m", "no schema");
  const wrongStrategy = await runMain("produce", ...url, "-t", topic, "-m", "x");
  assert.equal(wrongStrategy.code, 15, wrongStrategy.err);
  assert.match(wrongStrategy.err, /add --reliable for a reliable topic/);
  assert.equal(plain.code, 0, plain.err);

  const json = await jsonConsumer;
  assert.equal(json.code, 0, json.err);
  const [first, second, third] = json.out
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(first!.schema_subject, "default-orders");
  assert.equal(first!.schema_type, "avro");
  assert.equal(first!.schema_version, 1);
  assert.deepEqual(first!.value, { id: 1, note: "first" });
  assert.deepEqual(second!.value, { id: 2, note: "second" });
  assert.equal(third!.value, undefined);
  assert.equal(third!.payload, "no schema");

  const text = await textConsumer;
  assert.equal(text.code, 0, text.err);
  const lines = text.out.trim().split("\n");
  assert.match(lines[0]!, / schema=default-orders@v1 value=\{"id":1,"note":"first"\}$/);
  assert.match(lines[2]!, / payload=no schema$/);
});
