// One gRPC channel per distinct broker address, shared by every producer and consumer of a client.

import { consumeStream, danube, type publishStream, schema } from "@danube-ts/protocol";
import { type Channel, Metadata } from "@grpc/grpc-js";
import type { ClientObserver } from "../diagnostics/observer.ts";
import { closedError, DanubeError, ErrorCode } from "../errors.ts";
import { parseServiceUrl } from "../options.ts";
import { PublishStreamClient } from "../producer/publish-frame.ts";
import { Transport } from "./channel.ts";
import { H2UnaryClient } from "./h2-unary.ts";

/** Where a topic is served: the URL to dial and the broker's own URL. */
export interface BrokerAddress {
  /** The broker's URL (with scheme), carried in `msg_id.broker_addr`. */
  readonly brokerUrl: string;
  /** The URL to dial (with or without scheme). */
  readonly connectUrl: string;
  /** True when `connectUrl` is a proxy in front of `brokerUrl`. */
  readonly proxy: boolean;
}

/** The service stubs of one broker, all on one channel. */
export interface BrokerConnection {
  readonly target: string;
  readonly producer: danube.ProducerServiceClient;
  readonly consumer: danube.ConsumerServiceClient;
  readonly discovery: danube.DiscoveryClient;
  readonly health: danube.HealthCheckClient;
  readonly schema: schema.SchemaRegistryClient;
  /** danube-ts extension: the publish stream (only used when the broker announces it). */
  readonly publishStream: publishStream.PublishStreamClient;
  /** danube-ts extension: the consume stream (only brokers that announce it serve it). */
  readonly consumeStream: consumeStream.ConsumeStreamClient;
  /**
   * Raw node:http2 unary client for the hot calls (SendMessage, Ack; transport/hot-calls.ts),
   * undefined when disabled (`DANUBE_TS_H2_UNARY=0`, a benchmark switch).
   */
  readonly h2: H2UnaryClient | undefined;
}

/** The raw unary path is on unless the benchmark switch turns it off (read per connection). */
/**
 * The raw node:http2 path for SendMessage and Ack: off with DANUBE_TS_H2_UNARY=0, and off when a
 * proxy variable grpc-js honours is set (the raw session dials the broker directly, no proxy).
 */
const h2UnaryEnabled = (): boolean => {
  const env = process.env;
  return env.DANUBE_TS_H2_UNARY !== "0" && !(env.grpc_proxy || env.https_proxy || env.http_proxy);
};

/** Header naming the owning broker when talking through a proxy. */
export const brokerUrlHeader = "x-danube-broker-url";

/**
 * Pool of broker connections keyed by dial target (`host:port`). Whether a channel uses TLS comes
 * from the client's configuration, never from the scheme of a URL a broker handed out.
 */
export class ConnectionPool {
  readonly #connections = new Map<string, BrokerConnection>();
  readonly #channels: Channel[] = [];
  readonly #transport: Transport;
  readonly #observer: ClientObserver | undefined;
  #closed = false;

  /** Every channel gets `transport`'s credentials and settings (plaintext by default). */
  constructor(
    transport = new Transport({ tls: undefined, token: undefined, tokenSupplier: undefined }),
    observer?: ClientObserver,
  ) {
    this.#transport = transport;
    this.#observer = observer;
  }

  /** The connection for `address`, created on first use (grpc-js connects lazily). */
  get(address: BrokerAddress): BrokerConnection {
    if (this.#closed) throw closedError("client");
    const { target, scheme } = parseServiceUrl(address.connectUrl, "connectUrl");
    if (scheme === "https" && !this.#transport.secure) {
      // Never dial a TLS broker in plaintext.
      throw new DanubeError(
        ErrorCode.FAILED_PRECONDITION,
        `broker ${address.connectUrl} serves TLS but this client is plaintext; use an https:// serviceUrl or the tls option`,
      );
    }
    let connection = this.#connections.get(target);
    if (connection === undefined) {
      const transport = this.#transport;
      const channel = transport.openChannel(target);
      this.#channels.push(channel);
      this.#observer?.watchConnection(channel, target, transport.secure);
      connection = {
        target,
        producer: transport.stub(danube.ProducerServiceClient, target, channel),
        consumer: transport.stub(danube.ConsumerServiceClient, target, channel),
        discovery: transport.stub(danube.DiscoveryClient, target, channel),
        health: transport.stub(danube.HealthCheckClient, target, channel),
        schema: transport.stub(schema.SchemaRegistryClient, target, channel),
        publishStream: transport.stub(PublishStreamClient, target, channel),
        consumeStream: transport.stub(consumeStream.ConsumeStreamClient, target, channel),
        h2: h2UnaryEnabled()
          ? new H2UnaryClient({
              target,
              tls: transport.tls,
              secureContext: transport.secureContext,
              tokens: transport.tokens,
            })
          : undefined,
      };
      this.#connections.set(target, connection);
    }
    return connection;
  }

  /** Request metadata for RPCs addressed to `address` (the token is added by the transport). */
  metadata(address?: BrokerAddress): Metadata {
    const metadata = new Metadata();
    if (address?.proxy) metadata.set(brokerUrlHeader, address.brokerUrl);
    return metadata;
  }

  /** Closes every channel; in-flight calls fail with CANCELLED/UNAVAILABLE. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const channel of this.#channels) channel.close();
    for (const connection of this.#connections.values()) connection.h2?.close();
    this.#connections.clear();
    this.#channels.length = 0;
  }
}
