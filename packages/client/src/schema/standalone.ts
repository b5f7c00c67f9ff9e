// A schema registry client with its own connection, for tools and tests without a DanubeClient.
import { schema } from "@danube-ts/protocol";
import { credentials } from "@grpc/grpc-js";
import { closedError } from "../errors.ts";
import { defaultClientOptions, parseServiceUrl, type RetryOptions } from "../options.ts";
import type { SchemaRegistry } from "./registry.ts";
import { createSchemaRegistryClient } from "./registry-client.ts";

/** Options of {@link connectSchemaRegistry}. */
export interface SchemaRegistryOptions {
  /** A broker's service URL (or admin URL: both serve the registry), `http://host:port`. */
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
 * connection.
 */
export function connectSchemaRegistry(options: SchemaRegistryOptions): StandaloneSchemaRegistry {
  const { target } = parseServiceUrl(options.serviceUrl);
  const defaults = defaultClientOptions();
  const closing = new AbortController();
  let stub: schema.SchemaRegistryClient | undefined;
  const registry = createSchemaRegistryClient({
    stub() {
      if (closing.signal.aborted) throw closedError("schema registry");
      stub ??= new schema.SchemaRegistryClient(target, credentials.createInsecure());
      return stub;
    },
    requestTimeoutMs: options.requestTimeoutMs ?? defaults.requestTimeoutMs,
    retry: { ...defaults.retry, ...options.retry },
    closeSignal: closing.signal,
    cacheSize: options.cacheSize,
  });
  const close = async (): Promise<void> => {
    closing.abort();
    stub?.close();
    stub = undefined;
  };
  return Object.assign(registry, { close, [Symbol.asyncDispose]: close });
}
