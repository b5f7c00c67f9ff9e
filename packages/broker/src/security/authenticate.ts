// Who is calling: the principal of a call, from its metadata and its TLS peer certificate.
import { X509Certificate } from "node:crypto";
import type { Metadata } from "@grpc/grpc-js";
import { BrokerError, Status } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { JwtError, parseBearer, verifyToken } from "./jwt.ts";
import type { ResolvedAuth } from "./options.ts";

export const PrincipalType = {
  User: "user",
  ServiceAccount: "service_account",
  BrokerInternal: "broker_internal",
  Anonymous: "anonymous",
} as const;
export type PrincipalType = (typeof PrincipalType)[keyof typeof PrincipalType];

export interface Principal {
  readonly type: PrincipalType;
  readonly name: string;
}

/** The TLS facts of a call (grpc-js's `call.getAuthContext()`): the peer certificate, when verified. */
export interface AuthContext {
  transportSecurityType?: string;
  sslPeerCertificate?: { fingerprint256?: string };
}

export const ANONYMOUS: Principal = Object.freeze({ type: PrincipalType.Anonymous, name: "anonymous" });

/** Header a broker's own client sends (upstream: DLQ publishing between brokers). */
export const INTERNAL_BROKER_HEADER = "x-danube-internal-broker";

/** Upstream caches validated tokens for 30 s; we also never keep one past its `exp`. */
const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 10_000;

const unauthenticated = (message: string) => new BrokerError(Status.Unauthenticated, message);

/** Upstream's mapping: `user`, `broker_internal`, anything else a service account. */
export function principalFromClaims(principalType: string, name: string): Principal {
  if (principalType === PrincipalType.User) return { type: PrincipalType.User, name };
  if (principalType === PrincipalType.BrokerInternal) return { type: PrincipalType.BrokerInternal, name };
  return { type: PrincipalType.ServiceAccount, name };
}

export class Authenticator {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private readonly ownFingerprint: string | undefined;

  constructor(
    private readonly auth: ResolvedAuth,
    private readonly logger: Logger,
  ) {
    this.ownFingerprint = auth.mode === "tls" ? new X509Certificate(auth.tls.cert).fingerprint256 : undefined;
  }

  get enabled(): boolean {
    return this.auth.mode === "tls";
  }

  /** The caller's principal, or a BrokerError UNAUTHENTICATED with upstream's messages. */
  authenticate(metadata: Metadata, peer: AuthContext): Principal {
    const auth = this.auth;
    if (auth.mode === "none") return ANONYMOUS;
    const internal = metadata.get(INTERNAL_BROKER_HEADER)[0];
    if (internal !== undefined) {
      if (typeof internal !== "string") throw unauthenticated("Authentication metadata is invalid");
      // Upstream trusts this header alone. Here it needs proof: the peer presented, over mutual
      // TLS, the broker's own certificate (verified against auth.tls.ca).
      const cert = peer.sslPeerCertificate;
      if (cert?.fingerprint256 !== undefined && cert.fingerprint256 === this.ownFingerprint) {
        return { type: PrincipalType.BrokerInternal, name: internal };
      }
      this.logger.debug(`ignoring ${INTERNAL_BROKER_HEADER} without mutual-TLS proof`);
    }
    const header = metadata.get("authorization")[0];
    if (header === undefined) throw unauthenticated("Authentication credentials are missing");
    if (typeof header !== "string") throw unauthenticated("Authentication metadata is invalid");
    const now = Date.now();
    const cached = this.cache.get(header);
    if (cached && cached.until > now) return cached.principal;
    if (cached) this.cache.delete(header);
    const token = parseBearer(header);
    if (token === undefined) throw unauthenticated("Invalid token");
    let principal: Principal;
    let exp: number;
    try {
      const claims = verifyToken(token, auth.jwt.secret, { issuer: auth.jwt.issuer });
      principal = principalFromClaims(claims.principal_type, claims.principal_name);
      exp = claims.exp;
    } catch (err) {
      if (err instanceof JwtError) {
        this.logger.debug(`refused a token: ${err.message}`);
        throw unauthenticated("Invalid token");
      }
      throw err;
    }
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(header, { principal, until: Math.min(now + CACHE_TTL_MS, exp * 1000) });
    return principal;
  }
}
