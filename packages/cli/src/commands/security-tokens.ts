// `danube security tokens create|validate`: offline HS256 tokens with upstream Danube's claims,
// as danube-admin's `security tokens` makes them.
import { createToken, JwtError, verifyToken } from "@danube-ts/broker";
import { type Flags, UsageError } from "../args.ts";
import { ExitCode } from "../exit-codes.ts";
import type { Io } from "../io.ts";
import { securityUsage } from "../usage.ts";

/** `8760h`, `365d` or plain seconds, as upstream. */
export function parseTtl(raw: string): number {
  const match = /^(\d+)([hd]?)$/.exec(raw.trim());
  const value = match ? Number(match[1]) : Number.NaN;
  if (!match || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(
      `--ttl must be a number followed by h (hours) or d (days), got "${raw}"`,
      securityUsage,
    );
  }
  return match[2] === "h" ? value * 3600 : match[2] === "d" ? value * 86400 : value;
}

function secretKey(flags: Flags): string {
  const secret = flags.string("secret-key") ?? process.env.DANUBE_JWT_SECRET_KEY;
  if (!secret) flags.fail("--secret-key (or DANUBE_JWT_SECRET_KEY) is required");
  return secret;
}

function remaining(exp: number): string {
  const secs = exp - Math.floor(Date.now() / 1000);
  if (secs <= 0) return "EXPIRED";
  const hours = Math.floor(secs / 3600);
  const days = Math.floor(hours / 24);
  return days > 0 ? `${days}d ${hours % 24}h` : `${hours}h`;
}

export function tokensCommand(action: string | undefined, flags: Flags, io: Io): number {
  if (action === "create") {
    const subject = flags.required("subject");
    const ttl = parseTtl(flags.string("ttl") ?? "8760h");
    const token = createToken(
      {
        iss: flags.string("issuer") ?? "danube-auth",
        exp: Math.floor(Date.now() / 1000) + ttl,
        sub: subject,
        principal_type: flags.string("type") ?? "service_account",
        principal_name: subject,
      },
      secretKey(flags),
    );
    io.out(token);
    return ExitCode.OK;
  }
  if (action === "validate") {
    const token = flags.required("token");
    try {
      const claims = verifyToken(token, secretKey(flags), { issuer: flags.string("issuer") });
      const expires = new Date(claims.exp * 1000)
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, " UTC");
      io.out("Token is valid.");
      io.out(`  Subject:         ${claims.sub}`);
      io.out(`  Principal type:  ${claims.principal_type}`);
      io.out(`  Principal name:  ${claims.principal_name}`);
      io.out(`  Issuer:          ${claims.iss}`);
      io.out(`  Expires:         ${expires}`);
      io.out(`  Remaining:       ${remaining(claims.exp)}`);
      return ExitCode.OK;
    } catch (err) {
      if (!(err instanceof JwtError)) throw err;
      io.err(`Token validation failed: ${err.message}`);
      return ExitCode.FAILURE;
    }
  }
  throw new UsageError(`expected tokens create or tokens validate, got "${action ?? ""}"`, securityUsage);
}
