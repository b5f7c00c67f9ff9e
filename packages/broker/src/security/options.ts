import { readFileSync } from "node:fs";
import { invalidArgument } from "../errors.ts";

/** PEM material: a file path (`*File`) or the PEM itself (`cert`, `key`, `ca` as string or Buffer). */
export interface TlsOptions {
  /** Server certificate chain (PEM file), upstream's `auth.tls.cert_file`. */
  certFile?: string;
  /** Server private key (PEM file), upstream's `auth.tls.key_file`. */
  keyFile?: string;
  /** CA that signs client certificates (PEM file), upstream's `auth.tls.ca_file`. Needed for mTLS. */
  caFile?: string;
  /** Server certificate chain as PEM text (instead of `certFile`). */
  cert?: string | Buffer;
  /** Server private key as PEM text (instead of `keyFile`). */
  key?: string | Buffer;
  /** CA as PEM text (instead of `caFile`). */
  ca?: string | Buffer;
}

/** Upstream's `auth.jwt`. */
export interface JwtOptions {
  /** HS256 shared secret (upstream's `secret_key`); tokens signed with it are accepted. */
  secret: string;
  /** Expected `iss` claim (upstream's `issuer`); tokens from another issuer are refused. */
  issuer: string;
  /** Upstream's `expiration_time`: the lifetime, in seconds, of tokens minted for this broker. @default 3600 */
  expirationSecs?: number;
}

/** Upstream's `auth` section. */
export interface AuthOptions {
  /** `none`: plaintext, no authentication, everything allowed. `tls`: TLS, a JWT on every call, RBAC. */
  mode: "none" | "tls";
  /** Server certificate (required in mode `tls`). */
  tls?: TlsOptions;
  /** Require a client certificate signed by `tls.ca` on the client port (mutual TLS). @default false */
  requireClientCert?: boolean;
  /** Token validation (required in mode `tls`). */
  jwt?: JwtOptions;
  /** Principal names (token subjects) that bypass RBAC. @default [] */
  superAdmins?: string[];
}

export type ResolvedAuth =
  | { mode: "none" }
  | {
      mode: "tls";
      tls: { cert: Buffer; key: Buffer; ca: Buffer | undefined };
      requireClientCert: boolean;
      jwt: { secret: string; issuer: string; expirationSecs: number };
      superAdmins: string[];
    };

function pem(
  what: string,
  file: string | undefined,
  inline: string | Buffer | undefined,
): Buffer | undefined {
  if (file !== undefined && inline !== undefined) {
    throw invalidArgument(`auth.tls: give either ${what}File or ${what}, not both`);
  }
  if (inline !== undefined) return Buffer.isBuffer(inline) ? inline : Buffer.from(inline);
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw invalidArgument(
      `auth.tls.${what}File: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Validates the security options once, reading PEM files; defaults live here. */
export function resolveSecurity(
  auth: AuthOptions | undefined,
  adminTls: boolean | undefined,
): { auth: ResolvedAuth; adminTls: boolean } {
  const mode = auth?.mode ?? "none";
  if (mode !== "none" && mode !== "tls") {
    throw invalidArgument(`auth.mode must be "none" or "tls", got ${JSON.stringify(mode)}`);
  }
  if (mode === "none" || auth === undefined) {
    if (adminTls) throw invalidArgument('adminTls needs auth.mode "tls" (it uses auth.tls certificates)');
    return { auth: { mode: "none" }, adminTls: false };
  }
  const tls = auth.tls;
  const cert = pem("cert", tls?.certFile, tls?.cert);
  const key = pem("key", tls?.keyFile, tls?.key);
  const ca = pem("ca", tls?.caFile, tls?.ca);
  if (!cert || !key) throw invalidArgument('auth.mode "tls" needs auth.tls.certFile and auth.tls.keyFile');
  if (auth.requireClientCert && !ca) throw invalidArgument("auth.requireClientCert needs auth.tls.caFile");
  const jwt = auth.jwt;
  if (!jwt || typeof jwt.secret !== "string" || jwt.secret.length === 0) {
    throw invalidArgument('auth.mode "tls" needs auth.jwt.secret');
  }
  if (typeof jwt.issuer !== "string" || jwt.issuer.length === 0) {
    throw invalidArgument('auth.mode "tls" needs auth.jwt.issuer');
  }
  const expirationSecs = jwt.expirationSecs ?? 3600;
  if (!Number.isInteger(expirationSecs) || expirationSecs < 1) {
    throw invalidArgument(`auth.jwt.expirationSecs must be a positive integer, got ${expirationSecs}`);
  }
  const superAdmins = auth.superAdmins ?? [];
  if (!Array.isArray(superAdmins) || superAdmins.some((s) => typeof s !== "string")) {
    throw invalidArgument("auth.superAdmins must be a list of names");
  }
  return {
    auth: {
      mode: "tls",
      tls: { cert, key, ca },
      requireClientCert: auth.requireClientCert ?? false,
      jwt: { secret: jwt.secret, issuer: jwt.issuer, expirationSecs },
      superAdmins: [...superAdmins],
    },
    adminTls: adminTls ?? false,
  };
}
