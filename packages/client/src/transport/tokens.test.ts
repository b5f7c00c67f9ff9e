import assert from "node:assert/strict";
import { test } from "node:test";
import { DanubeError, ErrorCode } from "../errors.ts";
import { jwtExpiryMs, TokenSource } from "./tokens.ts";

/** An unsigned JWT-shaped token with the given payload (the client never verifies signatures). */
function jwt(payload: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part(payload)}.c2ln`;
}

test("jwtExpiryMs reads exp without verifying", () => {
  assert.equal(jwtExpiryMs(jwt({ sub: "a", exp: 1_700_000_000 })), 1_700_000_000_000);
  assert.equal(jwtExpiryMs(jwt({ sub: "a" })), undefined);
  assert.equal(jwtExpiryMs(jwt({ exp: "soon" })), undefined);
  assert.equal(jwtExpiryMs("opaque-api-key"), undefined);
  assert.equal(jwtExpiryMs("a.%%%.c"), undefined);
  assert.equal(jwtExpiryMs(`x.${Buffer.from("[1]").toString("base64url")}.y`), undefined);
});

test("a supplier token is cached and refreshed 30 s before exp", async () => {
  let now = 1_000_000_000_000;
  let n = 0;
  const source = new TokenSource(() => jwt({ n: ++n, exp: now / 1000 + 3600 }), { now: () => now });
  const first = await source.get();
  assert.equal(await source.get(), first);
  assert.equal(source.supplierCalls, 1);
  now += 3600_000 - 30_001; // just before the refresh point
  assert.equal(await source.get(), first);
  assert.equal(source.supplierCalls, 1);
  now += 2; // inside the last 30 s
  const second = await source.get();
  assert.notEqual(second, first);
  assert.equal(source.supplierCalls, 2);
});

test("a short-lived token is refreshed at half its life; concurrent calls share one supplier call", async () => {
  let now = 5_000_000;
  let calls = 0;
  const source = new TokenSource(
    async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return jwt({ c: calls, exp: (now + 20_000) / 1000 });
    },
    { now: () => now },
  );
  const tokens = await Promise.all([source.get(), source.get(), source.get()]);
  assert.equal(new Set(tokens).size, 1);
  assert.equal(calls, 1);
  now += 9_999;
  await source.get();
  assert.equal(calls, 1);
  now += 2;
  await source.get();
  assert.equal(calls, 2);
});

test("a token without exp is reused for opaqueTokenTtlMs; a static token forever", async () => {
  let now = 0;
  let calls = 0;
  const source = new TokenSource(() => `opaque-${++calls}`, { now: () => now, opaqueTokenTtlMs: 1000 });
  assert.equal(await source.get(), "opaque-1");
  now = 999;
  assert.equal(await source.get(), "opaque-1");
  now = 1000;
  assert.equal(await source.get(), "opaque-2");
  const fixed = TokenSource.fixed("static");
  assert.equal(await fixed.get(), "static");
  assert.equal(await fixed.get(), "static");
  assert.equal(fixed.supplierCalls, 1);
});

test("invalidate forces a new supplier call, once per refused token", async () => {
  let calls = 0;
  const source = new TokenSource(() => `t${++calls}`);
  const t1 = await source.get();
  assert.equal(source.invalidate(t1), true);
  const t2 = await source.get();
  assert.equal(t2, "t2");
  // A second call refused with the old token does not throw away the new one.
  assert.equal(source.invalidate(t1), false);
  assert.equal(await source.get(), "t2");
  assert.equal(calls, 2);
});

test("supplier failures are UNAUTHENTICATED DanubeErrors with the cause; a valid cached token survives", async () => {
  let now = 0;
  let fail = false;
  const cause = new Error("vault is down");
  const source = new TokenSource(
    () => {
      if (fail) throw cause;
      return jwt({ exp: (now + 100_000) / 1000 });
    },
    { now: () => now },
  );
  const token = await source.get();
  fail = true;
  now = 80_000; // refresh due, the token is still valid: keep it
  assert.equal(await source.get(), token);
  now = 100_000; // expired: the failure surfaces
  await assert.rejects(source.get(), (e: unknown) => {
    assert.ok(e instanceof DanubeError);
    assert.equal(e.code, ErrorCode.UNAUTHENTICATED);
    assert.match(e.message, /token supplier failed: vault is down/);
    assert.equal(e.cause, cause);
    return true;
  });
});

test("a supplier that hangs or returns garbage fails in time", async () => {
  const hanging = new TokenSource(() => new Promise<string>(() => {}), { supplierTimeoutMs: 50 });
  const started = Date.now();
  await assert.rejects(hanging.get(), /no token within 50 ms/);
  assert.ok(Date.now() - started < 2000);
  const garbage = new TokenSource(() => 42 as unknown as string);
  await assert.rejects(
    garbage.get(),
    (e: unknown) => e instanceof DanubeError && /single-line/.test(e.message),
  );
  const injection = new TokenSource(() => "a\r\nx-evil: 1");
  await assert.rejects(injection.get(), /single-line/);
});
