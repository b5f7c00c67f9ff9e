// The only place where the client builds gRPC channels: credentials (plaintext, or TLS and mutual
// TLS from tls-credentials.ts), the bearer-token interceptor, keepalive, message-size, flow-control
// and reconnect settings.

import type { SecureContext } from "node:tls";
import {
  Channel,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientOptions,
  credentials,
  type Interceptor,
} from "@grpc/grpc-js";
import { authInterceptor } from "./auth.ts";
import type { ResolvedSecurity, ResolvedTls } from "./security.ts";
import { secureContextOf, TlsCredentials } from "./tls-credentials.ts";
import { TokenSource, type TokenSourceOptions } from "./tokens.ts";

/**
 * Channel settings of every connection the client opens.
 *
 * - Reconnect backoff: grpc-js starts at 1 s and grows to 120 s, so a client could sit idle for
 *   two minutes after its broker came back. Capped here at 2 s (starting at 250 ms), recovery
 *   follows within about two seconds of a broker's return; the cost is one connection attempt
 *   every 2 s to a broker that stays down.
 * - Keepalive: a ping every 30 s while calls are open (consumer streams always are), 10 s to
 *   answer, so a silently dead connection is noticed within a minute. Danube brokers (ours and
 *   upstream's tonic) accept pings at this rate.
 * - Messages: up to 64 MiB received (brokers cap sends at their configured size, 4 MiB by
 *   default, plus the envelope); sends are bounded by the client's `maxMessageBytes` check.
 * - Flow control, receive side (set deliberately; the send side is the broker's window):
 *   grpc-js's `grpc-node.flow_control_window` sets the per-stream initial window and the
 *   connection window to one value, and the per-stream window is what a consumer that stops
 *   reading holds in transit. Kept at the HTTP/2 default (64 KiB), so a consumer's memory stays
 *   `receiveQueueSize` messages plus one 64 KiB window (1 MiB let about twice as many messages
 *   pile up unread). The small connection window costs nothing: Node hands back connection-level
 *   window for data queued on a paused stream, so a stalled consumer never stalls the sends and
 *   streams sharing its connection (test/flow-control.test.ts). SendMessage and Ack run on the
 *   raw node:http2 session of transport/h2-unary.ts, whose connection window is 8 MiB.
 */
export const channelOptions: ChannelOptions = Object.freeze({
  "grpc.initial_reconnect_backoff_ms": 250,
  "grpc.max_reconnect_backoff_ms": 2_000,
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
});

/** A generated service client class (`new XClient(address, credentials, options)`). */
export type StubConstructor<C> = new (
  address: string,
  credentials: ChannelCredentials,
  options?: Partial<ClientOptions>,
) => C;

/** How one client (or admin client, or registry client) connects: the same for every channel. */
export class Transport {
  /** Whether channels use TLS. */
  readonly secure: boolean;
  /** The TLS material (for the raw node:http2 unary client, h2-unary.ts). */
  readonly tls: ResolvedTls | undefined;
  /** Made from `tls` once; every grpc-js channel and raw session of this transport uses it. */
  readonly secureContext: SecureContext | undefined;
  /** The token source, when a token or supplier is configured. */
  readonly tokens: TokenSource | undefined;
  readonly #credentials: ChannelCredentials;
  readonly #interceptors: Interceptor[];

  /**
   * Channels with `security`'s TLS material and token; `tokens` shares the token cache of another
   * transport of the same client (its service and admin connections).
   */
  constructor(security: ResolvedSecurity, tokenOptions: TokenSourceOptions = {}, tokens?: TokenSource) {
    const tls = security.tls;
    this.secure = tls !== undefined;
    this.tls = tls;
    this.secureContext = tls === undefined ? undefined : secureContextOf(tls);
    this.#credentials =
      tls === undefined ? credentials.createInsecure() : new TlsCredentials(tls, this.secureContext);
    if (tokens !== undefined) {
      this.tokens = tokens;
    } else if (security.tokenSupplier !== undefined) {
      this.tokens = new TokenSource(security.tokenSupplier, tokenOptions);
    } else if (security.token !== undefined) {
      this.tokens = TokenSource.fixed(security.token);
    }
    this.#interceptors = this.tokens === undefined ? [] : [authInterceptor(this.tokens)];
  }

  /** A transport with other TLS settings (the admin port's) and this one's token cache. */
  derive(security: ResolvedSecurity): Transport {
    return new Transport(security, {}, this.tokens);
  }

  /** A new channel to `target` (`host:port`); grpc-js connects lazily and reconnects by itself. */
  openChannel(target: string): Channel {
    return new Channel(target, this.#credentials, channelOptions);
  }

  /** A service stub on `channel`, with this transport's interceptors. */
  stub<C>(Stub: StubConstructor<C>, target: string, channel: Channel): C {
    return new Stub(target, this.#credentials, {
      channelOverride: channel,
      interceptors: this.#interceptors,
    });
  }
}
