// Internal state shared by a client and everything it creates.
import type { AdminClient } from "./admin/admin-client.ts";
import type { ClientObserver } from "./diagnostics/observer.ts";
import type { ResolvedClientOptions } from "./options.ts";
import type { SchemaRegistry } from "./schema/registry.ts";
import type { StatusHub } from "./status.ts";
import type { BrokerAddress, ConnectionPool } from "./transport/connection-pool.ts";

/** What producers and consumers need from their client. */
export interface ClientRuntime {
  readonly options: ResolvedClientOptions;
  readonly pool: ConnectionPool;
  /** The service URL as a broker address (the fallback when a lookup finds nothing). */
  readonly serviceAddress: BrokerAddress;
  /** Aborted when the client closes. */
  readonly closeSignal: AbortSignal;
  /** Logger, metrics and background-event handling of the client. */
  readonly observe: ClientObserver;
  /** Where status events go. */
  readonly status: StatusHub;
  /** Client-wide request id counter for lookups and health checks. */
  nextRequestId(): bigint;
  /** The admin client on `options.adminUrl` (created on first use); throws without adminUrl. */
  admin(): AdminClient;
  /** The schema registry on the service URL (created on first use). */
  schema(): SchemaRegistry;
}

/** A monotonically increasing request id counter starting at `start`. */
export function requestIdCounter(start = 0n): () => bigint {
  let next = start;
  return () => next++;
}
