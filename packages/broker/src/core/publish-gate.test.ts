import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BrokerError } from "../errors.ts";
import { PublishGate } from "./publish-gate.ts";

const deferred = () => {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe("PublishGate", () => {
  it("appends in arrival order although the waits end in reverse order; a refused one releases the next", async () => {
    const gate = new PublishGate();
    const order: number[] = [];
    const waits = [deferred(), deferred(), deferred(), deferred()];
    const results = waits.map((w, i) =>
      gate.pass(1, w.promise, async () => {
        order.push(i);
      }),
    );
    // Arrives while others wait: queued behind them although it needs no wait itself.
    results.push(gate.pass(1, undefined, async () => void order.push(4)));
    assert.equal(gate.idle, false);
    waits[3]!.resolve();
    waits[2]!.resolve();
    waits[1]!.reject(new BrokerError(7, "invalid"));
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(order, [], "nothing starts before the first");
    waits[0]!.resolve();
    const settled = await Promise.allSettled(results);
    assert.deepEqual(order, [0, 2, 3, 4]);
    assert.deepEqual(
      settled.map((s) => s.status),
      ["fulfilled", "rejected", "fulfilled", "fulfilled", "fulfilled"],
    );
    assert.equal(gate.idle, true);
  });

  it("refuses past its byte bound, and keeps refusing until it is empty", async () => {
    const gate = new PublishGate(100);
    const first = deferred();
    const held = gate.pass(60, first.promise, async () => {});
    await assert.rejects(
      gate.pass(50, undefined, async () => {}),
      /bytes already wait/,
    );
    // Small enough to fit, but a refused send before it must be resent first: refused too.
    await assert.rejects(
      gate.pass(1, undefined, async () => {}),
      /bytes already wait/,
    );
    first.resolve();
    await held;
    assert.equal(gate.idle, true);
    await gate.pass(50, undefined, async () => {});
  });

  it("an append that throws synchronously still releases the gate", async () => {
    const gate = new PublishGate();
    await assert.rejects(
      gate.pass(1, Promise.resolve(), () => {
        throw new Error("closed");
      }),
      /closed/,
    );
    assert.equal(gate.idle, true);
  });
});
