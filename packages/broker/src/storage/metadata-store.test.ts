import assert from "node:assert/strict";
import { readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { test } from "node:test";
import { closeBeforeRemoval, tempDir } from "../../test/temp-dir.ts";
import { StorageError } from "./errors.ts";
import type { MetadataStoreOptions } from "./metadata-store.ts";
import { MetadataStore } from "./metadata-store.ts";

const JOURNAL_0 = "journal-00000000000000000000.log";

async function openStore(
  t: TestContext,
  dir: string,
  options?: MetadataStoreOptions,
): Promise<MetadataStore> {
  const store = await MetadataStore.open(dir, options);
  closeBeforeRemoval(t, () => store.close());
  return store;
}

/**
 * Writes a, b and c (one journal entry each, `entryBytes` long) to a store in `dir`, closes it and
 * flips a bit inside the text of entry `index`. Returns the journal's path and its damaged bytes.
 */
async function damagedEntry(dir: string, index: number) {
  const store = await MetadataStore.open(dir);
  for (const key of ["a", "b", "c"]) await store.put(key, key);
  await store.close();
  const path = join(dir, JOURNAL_0);
  const entryBytes = 12 + '["a","a"]'.length;
  const bytes = await readFile(path);
  bytes[index * entryBytes + 14] ^= 0x01;
  await writeFile(path, bytes);
  return { path, entryBytes, bytes };
}

const isCode = (code: string) => (e: unknown) => e instanceof StorageError && e.code === code;

const sampleValues: Record<string, unknown> = {
  "topics/default/orders": { dispatchStrategy: 1, createdAt: 1700000000000n, schema: { subject: "orders" } },
  "broker/id": 18446744073709551615n,
  "schemas/orders/1": { definition: new Uint8Array([0, 1, 2, 255]), version: 1n },
  "misc/string": "hello",
  "misc/number": 3.5,
  "misc/null": null,
  "misc/list": [1n, -2n, "x", false],
  "misc/tag-lookalike": { $bigint: "not a bigint" },
};

test("values round-trip, including bigint and bytes, in memory and after reopen", async (t) => {
  const dir = await tempDir(t);
  const store = await MetadataStore.open(dir);
  await Promise.all(Object.entries(sampleValues).map(([key, value]) => store.put(key, value)));
  for (const [key, value] of Object.entries(sampleValues)) assert.deepEqual(store.get(key), value);
  assert.equal(store.get("missing"), undefined);
  await store.close();

  const reopened = await openStore(t, dir);
  assert.equal(reopened.recovery.keys, Object.keys(sampleValues).length);
  assert.equal(reopened.recovery.truncatedBytes, 0);
  for (const [key, value] of Object.entries(sampleValues)) assert.deepEqual(reopened.get(key), value);
});

test("a put is visible immediately, before it is durable", async (t) => {
  const store = await openStore(t, await tempDir(t));
  const written = store.put("k", { v: 1n });
  assert.deepEqual(store.get("k"), { v: 1n });
  const deleted = store.delete("k");
  assert.equal(store.get("k"), undefined);
  await Promise.all([written, deleted]);
});

test("stored values are copies and frozen", async (t) => {
  const store = await openStore(t, await tempDir(t));
  const value = { cursor: 1n, nested: { a: 1 } };
  await store.put("s", value);
  value.nested.a = 2;
  const stored = store.get<typeof value>("s")!;
  assert.deepEqual(stored, { cursor: 1n, nested: { a: 1 } });
  assert.throws(() => {
    stored.cursor = 5n;
  }, TypeError);
});

test("overwrites, delete and deletePrefix persist across reopen", async (t) => {
  const dir = await tempDir(t);
  const store = await MetadataStore.open(dir);
  for (const key of ["a/1", "a/2", "ab/1", "b/1", "b/2"]) await store.put(key, key);
  await store.put("b/1", "updated");
  await store.delete("b/2");
  await store.delete("never-existed");
  await store.deletePrefix("a/");
  assert.deepEqual(store.list(""), [
    ["ab/1", "ab/1"],
    ["b/1", "updated"],
  ]);
  await store.close();
  const reopened = await openStore(t, dir);
  assert.equal(reopened.recovery.journalEntries, 9);
  assert.deepEqual(reopened.list(""), [
    ["ab/1", "ab/1"],
    ["b/1", "updated"],
  ]);
});

test("list() filters by prefix and sorts by key", async (t) => {
  const store = await openStore(t, await tempDir(t));
  const keys = ["t/zeta", "t/alpha", "u/x", "t/Beta", "t/alpha/sub", "t", "tt/a"];
  await Promise.all(keys.map((key, i) => store.put(key, i)));
  assert.deepEqual(
    store.list("t/").map(([key]) => key),
    ["t/Beta", "t/alpha", "t/alpha/sub", "t/zeta"],
  );
  assert.deepEqual(store.list<number>("u/"), [["u/x", 2]]);
  assert.deepEqual(store.list("nothing/"), []);
  assert.equal(store.list("").length, keys.length);
});

test("concurrent writes are group-committed", async (t) => {
  const dir = await tempDir(t);
  const store = await MetadataStore.open(dir);
  await Promise.all(Array.from({ length: 500 }, (_, i) => store.put(`k/${i}`, { i: BigInt(i) })));
  assert.ok(store.stats.commits <= 5, `commits: ${store.stats.commits}`);
  await store.close();
  const reopened = await openStore(t, dir);
  assert.equal(reopened.list("k/").length, 500);
  assert.deepEqual(reopened.get("k/499"), { i: 499n });
});

test("compaction keeps every key and value", async (t) => {
  const dir = await tempDir(t);
  const store = await MetadataStore.open(dir, { compactionBytes: 512 });
  const expected = new Map<string, unknown>();
  for (let i = 0; i < 200; i++) {
    const key = `sub/${i % 40}`;
    const value = { cursor: BigInt(i), tag: new Uint8Array([i & 0xff]) };
    expected.set(key, value);
    await store.put(key, value);
    if (i % 17 === 0) {
      await store.delete(`sub/${(i + 5) % 40}`);
      expected.delete(`sub/${(i + 5) % 40}`);
    }
  }
  // A concurrent burst that straddles compactions.
  await Promise.all(
    Array.from({ length: 100 }, (_, i) => {
      expected.set(`burst/${i}`, i);
      return store.put(`burst/${i}`, i);
    }),
  );
  assert.ok(store.stats.compactions >= 3, `compactions: ${store.stats.compactions}`);
  const files = await readdir(dir);
  assert.ok(files.includes("metadata.snapshot"));
  assert.equal(files.filter((f) => f.startsWith("journal-")).length, 1, files.join(","));
  assert.ok(!files.includes(JOURNAL_0), "the generation-0 journal was replaced");
  await store.close();

  const reopened = await openStore(t, dir, { compactionBytes: 512 });
  assert.deepEqual(new Map(reopened.list("")), expected);
  await reopened.put("after", 1n);
  assert.equal(reopened.get("after"), 1n);
});

test("a torn journal tail is truncated; earlier entries survive", async (t) => {
  const dir = await tempDir(t);
  const store = await MetadataStore.open(dir);
  await store.put("one", 1);
  await store.put("two", 2);
  await store.put("three", 3);
  await store.close();
  const path = join(dir, JOURNAL_0);
  const size = (await stat(path)).size;
  await truncate(path, size - 3);

  const reopened = await MetadataStore.open(dir);
  assert.deepEqual(reopened.list(""), [
    ["one", 1],
    ["two", 2],
  ]);
  assert.match(reopened.recovery.reason ?? "", /short payload/);
  const lastEntryBytes = 12 + '["three",3]'.length;
  assert.equal(reopened.recovery.truncatedBytes, lastEntryBytes - 3);
  assert.equal((await stat(path)).size, size - lastEntryBytes);
  await reopened.put("four", 4);
  await reopened.close();

  const again = await openStore(t, dir);
  assert.equal(again.recovery.truncatedBytes, 0);
  assert.deepEqual(
    again.list("").map(([key]) => key),
    ["four", "one", "two"],
  );
});

test("a damaged entry followed by valid ones: the store refuses to open, naming file and byte; repair keeps the rest", async (t) => {
  const dir = await tempDir(t);
  const { path, entryBytes, bytes } = await damagedEntry(dir, 1);
  await assert.rejects(MetadataStore.open(dir), (e: unknown) => {
    assert.ok(isCode("CORRUPT")(e));
    const message = (e as Error).message;
    assert.ok(message.includes(path), message);
    assert.match(
      message,
      new RegExp(`damaged at byte ${entryBytes} \\(CRC mismatch\\) and valid entries follow`),
    );
    assert.match(message, /--repair-metadata/);
    return true;
  });
  assert.deepEqual(await readFile(path), bytes, "a refused open changes nothing");

  const repaired = await openStore(t, dir, { repair: true });
  assert.deepEqual(repaired.list(""), [
    ["a", "a"],
    ["c", "c"],
  ]);
  assert.deepEqual(
    repaired.recovery.skipped.map((s) => [s.start, s.end]),
    [[entryBytes, 2 * entryBytes]],
  );
  assert.equal(repaired.recovery.quarantined.length, 1);
  assert.deepEqual(await readFile(join(dir, repaired.recovery.quarantined[0]!)), bytes);
  await repaired.put("d", "d");
  await repaired.close();
  const again = await openStore(t, dir);
  assert.equal(again.recovery.reason, undefined, "the repair left a clean store");
  assert.deepEqual(
    again.list("").map(([k]) => k),
    ["a", "c", "d"],
  );
});

test("a damaged last entry is a torn tail: cut, reported and kept in quarantine", async (t) => {
  const dir = await tempDir(t);
  const { entryBytes, bytes } = await damagedEntry(dir, 2);
  const reopened = await openStore(t, dir);
  assert.deepEqual(
    reopened.list("").map(([k]) => k),
    ["a", "b"],
  );
  assert.match(reopened.recovery.reason ?? "", /byte 42: CRC mismatch \(torn tail cut\)/);
  assert.equal(reopened.recovery.truncatedBytes, entryBytes);
  assert.deepEqual(await readFile(join(dir, reopened.recovery.quarantined[0]!)), bytes);
});

test("a journal ahead of a missing snapshot is never deleted: the store refuses to open; repair replays it", async (t) => {
  const dir = await tempDir(t);
  const store = await MetadataStore.open(dir, { compactionBytes: 64 });
  for (let i = 0; i < 10; i++) await store.put(`k${i}`, "x".repeat(20));
  assert.ok(store.stats.compactions > 0);
  await store.put("last", 1);
  await store.close();
  const journal = (await readdir(dir)).find((n) => n.startsWith("journal-"))!;
  const size = (await stat(join(dir, journal))).size;
  assert.ok(size > 0);
  await rm(join(dir, "metadata.snapshot"));
  await assert.rejects(MetadataStore.open(dir), (e: unknown) => {
    assert.ok(isCode("CORRUPT")(e));
    assert.match((e as Error).message, /is ahead of the snapshot \(missing\)/);
    assert.match((e as Error).message, new RegExp(journal));
    return true;
  });
  assert.equal((await stat(join(dir, journal))).size, size, "the journal is kept");
  const repaired = await openStore(t, dir, { repair: true });
  assert.equal(repaired.get("last"), 1, "the journal's entries are replayed");
});

test("leftovers of an interrupted compaction are ignored", async (t) => {
  const dir = await tempDir(t);
  const store = await MetadataStore.open(dir);
  await store.put("kept", true);
  await store.close();
  await writeFile(join(dir, "metadata.snapshot.tmp"), "half-written");
  await writeFile(join(dir, "journal-00000000000000000001.log"), ""); // created before the rename
  const reopened = await openStore(t, dir);
  assert.deepEqual(reopened.list(""), [["kept", true]]);
  assert.deepEqual((await readdir(dir)).sort(), [JOURNAL_0]);
});

test("a failed write (disk full) is undone in memory and the store recovers by itself", async (t) => {
  const dir = await tempDir(t);
  let full = false;
  const write: MetadataStoreOptions["write"] = async (handle, bytes, length, position) => {
    if (full) {
      await handle.write(bytes, 0, Math.min(5, length), position); // a partial write, then ENOSPC
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    }
    const { writeFully } = await import("./fs-sync.ts");
    return writeFully(handle, bytes, length, position);
  };
  const store = await openStore(t, dir, { write });
  await store.put("a", 1);
  await store.put("gone", 1);
  full = true;
  const failed = [store.put("a", 2), store.put("b", 1), store.delete("gone"), store.deletePrefix("")];
  const results = await Promise.allSettled(failed);
  assert.deepEqual(
    results.map((r) => r.status),
    ["rejected", "rejected", "rejected", "rejected"],
  );
  assert.match(String((results[0] as PromiseRejectedResult).reason), /ENOSPC/);
  assert.equal(store.get("a"), 1, "the failed put is undone");
  assert.equal(store.get("b"), undefined);
  assert.equal(store.get("gone"), 1, "the failed delete is undone");
  assert.equal(store.stats.failedWrites, 1);
  full = false;
  await store.put("c", 3); // no restart needed
  await store.close();
  const reopened = await openStore(t, dir);
  assert.equal(reopened.recovery.reason, undefined, "the partial bytes were cut");
  assert.deepEqual(reopened.list(""), [
    ["a", 1],
    ["c", 3],
    ["gone", 1],
  ]);
});

test("writes after close reject; invalid values reject without changing anything", async (t) => {
  const dir = await tempDir(t);
  const store = await MetadataStore.open(dir);
  await assert.rejects(store.put("u", undefined), isCode("INVALID_ARGUMENT"));
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  await assert.rejects(store.put("c", cycle), isCode("INVALID_ARGUMENT"));
  assert.equal(store.get("u"), undefined);
  assert.equal(store.get("c"), undefined);
  await store.put("k", 1);
  await store.close();
  await assert.rejects(store.put("k", 2), isCode("CLOSED"));
  await assert.rejects(store.delete("k"), isCode("CLOSED"));
  await assert.rejects(store.deletePrefix(""), isCode("CLOSED"));
  assert.equal(store.get("k"), 1, "reads keep working after close");
  const reopened = await openStore(t, dir);
  assert.deepEqual(reopened.list(""), [["k", 1]]);
});

test("a failed journal write rejects the batch and the store fails closed", async (t) => {
  const store = await openStore(t, await tempDir(t));
  await store.put("durable", 1);
  await (store as unknown as { journal: { close(): Promise<void> } }).journal.close();
  const batch = [store.put("lost", 2), store.delete("durable")];
  for (const p of batch) await assert.rejects(p, isCode("IO"));
  await assert.rejects(store.put("after", 3), isCode("FAILED"));
});

test("keys with any characters survive put and delete across reopen", async (t) => {
  const dir = await tempDir(t);
  const keys = ["ünïcødé/🙂", "line\nbreak", 'quote"and\\slash', "lone\ud800surrogate", ""];
  const store = await MetadataStore.open(dir);
  for (const key of keys) await store.put(key, key);
  await store.delete("lone\ud800surrogate");
  await store.deletePrefix("line\n");
  await store.close();
  const reopened = await openStore(t, dir);
  assert.deepEqual(
    reopened.list("").map(([key]) => key),
    ["", 'quote"and\\slash', "ünïcødé/🙂"],
  );
  assert.equal(reopened.get("ünïcødé/🙂"), "ünïcødé/🙂");
});
