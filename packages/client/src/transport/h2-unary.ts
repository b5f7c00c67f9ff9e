// A minimal gRPC unary client on node:http2 for the two hot calls of upstream's protocol
// (SendMessage, Ack): one HTTP/2 stream per call, framing from grpc-framing.ts, plain gRPC
// semantics (grpc-timeout, status in trailers, bearer token), the same TLS material as the
// grpc-js channel. It skips grpc-js's per-call machinery (interceptor chain, resolving/retrying
// call layers, a deadline timer per call), which is most of the client's CPU per message.
// Anything unexpected from the server (a non-gRPC response, bad framing, no status) marks the
// client unusable and the callers go back to grpc-js.
import http2 from "node:http2";
import type { ConnectionOptions, SecureContext } from "node:tls";
import type { CallContext } from "../call-context.ts";
import { fromServiceError } from "../errors/status-map.ts";
import { DanubeError, ErrorCode } from "../errors.ts";
import { authorizationHeader } from "./auth.ts";
import { channelOptions } from "./channel.ts";
import {
  encodeFrame,
  FrameDecoder,
  FramingError,
  grpcTimeout,
  isGrpcResponse,
  readStatus,
} from "./grpc-framing.ts";
import { type ResolvedTls, serverNameOptions } from "./security.ts";
import { secureContextOf } from "./tls-credentials.ts";
import type { TokenSource } from "./tokens.ts";

const {
  NGHTTP2_CANCEL,
  NGHTTP2_REFUSED_STREAM,
  NGHTTP2_ENHANCE_YOUR_CALM,
  NGHTTP2_INADEQUATE_SECURITY,
  HTTP2_HEADER_STATUS,
} = http2.constants;

/** gRPC status codes used here (numeric, as on the wire). */
const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  UNAUTHENTICATED: 16,
} as const;

/**
 * Connection-level receive window: large, so responses of many calls in flight never wait for
 * WINDOW_UPDATEs. Per-stream windows stay at the HTTP/2 default (64 KiB): a unary response is
 * a few bytes.
 */
const connectionWindowBytes = 8 * 1024 * 1024;
/** Responses of SendMessage / Ack are tiny; anything bigger than this is refused. */
const maxResponseBytes = 4 * 1024 * 1024;

/** The HTTP status of a non-gRPC response as a gRPC status (the gRPC spec's mapping). */
function statusFromHttp(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return Status.INTERNAL;
    case 401:
      return Status.UNAUTHENTICATED;
    case 403:
      return Status.PERMISSION_DENIED;
    case 404:
      return Status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Status.UNAVAILABLE;
    default:
      return Status.UNKNOWN;
  }
}

/** A reset stream without status, as grpc-js reports it. */
function statusFromReset(rstCode: number): number {
  if (rstCode === NGHTTP2_REFUSED_STREAM) return Status.UNAVAILABLE;
  if (rstCode === NGHTTP2_CANCEL) return Status.CANCELLED;
  if (rstCode === NGHTTP2_ENHANCE_YOUR_CALM) return Status.RESOURCE_EXHAUSTED;
  if (rstCode === NGHTTP2_INADEQUATE_SECURITY) return Status.PERMISSION_DENIED;
  return Status.INTERNAL;
}

/** Stream errors that mean the connection went away (the call may be retried). */
const connectionErrors = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_INVALID_SESSION",
  "ERR_HTTP2_STREAM_CANCEL",
]);

/**
 * The server answered without gRPC (e.g. a proxy's HTTP error): the request was not processed as
 * a call, so the caller may send it again over grpc-js (transport/hot-calls.ts does).
 */
export class NotGrpcError extends Error {
  override readonly name = "NotGrpcError";
}

/** Where and how to connect. */
export interface H2UnaryOptions {
  /** `host:port`. */
  readonly target: string;
  readonly tls: ResolvedTls | undefined;
  /**
   * The secure context made from `tls` (the client's transport shares one with its grpc-js
   * channels); made here, once, when not given.
   */
  readonly secureContext?: SecureContext | undefined;
  /** Asked for a token on every call (a supplier's token may change between calls). */
  readonly tokens: TokenSource | undefined;
  /**
   * Keepalive, as grpc-js does it on the channel: while calls are in flight a PING goes out every
   * `timeMs`; without its ack within `timeoutMs` the session is destroyed and its calls fail with
   * UNAVAILABLE. Default: the grpc-js channel's settings (transport/channel.ts).
   */
  readonly keepalive?: { readonly timeMs: number; readonly timeoutMs: number } | undefined;
}

