import assert from "node:assert/strict";
import { test } from "node:test";
import { danube } from "@danube-ts/protocol";
import type { TopicLog } from "../storage/index.ts";
import { type ConsumerEvents, ConsumerHandle } from "./consumer.ts";
import { MemoryBudget } from "./memory-budget.ts";
import { ReliableDispatcher } from "./reliable-dispatcher.ts";
import { Subscription } from "./subscription.ts";
import { defaultFailurePolicy, type MessageSink, type StreamMessage, SubscriptionType } from "./types.ts";

const KiB = 1024;
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const events: ConsumerEvents = { onActive() {}, onInactive() {} };

/** An in-memory log with the read contract of TopicLog (maxBytes, first record always returned). */
function memoryLog(count: number, size: number): TopicLog {
  const records = Array.from({ length: count }, (_, i) => ({
    offset: BigInt(i),
    payload: danube.StreamMessage.encode(
      danube.StreamMessage.fromPartial({ payload: new Uint8Array(size), msgId: { producerId: 1n } }),
    ).finish(),
  }));
  const log = {
    committedOffset: BigInt(count),
    onCommit: () => () => {},
    read: async (from: bigint, maxRecords: number, maxBytes = Number.POSITIVE_INFINITY) => {
      const out = [];
      let bytes = 0;
      for (const record of records.slice(Number(from))) {
        if (out.length >= maxRecords || (out.length > 0 && bytes + record.payload.length > maxBytes)) break;
        out.push(record);
        bytes += record.payload.length;
      }
      return out;
    },
  };
  return log as unknown as TopicLog;
}

function subscriptionWithReader(name: string) {
  const received: StreamMessage[] = [];
  const subscription = new Subscription("/default/t", name, SubscriptionType.Shared);
  const consumer = new ConsumerHandle(1n, "c", name, "/default/t", [], events, {
    maxMessages: Number.MAX_SAFE_INTEGER,
    maxBytes: Number.MAX_SAFE_INTEGER,
    budget: undefined,
  });
  const sink: MessageSink = { write: (m) => received.push(m) > 0, onDrain() {}, end() {}, abort() {} };
  consumer.attach(sink);
  subscription.consumers.push(consumer);
  return { subscription, received };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

test("reliable windows stop at the subscription's and the broker's byte budgets, and deliver all after acks", async (t) => {
  const size = 64 * KiB;
  const log = memoryLog(100, size);
  const budget = new MemoryBudget(1024 * KiB); // room for about 15 messages across subscriptions
  const open = (name: string, maxWindowBytes: number) => {
    const { subscription, received } = subscriptionWithReader(name);
    const dispatcher = new ReliableDispatcher({
      subscription,
      log,
      cursor: 0n,
      maxUnacked: 10_000,
      policy: defaultFailurePolicy,
      onCursor() {},
      deadLetter: async () => {},
      logger: silent,
      maxWindowBytes,
      budget,
    });
    subscription.dispatcher = dispatcher;
    t.after(() => dispatcher.close());
    return { dispatcher, received };
  };
  const a = open("a", 640 * KiB); // its own budget binds first: about 9 messages
  a.dispatcher.wake();
  await settle();
  assert.ok(a.received.length >= 5 && a.received.length < 10, `${a.received.length} in a's window`);
  const b = open("b", 10 * 1024 * KiB); // only the broker-wide budget limits b
  b.dispatcher.wake();
  await settle();
  assert.ok(b.received.length >= 1, "an empty window always takes one message");
  assert.ok(a.received.length + b.received.length < 17, `${a.received.length} + ${b.received.length} held`);
  assert.ok(budget.usedBytes <= budget.limit, `${budget.usedBytes} of ${budget.limit} bytes`);
  assert.ok(budget.stats().reliableWindowsDeferred > 0);

  // Acking everything as it arrives lets both subscriptions read the whole log, in order.
  for (const { dispatcher, received } of [a, b]) {
    for (let i = 0; i < 200 && received.length < 100; i++) {
      for (const m of received) dispatcher.ack(m.msgId!.topicOffset);
      dispatcher.wake();
      await settle();
    }
    for (const m of received) dispatcher.ack(m.msgId!.topicOffset);
    assert.deepEqual(
      [...new Set(received.map((m) => Number(m.msgId!.topicOffset)))],
      Array.from({ length: 100 }, (_, i) => i),
    );
  }
  assert.ok(budget.stats().peakBufferedBytes <= budget.limit);
  assert.equal(budget.usedBytes, 0);
});
