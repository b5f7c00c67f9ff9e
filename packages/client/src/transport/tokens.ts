// Bearer tokens: a static JWT or a supplier, cached and refreshed before the token's `exp`.
import { DanubeError, ErrorCode } from "../errors.ts";

/** Returns the current token (a JWT); called again before the cached one expires. */
export type TokenSupplier = () => string | Promise<string>;

/** Timing knobs of {@link TokenSource} (tests inject a clock). */
export interface TokenSourceOptions {
  /** Milliseconds since the epoch. */
  now?: () => number;
  /** Refresh this long before `exp` (at most half the token's remaining life at fetch time). */
  refreshBeforeMs?: number;
  /** How long a token without a readable `exp` is reused before the supplier is asked again. */
  opaqueTokenTtlMs?: number;
  /** Time limit of one supplier call. */
  supplierTimeoutMs?: number;
}

/** Default lead time of a refresh before `exp`. */
export const tokenRefreshBeforeMs = 30_000;
/** Default reuse time of a token without `exp`. */
export const opaqueTokenTtlMs = 60_000;
/** Default time limit of one supplier call. */
export const tokenSupplierTimeoutMs = 10_000;

/**
 * The `exp` claim of a JWT in milliseconds since the epoch, or undefined when the token is not a
 * JWT or has no numeric `exp`. The signature is not verified: the broker does that.
 */
export function jwtExpiryMs(token: string): number | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    if (typeof payload !== "object" || payload === null) return undefined;
    const exp = (payload as { exp?: unknown }).exp;
    return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

interface Cached {
  readonly token: string;
  /** When the token stops being valid (Infinity when unknown). */
  readonly expiresAt: number;
  /** When the supplier should be asked again. */
  readonly refreshAt: number;
}

function supplierError(reason: unknown): DanubeError {
  if (reason instanceof DanubeError) return reason;
  const detail = reason instanceof Error ? reason.message : String(reason);
  return new DanubeError(ErrorCode.UNAUTHENTICATED, `token supplier failed: ${detail}`, { cause: reason });
}

/**
 * The token of every RPC of one client. A supplier is called on first use, again shortly before
 * the cached token's `exp`, and again once the broker answered UNAUTHENTICATED ({@link invalidate}).
 * Concurrent calls share one supplier call. While a refresh fails, an unexpired cached token is
 * still used; with none left, calls fail with the supplier's error (UNAUTHENTICATED).
 */
export class TokenSource {
  readonly #supplier: TokenSupplier;
  /** False for a static token: asking again after UNAUTHENTICATED would give the same token. */
  readonly refreshable: boolean;
  readonly #now: () => number;
  readonly #refreshBeforeMs: number;
  readonly #opaqueTtlMs: number;
  readonly #timeoutMs: number;
  #cached: Cached | undefined;
  #inflight: Promise<string> | undefined;
  #calls = 0;

  constructor(supplier: TokenSupplier, options: TokenSourceOptions = {}, refreshable = true) {
    this.#supplier = supplier;
    this.refreshable = refreshable;
    this.#now = options.now ?? Date.now;
    this.#refreshBeforeMs = options.refreshBeforeMs ?? tokenRefreshBeforeMs;
    this.#opaqueTtlMs = options.opaqueTokenTtlMs ?? opaqueTokenTtlMs;
    this.#timeoutMs = options.supplierTimeoutMs ?? tokenSupplierTimeoutMs;
  }

  /** A source that always answers `token`. */
  static fixed(token: string): TokenSource {
    return new TokenSource(() => token, { opaqueTokenTtlMs: Number.POSITIVE_INFINITY }, false);
  }

  /** How many times the supplier was called (diagnostics and tests). */
  get supplierCalls(): number {
    return this.#calls;
  }

  /** The token to send now. */
  async get(): Promise<string> {
    const now = this.#now();
    const cached = this.#cached;
    if (cached !== undefined && now < cached.refreshAt) return cached.token;
    this.#inflight ??= this.#fetch().finally(() => {
      this.#inflight = undefined;
    });
    try {
      return await this.#inflight;
    } catch (error) {
      // A failed early refresh keeps a still-valid token in use.
      const still = this.#cached;
      if (still !== undefined && this.#now() < still.expiresAt) return still.token;
      throw error;
    }
  }

  /**
   * The broker refused `token`: the next {@link get} asks the supplier again. Returns false when
   * `token` is no longer the cached one (another call already refreshed it).
   */
  invalidate(token: string | undefined): boolean {
    if (this.#cached === undefined || (token !== undefined && this.#cached.token !== token)) return false;
    this.#cached = undefined;
    return true;
  }

  async #fetch(): Promise<string> {
    this.#calls++;
    let timer: NodeJS.Timeout | undefined;
    let token: unknown;
    try {
      token = await Promise.race([
        Promise.resolve().then(() => this.#supplier()),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no token within ${this.#timeoutMs} ms`)),
            this.#timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      throw supplierError(error);
    } finally {
      clearTimeout(timer);
    }
    if (typeof token !== "string" || token.length === 0 || /[\r\n]/.test(token)) {
      throw supplierError(new Error("the supplier must return a non-empty single-line string"));
    }
    const fetchedAt = this.#now();
    const exp = jwtExpiryMs(token);
    let refreshAt: number;
    if (exp === undefined) refreshAt = fetchedAt + this.#opaqueTtlMs;
    else refreshAt = exp - Math.min(this.#refreshBeforeMs, Math.max(0, (exp - fetchedAt) / 2));
    this.#cached = { token, expiresAt: exp ?? Number.POSITIVE_INFINITY, refreshAt };
    return token;
  }
}
