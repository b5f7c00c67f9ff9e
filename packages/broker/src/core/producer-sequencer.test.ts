import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { danube } from "@danube-ts/protocol";
import { BrokerError, Status } from "../errors.ts";
import { resolveBrokerOptions } from "../options.ts";
import { BrokerCore } from "./broker-core.ts";
import { ProducerSequencer } from "./producer-sequencer.ts";
import { DispatchStrategy } from "./types.ts";

const limits = { maxWaitMs: 200, maxHeldBytes: 1000 };
const never = () => () => {};

/** A sequencer whose runs record the start order; `fail` makes a run reject. */
function harness(fail: (id: bigint) => BrokerError | undefined = () => undefined) {
  const sequencer = new ProducerSequencer(limits);
  const started: number[] = [];
  const submit = (
    id: number,
    after: number | undefined,
    size = 10,
    onCancel: (l: () => void) => () => void = never,
  ) =>
    sequencer.submit(
      BigInt(id),
      { after: after === undefined ? undefined : BigInt(after) },
      size,
      onCancel,
      () => {
        started.push(id);
        const error = fail(BigInt(id));
        return error === undefined ? Promise.resolve() : Promise.reject(error);
      },
    );
  return { started, submit };
}

test("sends start in the order their predecessors name, whatever the arrival order", async () => {
  const { started, submit } = harness();
  const results = [submit(3, 2), submit(2, 1), submit(4, 3), submit(1, undefined)];
  await Promise.all(results);
  assert.deepEqual(started, [1, 2, 3, 4]);
});

test("a send whose predecessor already started goes at once", async () => {
  const { started, submit } = harness();
  await submit(1, undefined);
  await submit(5, 1);
  assert.deepEqual(started, [1, 5]);
});

test("a predecessor that never comes is skipped after maxWaitMs", async () => {
  const { started, submit } = harness();
  const t0 = Date.now();
  await submit(2, 1);
  const waited = Date.now() - t0;
  assert.ok(waited >= limits.maxWaitMs - 20 && waited < 2000, `waited ${waited} ms`);
  assert.deepEqual(started, [2]);
  // The late predecessor is stored (late) rather than waiting again or being dropped.
  await submit(1, undefined);
  assert.deepEqual(started, [2, 1]);
});

test("a waiting send cancelled by its caller is dropped and releases its successors", async () => {
  const { started, submit } = harness();
  let cancel: (() => void) | undefined;
  const two = submit(2, 1, 10, (listener) => {
    cancel = listener;
    return () => {};
  });
  const three = submit(3, 2);
  cancel?.();
  await assert.rejects(two, (e: unknown) => e instanceof BrokerError && e.code === Status.Unavailable);
  // 2 was given up, so everything up to 2 is past: 3 goes without waiting for 1.
  await three;
  assert.deepEqual(started, [3]);
  // Nothing waits any more: a send of the whole bound may wait (it would be refused if the
  // cancelled send's bytes were still counted); its predecessor never comes, so it starts later.
  await submit(10, 9, limits.maxHeldBytes);
  assert.deepEqual(started, [3, 10]);
});

test("a retryable failure fences later sends until the client restarts from it", async () => {
  let failing = true;
  const { started, submit } = harness((id) =>
    failing && id === 2n ? new BrokerError(Status.Unavailable, "disk full") : undefined,
  );
  const four = submit(4, 3); // waits for 3
  await submit(1, undefined);
  await assert.rejects(submit(2, 1), /disk full/);
  await assert.rejects(four, /request 2\) failed; resend/);
  await assert.rejects(submit(3, 2), /request 2\) failed; resend/);
  assert.deepEqual(started, [1, 2]);
  // The client resends from the failed one, alone first (it follows nothing in flight).
  failing = false;
  await submit(2, undefined);
  await Promise.all([submit(4, 3), submit(3, 2), submit(5, 4)]);
  assert.deepEqual(started, [1, 2, 2, 3, 4, 5]);
});

test("resent sends below the highest id started still wait for their predecessors", async () => {
  // 1..6 went out; 3 failed (retryable) after 4..6 had started and failed behind it (a failed
  // write rejects what queued behind it). The client resends 3..6 with their old request ids.
  let failing = true;
  const { started, submit } = harness((id) =>
    failing && id >= 3n ? new BrokerError(Status.Unavailable, "disk full") : undefined,
  );
  await submit(1, undefined);
  await submit(2, 1);
  await Promise.allSettled([submit(3, 2), submit(4, 3), submit(5, 4), submit(6, 5)]);
  failing = false;
  await submit(3, undefined);
  // The rest of the resent pipeline arrives out of order (HTTP/2 streams complete as they do).
  await Promise.all([submit(6, 5), submit(5, 4), submit(4, 3)]);
  assert.deepEqual(started.slice(-4), [3, 4, 5, 6], "the resent pipeline starts in its order");
});

test("a final failure does not fence", async () => {
  const { started, submit } = harness((id) =>
    id === 1n ? new BrokerError(Status.InvalidArgument, "bad schema") : undefined,
  );
  const two = submit(2, 1);
  await assert.rejects(submit(1, undefined), /bad schema/);
  await two;
  await submit(3, 2);
  assert.deepEqual(started, [1, 2, 3]);
});

test("held bytes are bounded: past the bound a send is refused (retryable) and fences", async () => {
  const { started, submit } = harness();
  const a = submit(3, 2, 600);
  const b = submit(4, 3, 600);
  await assert.rejects(b, /600 bytes already wait/);
  await submit(1, undefined);
  await submit(2, 1);
  await a;
  assert.deepEqual(started, [1, 2, 3]);
});

test("contract: BrokerCore.publish assigns the offset synchronously (the sequencer's order depends on it)", async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), "danube-seq-contract-"));
  const core = await BrokerCore.open(resolveBrokerOptions({ dataDir, logLevel: "error" }));
  t.after(async () => {
    await core.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const topicName = "/default/contract";
  const producer = await core.createProducer({
    topicName,
    producerName: "p",
    dispatchStrategy: DispatchStrategy.Reliable,
    accessMode: 0,
  });
  const log = core.lookup(topicName).log!;
  const before = log.nextOffset;
  const message = (i: number) =>
    danube.StreamMessage.fromPartial({
      requestId: BigInt(i),
      msgId: { producerId: producer.id, topicName, brokerAddr: "", topicOffset: 0n },
      payload: new Uint8Array([i]),
      producerName: "p",
    });
  const first = core.publish(message(1));
  assert.equal(log.nextOffset, before + 1n, "no await may come before the append in publish()");
  const second = core.publish(message(2));
  assert.equal(log.nextOffset, before + 2n);
  await Promise.all([first, second]);
});
