import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { test } from "node:test";
import { type CallContext, createCallContext } from "./call-context.ts";
import { ChannelName, type RetryMessage } from "./diagnostics/channels.ts";
import { DanubeError, ErrorCode } from "./errors.ts";
import { backoffDelay, type RetryPolicy, withRetry } from "./retry.ts";

const policy: RetryPolicy = { maxRetries: 5, baseDelayMs: 200, maxDelayMs: 5000 };
const fast: RetryPolicy = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 2 };
const ctx = (timeoutMs = 10_000, signal?: AbortSignal): CallContext =>
  createCallContext("op", { timeoutMs, signal }, 30_000, undefined);

test("backoff is linear, capped, and jittered into [50%, 100%]", () => {
  for (let attempt = 0; attempt < 40; attempt++) {
    const ceiling = Math.min(200 * (attempt + 1), 5000);
    assert.equal(
      backoffDelay(attempt, policy, () => 0),
      ceiling / 2,
    );
    assert.equal(
      backoffDelay(attempt, policy, () => 1),
      ceiling,
    );
    for (let i = 0; i < 20; i++) {
      const d = backoffDelay(attempt, policy);
      assert.ok(d >= ceiling / 2 && d <= ceiling, `attempt ${attempt}: ${d}`);
    }
  }
  assert.equal(
    backoffDelay(100, policy, () => 1),
    5000,
  );
});

test("maxRetries 0 makes exactly one attempt", async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(ctx(), { ...fast, maxRetries: 0 }, async () => {
      calls++;
      throw new DanubeError(ErrorCode.UNAVAILABLE, "down");
    }),
    (e: unknown) => e instanceof DanubeError && e.code === ErrorCode.UNAVAILABLE,
  );
  assert.equal(calls, 1);
});

test("retryable errors are retried maxRetries times", async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(ctx(), fast, async () => {
      calls++;
      throw new DanubeError(ErrorCode.RESOURCE_EXHAUSTED, "busy");
    }),
    { code: ErrorCode.RESOURCE_EXHAUSTED },
  );
  assert.equal(calls, 4);
});

test("success after transient failures returns the value", async () => {
  let calls = 0;
  const value = await withRetry(ctx(), fast, async () => {
    if (++calls < 3) throw new DanubeError(ErrorCode.UNAVAILABLE, "down");
    return "ok";
  });
  assert.equal(value, "ok");
  assert.equal(calls, 3);
});

test("non-retryable errors surface at once with their code", async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(ctx(), fast, async () => {
      calls++;
      throw new DanubeError(ErrorCode.PERMISSION_DENIED, "no");
    }),
    { code: ErrorCode.PERMISSION_DENIED },
  );
  assert.equal(calls, 1);
});

test("a backoff that would pass the deadline gives DEADLINE_EXCEEDED with the last error as cause", async () => {
  const started = Date.now();
  await assert.rejects(
    withRetry(ctx(50), { maxRetries: 5, baseDelayMs: 1000, maxDelayMs: 1000 }, async () => {
      throw new DanubeError(ErrorCode.UNAVAILABLE, "down");
    }),
    (e: unknown) =>
      e instanceof DanubeError &&
      e.code === ErrorCode.DEADLINE_EXCEEDED &&
      e.cause instanceof DanubeError &&
      e.cause.code === ErrorCode.UNAVAILABLE,
  );
  assert.ok(Date.now() - started < 500);
});

test("an abort during backoff gives CANCELLED", async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(
    withRetry(
      ctx(10_000, controller.signal),
      { maxRetries: 5, baseDelayMs: 2000, maxDelayMs: 2000 },
      async () => {
        throw new DanubeError(ErrorCode.UNAVAILABLE, "down");
      },
    ),
    { code: ErrorCode.CANCELLED },
  );
});

test("an already aborted signal fails before the first attempt", async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(ctx(10_000, AbortSignal.abort()), fast, async () => {
      calls++;
    }),
    { code: ErrorCode.CANCELLED },
  );
  assert.equal(calls, 0);
});

test("without maxRetries the deadline alone ends retrying, naming the last error", async () => {
  let calls = 0;
  const started = Date.now();
  await assert.rejects(
    withRetry(ctx(300), { maxRetries: undefined, baseDelayMs: 1, maxDelayMs: 5 }, async () => {
      calls++;
      throw new DanubeError(ErrorCode.UNAVAILABLE, "still down");
    }),
    (e: unknown) =>
      e instanceof DanubeError && e.code === ErrorCode.DEADLINE_EXCEEDED && /still down/.test(e.message),
  );
  const elapsed = Date.now() - started;
  assert.ok(calls > 10, `kept retrying until the deadline (${calls} attempts)`);
  assert.ok(elapsed >= 250 && elapsed < 2000, `stopped at the deadline (${elapsed} ms)`);
});

test("onRetry hears each retry (attempt, backoff, error); without it the retry channel does", async () => {
  const heard: RetryMessage[] = [];
  const published: RetryMessage[] = [];
  const onMessage = (message: unknown) => published.push(message as RetryMessage);
  subscribe(ChannelName.retry, onMessage);
  try {
    let calls = 0;
    const fail = async () => {
      if (++calls % 3 !== 0) throw new DanubeError(ErrorCode.UNAVAILABLE, `down ${calls}`);
      return calls;
    };
    assert.equal(await withRetry(ctx(), fast, fail, { onRetry: (m) => heard.push(m), random: () => 1 }), 3);
    assert.deepEqual(
      heard.map(({ operation, attempt, delayMs, error }) => [
        operation,
        attempt,
        delayMs,
        (error as Error).message,
      ]),
      [
        ["op", 1, 1, "down 1"],
        ["op", 2, 2, "down 2"],
      ],
    );
    assert.equal(published.length, 0, "a hook given is the only one told (it publishes itself)");
    assert.equal(await withRetry(ctx(), fast, fail), 6);
    assert.deepEqual(
      published.map((m) => [m.attempt, (m.error as Error).message]),
      [
        [1, "down 4"],
        [2, "down 5"],
      ],
    );
  } finally {
    unsubscribe(ChannelName.retry, onMessage);
  }
});
