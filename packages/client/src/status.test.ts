import assert from "node:assert/strict";
import { test } from "node:test";
import { type ClientStatus, StatusHub, statusBufferSize } from "./status.ts";

const closed = (n: number): ClientStatus => ({
  type: "closed",
  source: "producer",
  topic: `/d/${n}`,
  name: "p",
});

test("status iterators: per owner filtering, end after the owner ends, bounded buffers", async () => {
  const hub = new StatusHub();
  const owner = {};
  const other = {};
  const all = hub.iterate();
  const mine = hub.iterate(owner);
  hub.emit(closed(1), [owner]);
  hub.emit(closed(2), [other]);
  hub.end(owner);
  assert.deepEqual(await mine.next(), { value: closed(1), done: false });
  assert.equal((await mine.next()).done, true, "ended with its owner");
  assert.equal((await hub.iterate(owner).next()).done, true, "an ended owner yields nothing");
  assert.deepEqual(await all.next(), { value: closed(1), done: false });
  assert.deepEqual(await all.next(), { value: closed(2), done: false });
  for (let i = 0; i < statusBufferSize + 10; i++) hub.emit(closed(i));
  assert.deepEqual(await all.next(), { value: closed(10), done: false }, "oldest dropped");
  await all.return?.();
  assert.equal((await all.next()).done, true);
  const waiting = hub.iterate().next();
  hub.close();
  assert.equal((await waiting).done, true);
});
