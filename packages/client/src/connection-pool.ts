// One gRPC channel per distinct broker address, shared by every producer and consumer of a client.

import { danube, schema } from "@danube-ts/protocol";
import { Channel, type ChannelCredentials, credentials, Metadata } from "@grpc/grpc-js";
import { closedError } from "./errors.ts";
import { parseServiceUrl } from "./options.ts";

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
}

/** Header naming the owning broker when talking through a proxy. */
export const brokerUrlHeader = "x-danube-broker-url";

/** Pool of broker connections keyed by dial target (`host:port`). */
export class ConnectionPool {
  readonly #connections = new Map<string, BrokerConnection>();
  readonly #channels: Channel[] = [];
  readonly #credentials: ChannelCredentials;
  #closed = false;

  constructor(channelCredentials: ChannelCredentials = credentials.createInsecure()) {
    this.#credentials = channelCredentials;
  }

  /** The connection for `address`, created on first use (grpc-js connects lazily). */
  get(address: BrokerAddress): BrokerConnection {
    if (this.#closed) throw closedError("client");
    const { target } = parseServiceUrl(address.connectUrl, "connectUrl");
    let connection = this.#connections.get(target);
    if (connection === undefined) {
      const channel = new Channel(target, this.#credentials, {});
      this.#channels.push(channel);
      const options = { channelOverride: channel };
      connection = {
        target,
        producer: new danube.ProducerServiceClient(target, this.#credentials, options),
        consumer: new danube.ConsumerServiceClient(target, this.#credentials, options),
        discovery: new danube.DiscoveryClient(target, this.#credentials, options),
        health: new danube.HealthCheckClient(target, this.#credentials, options),
        schema: new schema.SchemaRegistryClient(target, this.#credentials, options),
      };
      this.#connections.set(target, connection);
    }
    return connection;
  }

  /** Request metadata for RPCs addressed to `address` (later: auth token). */
  metadata(address?: BrokerAddress): Metadata {
    const metadata = new Metadata();
    if (address?.proxy) metadata.set(brokerUrlHeader, address.brokerUrl);
    return metadata;
  }

  /** Number of open channels. */
  get size(): number {
    return this.#connections.size;
  }

  /** Closes every channel; in-flight calls fail with CANCELLED/UNAVAILABLE. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const channel of this.#channels) channel.close();
    this.#connections.clear();
    this.#channels.length = 0;
  }
}
