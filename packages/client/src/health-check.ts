// Background liveness ping of one producer or consumer (every 5 s, unref'd, stops on close).
import { danube } from "@danube-ts/protocol";
import type { BrokerAddress } from "./connection-pool.ts";
import type { ClientRuntime } from "./runtime.ts";
import { sleep, unaryCall } from "./signals.ts";

/** Interval between two health checks. */
export const healthCheckIntervalMs = 5000;

/** What a health check pings. */
export interface HealthCheckTarget {
  readonly kind: "producer" | "consumer";
  readonly id: bigint;
  readonly address: BrokerAddress;
}

/**
 * Pings the broker until `stop` aborts. Calls `onClose` when the broker answers CLOSE (the
 * broker no longer knows the id); the loop then ends. RPC errors are ignored. Never rejects.
 */
export function startHealthCheck(
  runtime: ClientRuntime,
  target: HealthCheckTarget,
  stop: AbortSignal,
  onClose: () => void,
  intervalMs = healthCheckIntervalMs,
): Promise<void> {
  const ctx = { operation: `health check (${target.kind})`, signal: undefined, closeSignal: stop };
  const client =
    target.kind === "producer"
      ? danube.HealthCheckRequest_ClientType.Producer
      : danube.HealthCheckRequest_ClientType.Consumer;
  const loop = async (): Promise<void> => {
    while (!stop.aborted) {
      await sleep(intervalMs, { ...ctx, deadline: Number.POSITIVE_INFINITY }, true);
      const connection = runtime.pool.get(target.address);
      const request: danube.HealthCheckRequest = {
        requestId: runtime.nextRequestId(),
        client,
        id: target.id,
      };
      try {
        const response = await unaryCall<danube.HealthCheckResponse>(
          { ...ctx, deadline: Date.now() + intervalMs },
          "HealthCheck",
          (options, callback) =>
            connection.health.healthCheck(request, runtime.pool.metadata(target.address), options, callback),
        );
        if (response.status === danube.HealthCheckResponse_ClientStatus.CLOSE) {
          onClose();
          return;
        }
      } catch {
        // A missed ping is not fatal: the next one decides.
      }
    }
  };
  return loop().catch(() => {});
}
