// AckPipeline: at most `limit` acks in flight, drain waits for all, failures counted.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AckPipeline } from "./ack-pipeline.ts";

/** Messages whose acks settle when the test says so. */
function acks() {
  const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const msg = {
    ack: () =>
      new Promise<void>((resolve, reject) => {
        pending.push({ resolve, reject });
      }),
  };
  return { msg, pending };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test("ack() returns at once below the limit and waits at it until one settles", async () => {
  const { msg, pending } = acks();
  const p = new AckPipeline(3);
  await p.ack(msg);
  await p.ack(msg);
  let returned = false;
  const third = p.ack(msg).then(() => {
    returned = true;
  });
  await turn();
  assert.equal(p.inFlight, 3);
  assert.equal(returned, false, "at the limit ack() waits");
  pending[1]!.reject(new Error("gone"));
  await third;
  assert.equal(p.inFlight, 2);
  assert.equal(p.failures, 1);

  let drained = false;
  const draining = p.drain().then(() => {
    drained = true;
  });
  pending[0]!.resolve();
  await turn();
  assert.equal(drained, false, "drain waits for every ack");
  pending[2]!.resolve();
  await draining;
  assert.equal(p.inFlight, 0);
  await p.drain();
});

test("one caller at a time", async () => {
  const { msg, pending } = acks();
  const p = new AckPipeline(1);
  const waiting = p.ack(msg);
  assert.throws(() => p.ack(msg), /one caller at a time/);
  for (const a of pending) a.resolve();
  await waiting;
  await p.drain();
});