/** The keepalive of the grpc-js channel (transport/channel.ts), so both paths detect a dead peer alike. */
const channelKeepalive = {
  timeMs: channelOptions["grpc.keepalive_time_ms"] ?? 30_000,
  timeoutMs: channelOptions["grpc.keepalive_timeout_ms"] ?? 10_000,
};

/** Unary gRPC calls over one node:http2 session per broker, reconnected on demand. */
export class H2UnaryClient {
  readonly #options: H2UnaryOptions;
  readonly #authority: string;
  /** TLS options of every session (one secure context for all reconnects), undefined for h2c. */
  readonly #tls: ConnectionOptions | undefined;
  #session: http2.ClientHttp2Session | undefined;
  #active = 0;
  #unusable: string | undefined;
  #closed = false;

  constructor(options: H2UnaryOptions) {
    this.#options = options;
    const tls = options.tls;
    this.#authority = `${tls === undefined ? "http" : "https"}://${options.target}`;
    this.#tls =
      tls === undefined
        ? undefined
        : {
            secureContext: options.secureContext ?? secureContextOf(tls),
            ...serverNameOptions(tls.serverName),
            ALPNProtocols: ["h2"],
          };
  }

  /** False once the server answered something a gRPC server would not; callers use grpc-js. */
  get usable(): boolean {
    return this.#unusable === undefined && !this.#closed;
  }

  /**
   * Calls `path` with the encoded `request` and resolves with the encoded response. `ctx.stop`
   * (required) cancels the stream; its deadline goes out as grpc-timeout. Rejects with a
   * DanubeError mapped like grpc-js's statuses.
   */
  async call(
    path: string,
    request: Uint8Array,
    headers: http2.OutgoingHttpHeaders,
    ctx: CallContext,
  ): Promise<Buffer> {
    const tokens = this.#options.tokens;
    const token = tokens === undefined ? undefined : await tokens.get();
    try {
      return await this.#attempt(path, request, headers, ctx, token);
    } catch (error) {
      // Like the grpc-js interceptor: a refused token is dropped, and with a supplier the call is
      // sent once more with a fresh one.
      if (
        !(error instanceof DanubeError) ||
        error.code !== ErrorCode.UNAUTHENTICATED ||
        tokens === undefined
      ) {
        throw error;
      }
      tokens.invalidate(token);
      if (!tokens.refreshable || ctx.stop?.reason !== undefined) throw error;
      return this.#attempt(path, request, headers, ctx, await tokens.get());
    }
  }

  /** Closes the session; calls in flight fail with CANCELLED. */
  close(): void {
    this.#closed = true;
    this.#session?.destroy();
    this.#session = undefined;
  }

