import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { createToken, type DanubeClaims, JwtError, parseBearer, verifyToken } from "./jwt.ts";

const claims: DanubeClaims = {
  iss: "danube-auth",
  exp: 4_102_444_800, // 2100-01-01
  sub: "my-app",
  principal_type: "service_account",
  principal_name: "my-app",
};

test("tokens have upstream's header and claim order, and an HMAC-SHA256 signature openssl agrees with", () => {
  const token = createToken(claims, "your-secret-key");
  const [h, p, s] = token.split(".") as [string, string, string];
  assert.equal(Buffer.from(h, "base64url").toString(), '{"typ":"JWT","alg":"HS256"}');
  assert.equal(
    Buffer.from(p, "base64url").toString(),
    '{"iss":"danube-auth","exp":4102444800,"sub":"my-app","principal_type":"service_account","principal_name":"my-app"}',
  );
  const hex = execFileSync("openssl", ["dgst", "-sha256", "-hmac", "your-secret-key", "-hex"], {
    input: `${h}.${p}`,
  })
    .toString()
    .trim()
    .split(" ")
    .pop();
  assert.equal(Buffer.from(s, "base64url").toString("hex"), hex);
  assert.deepEqual(verifyToken(token, "your-secret-key", { issuer: "danube-auth" }), claims);
});

test("verification refuses what upstream refuses, plus wrong issuers and future iat", () => {
  const now = 1_700_000_000;
  const ok = createToken({ ...claims, exp: now + 10 }, "k");
  assert.equal(verifyToken(ok, "k", { now }).sub, "my-app");
  const refuse = (token: string, pattern: RegExp, opts = {}) =>
    assert.throws(
      () => verifyToken(token, "k", { now, ...opts }),
      (e: unknown) => e instanceof JwtError && pattern.test(e.message),
    );
  refuse(createToken({ ...claims, exp: now - 61 }, "k"), /expired/);
  assert.equal(verifyToken(createToken({ ...claims, exp: now - 59 }, "k"), "k", { now }).sub, "my-app"); // 60 s leeway
  assert.throws(() => verifyToken(ok, "other", { now }), /invalid signature/);
  refuse(ok, /issuer/, { issuer: "someone" });
  refuse(createToken({ ...claims, exp: now + 10, iat: now + 3600 } as DanubeClaims, "k"), /iat/);
  refuse(createToken({ ...claims, exp: now + 10, aud: "x" } as DanubeClaims, "k"), /audience/);
  refuse(createToken({ iss: "a", exp: now + 10 } as DanubeClaims, "k"), /missing claim sub/);
  refuse(createToken({ ...claims, exp: "soon" } as unknown as DanubeClaims, "k"), /missing claim exp/);
  const [, p] = ok.split(".");
  refuse(`${Buffer.from('{"alg":"none"}').toString("base64url")}.${p}.`, /unsupported algorithm/);
  refuse(`${Buffer.from('{"alg":"HS512"}').toString("base64url")}.${p}.x`, /unsupported algorithm/);
  refuse("a.b", /three/);
  refuse("!!.b.c", /malformed/);
  refuse(`${ok}x!`, /malformed/);
});

test("parseBearer takes 'Bearer ' and 'bearer ' as upstream", () => {
  assert.equal(parseBearer("Bearer abc"), "abc");
  assert.equal(parseBearer("bearer abc"), "abc");
  assert.equal(parseBearer("BEARER abc"), undefined);
  assert.equal(parseBearer("abc"), undefined);
});
