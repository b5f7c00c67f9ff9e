import assert from "node:assert/strict";
import { test } from "node:test";
import { danube } from "@danube-ts/protocol";
import { type ConsumerEvents, ConsumerHandle } from "./consumer.ts";
import { MemoryBudget, messageBytes } from "./memory-budget.ts";
import { NonReliableDispatcher } from "./non-reliable-dispatcher.ts";
import { Subscription } from "./subscription.ts";
import { type MessageSink, SubscriptionType } from "./types.ts";

const KiB = 1024;
const message = (size: number) => danube.StreamMessage.fromPartial({ payload: new Uint8Array(size) });
const events: ConsumerEvents = { onActive() {}, onInactive() {} };
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A transport that takes `accept` writes and then holds every later one until `drain()`. */
function stuckSink(accept: number) {
  const pending: Array<() => void> = [];
  let written = 0;
  const sink: MessageSink = {
    write: (_m, done) => {
      written++;
      if (done) pending.push(done);
      return written <= accept;
    },
    onDrain() {},
    end() {},
    abort() {},
  };
  const flushTransport = () => {
    for (const done of pending.splice(0)) done();
  };
  return { sink, flushTransport };
}

function setup(
  limits: { consumerBytes: number; subscriptionBytes: number; brokerBytes: number },
  consumers = 1,
) {
  const budget = new MemoryBudget(limits.brokerBytes);
  const subscription = new Subscription("/default/t", "s", SubscriptionType.Shared);
  const dispatcher = new NonReliableDispatcher(subscription, silent, {
    subscriptionBytes: limits.subscriptionBytes,
    budget,
  });
  subscription.dispatcher = dispatcher;
  const handles = Array.from({ length: consumers }, (_, i) => {
    const consumer = new ConsumerHandle(BigInt(i + 1), `c${i}`, "s", "/default/t", [], events, {
      maxMessages: 10_000,
      maxBytes: limits.consumerBytes,
      budget,
    });
    subscription.consumers.push(consumer);
    return consumer;
  });
  return { budget, dispatcher, handles };
}

test("a consumer's bytes (queued and in the transport) stop at its budget; the rest is dropped and counted", () => {
  const size = 64 * KiB;
  const each = messageBytes(message(size));
  const { budget, dispatcher, handles } = setup({
    consumerBytes: 10 * each,
    subscriptionBytes: 100 * each,
    brokerBytes: 1000 * each,
  });
  const consumer = handles[0]!;
  const transport = stuckSink(3);
  consumer.attach(transport.sink);
  for (let i = 0; i < 100; i++) dispatcher.dispatch(message(size));
  assert.equal(consumer.bufferedBytes, 10 * each);
  assert.equal(budget.usedBytes, 10 * each);
  assert.equal(dispatcher.dropped, 90);
  assert.equal(budget.stats().nonReliableDroppedMessages, 90);
  assert.equal(budget.stats().nonReliableDroppedBytes, 90 * each);
  // What the transport has sent is released; the consumer takes more again.
  transport.flushTransport();
  assert.ok(consumer.bufferedBytes < 10 * each);
  dispatcher.dispatch(message(size));
  assert.equal(dispatcher.dropped, 90);
  // A consumer that goes away gives everything back.
  consumer.deactivate();
  assert.equal(budget.usedBytes, 0);
});

test("the subscription budget caps its consumers together, the broker budget caps everything", () => {
  const each = messageBytes(message(KiB));
  const bySubscription = setup(
    { consumerBytes: 10 * each, subscriptionBytes: 15 * each, brokerBytes: 1000 * each },
    2,
  );
  for (const c of bySubscription.handles) c.attach(stuckSink(0).sink);
  for (let i = 0; i < 40; i++) bySubscription.dispatcher.dispatch(message(KiB));
  assert.equal(bySubscription.budget.usedBytes, 15 * each);
  assert.equal(bySubscription.dispatcher.dropped, 25);

  const byBroker = setup(
    { consumerBytes: 10 * each, subscriptionBytes: 100 * each, brokerBytes: 12 * each },
    2,
  );
  for (const c of byBroker.handles) c.attach(stuckSink(0).sink);
  for (let i = 0; i < 40; i++) byBroker.dispatcher.dispatch(message(KiB));
  assert.equal(byBroker.budget.usedBytes, 12 * each);
  assert.equal(byBroker.budget.stats().peakBufferedBytes, 12 * each);
  assert.equal(byBroker.dispatcher.dropped, 28);
});