  #attempt(
    path: string,
    request: Uint8Array,
    extra: http2.OutgoingHttpHeaders,
    ctx: CallContext,
    token: string | undefined,
  ): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const stop = ctx.stop;
      if (stop?.reason !== undefined) {
        reject(stop.reason);
        return;
      }
      const operation = `${ctx.operation} (${path.slice(path.lastIndexOf("/") + 1)})`;
      const headers: http2.OutgoingHttpHeaders = {
        ...extra,
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc",
        te: "trailers",
        "grpc-accept-encoding": "identity",
      };
      if (Number.isFinite(ctx.deadline)) headers["grpc-timeout"] = grpcTimeout(ctx.deadline - Date.now());
      if (token !== undefined) headers[authorizationHeader] = `Bearer ${token}`;
      let stream: http2.ClientHttp2Stream;
      try {
        stream = this.#connect().request(headers);
      } catch (error) {
        // E.g. the session ran out of stream ids: the next call opens a new session.
        const broken = this.#session;
        this.#session = undefined;
        broken?.close();
        reject(unavailable(operation, error));
        return;
      }
      this.#opened();
      const decoder = new FrameDecoder(maxResponseBytes);
      let status: { code: number; details: string } | undefined;
      let problem: string | undefined;
      /** The server is not a gRPC server (it did not process the request as a call). */
      let notGrpc = false;
      let failure: unknown;
      stream.on("response", (responseHeaders) => {
        if (!isGrpcResponse(responseHeaders)) {
          const http = Number(responseHeaders[HTTP2_HEADER_STATUS]);
          notGrpc = true;
          problem = `not a gRPC response (HTTP ${http}, content-type ${String(responseHeaders["content-type"])})`;
          status = { code: statusFromHttp(http), details: problem };
          return;
        }
        // A trailers-only response carries the status in its headers.
        status = readStatus(responseHeaders) ?? status;
      });
      stream.on("data", (chunk: Buffer) => {
        if (problem !== undefined) return;
        try {
          decoder.push(chunk);
        } catch (error) {
          problem = error instanceof FramingError ? error.message : String(error);
          stream.close(NGHTTP2_CANCEL);
        }
      });
      stream.on("trailers", (trailers) => {
        status = readStatus(trailers) ?? status;
      });
      stream.on("error", (error) => {
        failure = error;
      });
      stream.on("close", () => {
        this.#closedStream();
        stop?.onStop(undefined);
        if (stop?.reason !== undefined) {
          reject(stop.reason);
          return;
        }
        if (problem === undefined && status !== undefined && status.code === Status.OK) {
          if (decoder.partial || decoder.messages.length !== 1) {
            problem = `${decoder.messages.length} response messages${decoder.partial ? " and a partial one" : ""} for a unary call`;
          } else {
            resolve(decoder.messages[0]!);
            return;
          }
        }
        if (problem !== undefined) {
          this.#unusable ??= problem;
          if (notGrpc) {
            reject(new NotGrpcError(`${operation}: ${problem}`));
            return;
          }
          reject(
            new DanubeError(ErrorCode.INTERNAL, `${operation}: ${problem}`, { grpcCode: Status.INTERNAL }),
          );
          return;
        }
        if (status !== undefined) {
          reject(fromServiceError({ code: status.code, details: status.details }, operation));
          return;
        }
        // Connection lost, or reset before a status: like grpc-js, UNAVAILABLE for a lost
        // connection, else by the reset code.
        const session = stream.session;
        const lost =
          session === undefined ||
          session.destroyed ||
          session.closed ||
          stream.rstCode === undefined ||
          stream.rstCode === 0 ||
          (failure instanceof Error && connectionErrors.has((failure as NodeJS.ErrnoException).code ?? ""));
        const code = lost ? Status.UNAVAILABLE : statusFromReset(stream.rstCode!);
        const why =
          failure instanceof Error ? failure.message : `stream closed (code ${stream.rstCode ?? "none"})`;
        reject(fromServiceError({ code, details: why }, operation));
      });
      stop?.onStop(() => stream.close(NGHTTP2_CANCEL));
      stream.end(encodeFrame(request));
    });
  }

  #connect(): http2.ClientHttp2Session {
    if (this.#closed) throw new Error("client closed");
    const current = this.#session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const session = http2.connect(this.#authority, { settings: { enablePush: false }, ...this.#tls });
    session.on("connect", () => {
      try {
        session.setLocalWindowSize(connectionWindowBytes);
      } catch {
        // Best effort: the default window still works.
      }
    });
    session.on("error", () => {
      // Each stream reports its own failure.
    });
    const stopKeepalive = this.#keepalive(session);
    const forget = (): void => {
      if (this.#session === session) this.#session = undefined;
    };
    session.on("close", () => {
      stopKeepalive();
      forget();
    });
    session.on("goaway", forget);
    if (this.#active === 0) session.unref();
    this.#session = session;
    return session;
  }

  /**
   * Pings `session` every keepalive interval while calls are in flight (idle sessions are not
   * pinged, like grpc-js without keepalive_permit_without_calls) and destroys it when an ack does
   * not come in time: its streams then close as a lost connection (UNAVAILABLE). Returns the stop.
   */
  #keepalive(session: http2.ClientHttp2Session): () => void {
    const { timeMs, timeoutMs } = this.#options.keepalive ?? channelKeepalive;
    let waiting: NodeJS.Timeout | undefined;
    const tick = (): void => {
      if (waiting !== undefined || this.#active === 0 || session.closed || session.destroyed) return;
      waiting = setTimeout(() => {
        session.destroy(new Error(`keepalive: no PING ack within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.unref();
      try {
        session.ping((error) => {
          if (error !== null) return; // the session is going away; its close stops the keepalive
          clearTimeout(waiting);
          waiting = undefined;
        });
      } catch {
        clearTimeout(waiting);
        waiting = undefined;
      }
    };
    const interval = setInterval(tick, timeMs);
    interval.unref();
    return () => {
      clearInterval(interval);
      clearTimeout(waiting);
    };
  }

  #opened(): void {
    if (this.#active++ === 0) this.#session?.ref();
  }

  #closedStream(): void {
    if (--this.#active === 0) this.#session?.unref();
  }
}

function unavailable(operation: string, error: unknown): DanubeError {
  const why = error instanceof Error ? error.message : String(error);
  return new DanubeError(ErrorCode.UNAVAILABLE, `${operation}: ${why}`, {
    cause: error,
    grpcCode: Status.UNAVAILABLE,
  });
}
