// Internal state shared by a client and everything it creates.
import type { BrokerAddress, ConnectionPool } from "./connection-pool.ts";
import type { ResolvedClientOptions } from "./options.ts";

/** What producers and consumers need from their client. */
export interface ClientRuntime {
  readonly options: ResolvedClientOptions;
  readonly pool: ConnectionPool;
  /** The service URL as a broker address (the fallback when a lookup finds nothing). */
  readonly serviceAddress: BrokerAddress;
  /** Aborted when the client closes. */
  readonly closeSignal: AbortSignal;
  /** Client-wide request id counter for lookups and health checks. */
  nextRequestId(): bigint;
}

/** A monotonically increasing request id counter starting at `start`. */
export function requestIdCounter(start = 0n): () => bigint {
  let next = start;
  return () => next++;
}
