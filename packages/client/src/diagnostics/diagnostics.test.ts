// Unit checks of the observability plumbing: no work without listeners, the event order of a
// traced operation, option validation, and that failing loggers and instruments stay contained.
import assert from "node:assert/strict";
import { tracingChannel } from "node:diagnostics_channel";
import { test } from "node:test";
import { DeadlineQueue } from "../deadlines.ts";
import { createClient, DanubeError, ErrorCode } from "../index.ts";
import { PendingSend } from "../producer/pending-send.ts";
import { StatusHub, statusBufferSize } from "../status.ts";
import { type TracedContext, tracing } from "./channels.ts";
import { observeSend, traceSend } from "./hooks.ts";
import { clientLogger } from "./logger.ts";
import { createInstruments } from "./metrics.ts";
import { ClientObserver } from "./observer.ts";
import { traced } from "./trace.ts";

test("without subscribers and metrics, hooks hand back the operation's own promise", () => {
  const channel = tracingChannel<unknown, TracedContext>("danube-ts:test:idle");
  const promise = Promise.resolve(1);
  let built = 0;
  const context = () => {
    built++;
    return {};
  };
  assert.equal(
    traced(channel, context, () => promise),
    promise,
  );
  assert.equal(built, 0, "no context is built");

  assert.equal(tracing.send.hasSubscribers, false);
  const send = new PendingSend(
    0,
    7n,
    { payload: new Uint8Array(3), attributes: {}, key: undefined },
    undefined,
    undefined,
    Date.now() + 1000,
    new DeadlineQueue(),
    () => {},
  );
  const observer = new ClientObserver(undefined);
  assert.equal(observeSend(observer, { topic: "/d/t" }, send, performance.now()), send.promise);
  assert.equal(
    traceSend({ topic: "/d/t", name: "p" }, 7n, 3, () => send.promise),
    send.promise,
  );
  send.resolve({ requestId: 7n, topic: "/d/t", producerId: 1n });
});

test("a traced operation publishes start, end, then error/asyncStart/asyncEnd on one context", async (t) => {
  const channel = tracingChannel<unknown, TracedContext & { n: number; extra?: string }>(
    "danube-ts:test:order",
  );
  const seen: string[] = [];
  const handlers = {
    start: (c: object) => seen.push(`start:${JSON.stringify(c)}`),
    end: () => seen.push("end"),
    asyncStart: (c: { result?: unknown; extra?: string }) => seen.push(`asyncStart:${c.result}:${c.extra}`),
    asyncEnd: () => seen.push("asyncEnd"),
    error: (c: { error?: unknown }) => seen.push(`error:${(c.error as Error).message}`),
  };
  channel.subscribe(handlers);
  t.after(() => channel.unsubscribe(handlers));
  const onSettle = (c: { extra?: string }) => {
    c.extra = "x";
  };
  assert.equal(
    await traced(
      channel,
      () => ({ n: 1 }),
      async () => 42,
      onSettle,
    ),
    42,
  );
  await assert.rejects(
    traced(
      channel,
      () => ({ n: 2 }),
      () => Promise.reject(new Error("no")),
    ),
    /no/,
  );
  assert.throws(
    () =>
      traced(
        channel,
        () => ({ n: 3 }),
        () => {
          throw new Error("sync");
        },
      ),
    /sync/,
  );
  assert.deepEqual(seen, [
    'start:{"n":1}',
    "end",
    "asyncStart:42:x",
    "asyncEnd",
    'start:{"n":2}',
    "end",
    "error:no",
    "asyncStart:undefined:undefined",
    "asyncEnd",
    'start:{"n":3}',
    "error:sync",
    "end",
  ]);
});

test("metrics and logger options are validated when the client is created", () => {
  const invalid = (options: object, mentions: RegExp) =>
    assert.throws(
      () => createClient({ serviceUrl: "127.0.0.1:1", ...options }),
      (e: unknown) =>
        e instanceof DanubeError && e.code === ErrorCode.INVALID_ARGUMENT && mentions.test(e.message),
    );
  invalid({ metrics: {} }, /metrics/);
  invalid({ metrics: { counter() {}, histogram() {} } }, /metrics/);
  invalid({ logger: console.log }, /logger/);
  invalid({ logger: { info() {}, warn() {}, error() {} } }, /logger/);
  invalid({ logger: { ...console, trace() {}, child: 1 } }, /child/);
});

test("a throwing logger or instrument never breaks the client; a bad instrument is reported once", () => {
  const throwing = () => {
    throw new Error("broken");
  };
  const log = clientLogger({
    trace: throwing,
    debug: throwing,
    info: throwing,
    warn: throwing,
    error: throwing,
  });
  log.error({}, "nothing thrown");
  const reports: string[] = [];
  const instruments = createInstruments(
    {
      counter: () => ({ add: throwing }),
      histogram: () => ({ record: throwing }),
      gauge: () => ({ add: throwing }),
    },
    (_error, metric) => reports.push(metric),
  );
  instruments.acks.add(1, {});
  instruments.acks.add(1, {});
  instruments.sendLatency.record(0.1, {});
  assert.deepEqual(reports, ["danube_client_acks_total", "danube_client_send_latency_seconds"]);
});

test("status events reach the observer; an unread iterator's first drop is reported once", async () => {
  const heard: string[] = [];
  const hub = new StatusHub({
    status: (s) => heard.push(s.type),
    statusDropped: (s) => heard.push(`dropped:${s.type}`),
  });
  const iterator = hub.iterate();
  const event = { type: "reconnected", source: "producer", topic: "/d/t", name: "p", attempt: 1 } as const;
  for (let i = 0; i < statusBufferSize + 3; i++) hub.emit(event);
  assert.equal(heard.filter((h) => h === "reconnected").length, statusBufferSize + 3);
  assert.deepEqual(
    heard.filter((h) => h.startsWith("dropped")),
    ["dropped:reconnected"],
  );
  await iterator.return?.();
});
