// HS256 JSON Web Tokens with upstream Danube's claim set (danube-core's `Claims`), on node:crypto.
import { createHmac, timingSafeEqual } from "node:crypto";

/** Upstream's claims: all five are required. `sub` and `principal_name` are the same by convention. */
export interface DanubeClaims {
  iss: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
  sub: string;
  /** `user`, `service_account` or `broker_internal` (anything else is treated as a service account). */
  principal_type: string;
  principal_name: string;
}

/** Why a token was refused; the broker answers every one of them with UNAUTHENTICATED "Invalid token". */
export class JwtError extends Error {
  override readonly name = "JwtError";
}

/** Clock skew tolerated on `exp`, `nbf` and `iat`, as upstream's validator (60 s). */
export const JWT_LEEWAY_SECS = 60;

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

function sign(input: string, secret: string): Buffer {
  return createHmac("sha256", secret).update(input).digest();
}

/** Signs `claims` with HS256; the header is `{"typ":"JWT","alg":"HS256"}` as upstream's. */
export function createToken(claims: DanubeClaims, secret: string): string {
  const input = `${b64url(JSON.stringify({ typ: "JWT", alg: "HS256" }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(sign(input, secret))}`;
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) throw new JwtError(`malformed token ${what}`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw new JwtError(`malformed token ${what}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new JwtError(`malformed token ${what}`);
  }
  return value as Record<string, unknown>;
}

export interface VerifyOptions {
  /** When set, the `iss` claim must equal it (upstream does not check; we do). */
  issuer?: string;
  /** Seconds since the epoch. @default now */
  now?: number;
}

/**
 * Verifies signature (constant-time), algorithm, claims and times; returns the claims or throws
 * {@link JwtError}. Like upstream: HS256 only, `exp` required (60 s leeway), tokens carrying `aud`
 * refused. Stricter: `iss` checked when `issuer` is given, `iat`/`nbf` in the future refused.
 */
export function verifyToken(token: string, secret: string, options: VerifyOptions = {}): DanubeClaims {
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtError("malformed token: expected three dot-separated parts");
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart, "header");
  if (header.alg !== "HS256") throw new JwtError(`unsupported algorithm ${String(header.alg)}`);
  if (!/^[A-Za-z0-9_-]*$/.test(signaturePart)) throw new JwtError("malformed token signature");
  const expected = sign(`${headerPart}.${payloadPart}`, secret);
  const actual = Buffer.from(signaturePart, "base64url");
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new JwtError("invalid signature");
  }
  const claims = decodeJson(payloadPart, "payload");
  for (const name of ["iss", "sub", "principal_type", "principal_name"] as const) {
    if (typeof claims[name] !== "string") throw new JwtError(`missing claim ${name}`);
  }
  const exp = claims.exp;
  if (typeof exp !== "number" || !Number.isFinite(exp) || exp < 0) throw new JwtError("missing claim exp");
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (exp + JWT_LEEWAY_SECS <= now) throw new JwtError("token expired");
  for (const name of ["nbf", "iat"] as const) {
    const value = claims[name];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value)) throw new JwtError(`malformed claim ${name}`);
    if (value > now + JWT_LEEWAY_SECS) throw new JwtError(`claim ${name} is in the future`);
  }
  if (claims.aud !== undefined) throw new JwtError("tokens with an audience are not accepted");
  if (options.issuer !== undefined && claims.iss !== options.issuer) {
    throw new JwtError(`issuer ${JSON.stringify(claims.iss)} is not ${JSON.stringify(options.issuer)}`);
  }
  return {
    iss: claims.iss as string,
    exp,
    sub: claims.sub as string,
    principal_type: claims.principal_type as string,
    principal_name: claims.principal_name as string,
  };
}

/** The token of an `authorization` header value (`Bearer <t>` or `bearer <t>`, as upstream). */
export function parseBearer(value: string): string | undefined {
  if (value.startsWith("Bearer ")) return value.slice(7);
  if (value.startsWith("bearer ")) return value.slice(7);
  return undefined;
}
