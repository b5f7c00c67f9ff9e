// A schema registry client with its own connection, for tools and tests without a DanubeClient.
import { schema } from "@danube-ts/protocol";
import type { Channel } from "@grpc/grpc-js";
import { closedError } from "../errors.ts";
import { type RetryOptions, resolveConnectionOptions } from "../options.ts";
import { Transport } from "../transport/channel.ts";
import type { SecurityOptions } from "../transport/security.ts";
import type { SchemaRegistry } from "./registry.ts";
import { createSchemaRegistryClient } from "./registry-client.ts";

/** Options of {@link connectSchemaRegistry}. */
export interface SchemaRegistryOptions extends SecurityOptions {
  /**
   * A broker's service URL (or admin URL: both serve the registry): `http://host:port`,
   * `https://host:port` (TLS) or `host:port`.
   */
  serviceUrl: string;
  /**
   * Default time limit of every call, retries included.
   * @default 30000
   */
  requestTimeoutMs?: number;
  /** Retry policy for retryable failures. */
  retry?: RetryOptions;
  /**
   * Schema versions kept in the (id, version) cache.
   * @default 1000
   */
  cacheSize?: number;
}

/** A registry client owning its connection; `close()` (or `await using`) releases it. */
export interface StandaloneSchemaRegistry extends SchemaRegistry, AsyncDisposable {
  /** Closes the connection; pending calls fail with CANCELLED, later ones with CLOSED. */
  close(): Promise<void>;
}

/**
 * Connects to the schema registry of a broker without a DanubeClient (no network call until the
 * first request). Inside an application prefer `client.schema`, which shares the client's
 * connection. Options are validated as the client's are (same defaults, same TLS and token rules).
 */
export function connectSchemaRegistry(options: SchemaRegistryOptions): StandaloneSchemaRegistry {
  const resolved = resolveConnectionOptions(options, options?.serviceUrl, "serviceUrl", false);
  const transport = new Transport(resolved.security);
  const closing = new AbortController();
  let channel: Channel | undefined;
  let stub: schema.SchemaRegistryClient | undefined;
  const registry = createSchemaRegistryClient({
    stub() {
      if (closing.signal.aborted) throw closedError("schema registry");
      if (stub === undefined) {
        channel = transport.openChannel(resolved.target);
        stub = transport.stub(schema.SchemaRegistryClient, resolved.target, channel);
      }
      return stub;
    },
    requestTimeoutMs: resolved.requestTimeoutMs,
    retry: resolved.retry,
    closeSignal: closing.signal,
    cacheSize: options.cacheSize,
  });
  const close = async (): Promise<void> => {
    closing.abort();
    channel?.close();
    channel = undefined;
    stub = undefined;
  };
  return Object.assign(registry, { close, [Symbol.asyncDispose]: close });
}
