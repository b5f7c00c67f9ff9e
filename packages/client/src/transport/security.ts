// TLS and token options: their types, and their validation into what channel.ts needs.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { type ConnectionOptions, checkServerIdentity } from "node:tls";
import { invalidArgument } from "../errors.ts";
import type { TokenSupplier } from "./tokens.ts";

/** PEM material: a file path, or the PEM text itself as a Buffer. */
export type PemSource = string | Buffer | Uint8Array;

/** TLS settings (the connection is TLS whenever this is given). */
export interface TlsOptions {
  /**
   * CA certificate(s) that sign the broker's certificate (PEM).
   * @default undefined (the system's root certificates)
   */
  ca?: PemSource;
  /** Client certificate chain for mutual TLS (PEM); needs `key`. */
  cert?: PemSource;
  /** Private key of `cert` (PEM); needs `cert`. */
  key?: PemSource;
  /**
   * Host name checked against the broker's certificate instead of the dialled host.
   * @default undefined (the host of the URL)
   */
  serverName?: string;
}

/** Connection security shared by createClient, createAdminClient and connectSchemaRegistry. */
export interface SecurityOptions {
  /** TLS (and mutual TLS with `cert` and `key`); implied by an `https://` URL. */
  tls?: TlsOptions;
  /** A static JWT sent as `authorization: Bearer <token>` on every RPC. */
  token?: string;
  /**
   * Returns the current JWT; called on first use, again before the cached token's `exp`, and
   * again once when the broker answers UNAUTHENTICATED (the call is then retried once). Wins over
   * `token`.
   */
  tokenSupplier?: TokenSupplier;
}

/** TLS material read and checked once. */
export interface ResolvedTls {
  readonly ca: Buffer | undefined;
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
  readonly serverName: string | undefined;
}

/** Security settings with files read, validated. */
export interface ResolvedSecurity {
  /** TLS material, or undefined for plaintext (h2c). */
  readonly tls: ResolvedTls | undefined;
  /** The token source: a static token, a supplier, or none. */
  readonly token: string | undefined;
  readonly tokenSupplier: TokenSupplier | undefined;
}

/** The scheme of a URL as written (undefined when it has none). */
export type UrlScheme = "http" | "https" | undefined;

function readPem(source: unknown, option: string): Buffer | undefined {
  if (source === undefined) return undefined;
  if (Buffer.isBuffer(source) || source instanceof Uint8Array) {
    const pem = Buffer.from(source);
    if (!pem.toString("latin1").includes("-----BEGIN ")) throw invalidArgument(option, "is not PEM data");
    return pem;
  }
  if (typeof source !== "string" || source.length === 0) {
    throw invalidArgument(option, "must be a PEM file path or a Buffer holding PEM data");
  }
  let pem: Buffer;
  try {
    pem = readFileSync(source);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw invalidArgument(option, `cannot be read from ${source}: ${why}`);
  }
  if (!pem.toString("latin1").includes("-----BEGIN ")) {
    throw invalidArgument(option, `file ${source} holds no PEM data`);
  }
  return pem;
}

function resolveTls(tls: unknown): ResolvedTls {
  if (typeof tls !== "object" || tls === null) throw invalidArgument("tls", "must be an object");
  const t = tls as TlsOptions;
  const cert = readPem(t.cert, "tls.cert");
  const key = readPem(t.key, "tls.key");
  if ((cert === undefined) !== (key === undefined)) {
    throw invalidArgument(
      cert === undefined ? "tls.cert" : "tls.key",
      "is required with mutual TLS (give both)",
    );
  }
  if (t.serverName !== undefined && (typeof t.serverName !== "string" || t.serverName.length === 0)) {
    throw invalidArgument("tls.serverName", "must be a non-empty string");
  }
  return { ca: readPem(t.ca, "tls.ca"), cert, key, serverName: t.serverName };
}

/**
 * Validates the security options of a connection to `url`. An `https://` URL (or a URL without
 * scheme when `tls` or a token is given) is dialled over TLS, with the system roots unless
 * `tls.ca` is set. An `http://` URL is plaintext: `tls` with it is an error, and so is a token
 * unless `allowPlaintextToken` (the admin port of a broker without `admin_tls`).
 */
export function resolveSecurity(
  options: SecurityOptions,
  scheme: UrlScheme,
  url: string,
  allowPlaintextToken = false,
): ResolvedSecurity {
  const { token, tokenSupplier } = options;
  if (token !== undefined && (typeof token !== "string" || token.length === 0 || /[\r\n]/.test(token))) {
    throw invalidArgument("token", "must be a non-empty single-line string");
  }
  if (tokenSupplier !== undefined && typeof tokenSupplier !== "function") {
    throw invalidArgument("tokenSupplier", "must be a function returning a token (or a promise of one)");
  }
  const hasToken = token !== undefined || tokenSupplier !== undefined;
  if (scheme === "http") {
    if (options.tls !== undefined) {
      throw invalidArgument("tls", `is set but ${url} is plaintext http://; use https:// for TLS`);
    }
    if (hasToken && !allowPlaintextToken) {
      throw invalidArgument(
        tokenSupplier === undefined ? "token" : "tokenSupplier",
        `would be sent in plaintext to ${url}; use https://`,
      );
    }
  }
  const useTls = scheme === "https" || (scheme === undefined && (options.tls !== undefined || hasToken));
  return {
    tls: useTls ? resolveTls(options.tls ?? {}) : undefined,
    token,
    tokenSupplier,
  };
}

/**
 * TLS connect options that check the broker's certificate against `name`. SNI carries `name` only
 * when it is a host name: never an IP address (RFC 6066; Node warns DEP0123), which is checked
 * against the certificate's IP SANs all the same. Nothing for `undefined` (Node's defaults).
 */
export function serverNameOptions(
  name: string | undefined,
): Pick<ConnectionOptions, "servername" | "checkServerIdentity"> {
  if (name === undefined) return {};
  if (isIP(name) === 0) return { servername: name };
  return { checkServerIdentity: (_host, cert) => checkServerIdentity(name, cert) };
}
