import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { danube } from "../src/index.ts";

const repo = resolve(fileURLToPath(import.meta.url), "../../../..");
const committed = join(repo, "packages/protocol/src/gen");

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

test("committed generated code matches proto/ (run `npm run generate` if this fails)", () => {
  const out = mkdtempSync(join(tmpdir(), "danube-gen-"));
  try {
    execFileSync("node", [join(repo, "scripts/generate-protocol.mjs"), out], { cwd: repo, stdio: "pipe" });
    const fresh = join(out, "packages/protocol/src/gen");
    assert.deepEqual(listFiles(fresh), listFiles(committed));
    for (const file of listFiles(committed)) {
      assert.equal(
        readFileSync(join(fresh, file), "utf8"),
        readFileSync(join(committed, file), "utf8"),
        `${file} is stale`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("64-bit fields are bigint and survive values above 2^53", () => {
  const big = 18_446_744_073_709_551_615n;
  const msg = danube.StreamMessage.fromPartial({
    requestId: big,
    msgId: { producerId: big - 1n, topicName: "/default/t", brokerAddr: "", topicOffset: 2n ** 60n },
    payload: new Uint8Array([1, 2, 3]),
    publishTime: 1_700_000_000_000n,
    schemaId: 9_007_199_254_740_993n,
  });
  const decoded = danube.StreamMessage.decode(danube.StreamMessage.encode(msg).finish());
  assert.equal(decoded.requestId, big);
  assert.equal(decoded.msgId?.producerId, big - 1n);
  assert.equal(decoded.msgId?.topicOffset, 2n ** 60n);
  assert.equal(decoded.schemaId, 9_007_199_254_740_993n);
  assert.equal(decoded.schemaVersion, undefined);
  assert.equal(decoded.routingKey, undefined);
});

test("field numbers match the upstream wire contract", () => {
  // MsgID.topic_offset is field 5 (tag 5<<3|0 = 0x28); TopicLookupResponse.request_id is field 3.
  const id = danube.MsgID.encode({ producerId: 0n, topicName: "", brokerAddr: "", topicOffset: 7n }).finish();
  assert.deepEqual([...id], [0x28, 7]);
  const lookup = danube.TopicLookupResponse.encode(
    danube.TopicLookupResponse.fromPartial({
      requestId: 1n,
      responseType: 1,
      connectUrl: "a",
      brokerUrl: "b",
    }),
  ).finish();
  assert.deepEqual([...lookup], [0x18, 1, 0x20, 1, 0x2a, 1, 0x61, 0x32, 1, 0x62]);
});
