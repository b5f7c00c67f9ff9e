import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { TopicLog } from "../storage/index.ts";
import { ReadAhead } from "./read-ahead.ts";

test("records handed out but not taken are served again from the buffer, not read again", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "read-ahead-"));
  const log = await TopicLog.open({ dir });
  t.after(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 10; i++) await log.append(new Uint8Array([i]));
  let reads = 0;
  const read = log.read.bind(log);
  log.read = (...args: Parameters<TopicLog["read"]>) => {
    reads++;
    return read(...args);
  };
  const ahead = new ReadAhead(log);
  const offsets = (records: { offset: bigint }[]) => records.map((r) => Number(r.offset));

  assert.deepEqual(offsets(await ahead.next(0n, 5, 1 << 20, true)), [0, 1, 2, 3, 4]);
  ahead.advance(3n); // the window had room for three of them
  assert.deepEqual(offsets(await ahead.next(3n, 5, 1 << 20, true)), [3, 4, 5, 6, 7]);
  ahead.advance(8n);
  assert.deepEqual(offsets(await ahead.next(8n, 5, 1 << 20, true)), [8, 9]);
  assert.equal(reads, 1, "one log read served all three");
  ahead.advance(10n);
  assert.deepEqual(await ahead.next(10n, 5, 1 << 20, true), []);
  assert.equal(reads, 2, "a spent buffer is read again");
});
