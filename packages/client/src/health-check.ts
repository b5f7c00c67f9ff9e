// Background liveness ping of one producer or consumer (every healthCheckIntervalMs, unref'd timers,
// stops on abort). It reads the current registration each time, so it survives re-creation.
import { danube } from "@danube-ts/protocol";
import { backgroundContext, sleep } from "./call-context.ts";
import type { ClientRuntime } from "./runtime.ts";
import type { BrokerAddress } from "./transport/connection-pool.ts";
import { unaryCall } from "./transport/unary.ts";

/** The registration a health check pings. */
export interface HealthCheckTarget {
  readonly id: bigint;
  readonly address: BrokerAddress;
}

/**
 * Pings the broker until `stop` aborts. `target()` gives the registration to ping, or undefined
 * to skip this round (e.g. while re-registering). Calls `onClose` whenever the broker answers
 * CLOSE (it no longer knows the id, or the consumer is inactive). RPC errors are ignored: the
 * producer's sends and the consumer's stream notice a broken broker by themselves. Never rejects.
 */
export function startHealthCheck(
  runtime: ClientRuntime,
  kind: "producer" | "consumer",
  target: () => HealthCheckTarget | undefined,
  stop: AbortSignal,
  onClose: (target: HealthCheckTarget) => void,
): Promise<void> {
  const intervalMs = runtime.options.healthCheckIntervalMs;
  const ctx = backgroundContext(`health check (${kind})`, stop);
  const client =
    kind === "producer"
      ? danube.HealthCheckRequest_ClientType.Producer
      : danube.HealthCheckRequest_ClientType.Consumer;
  const loop = async (): Promise<void> => {
    while (!stop.aborted) {
      await sleep(intervalMs, ctx, true);
      const current = target();
      if (current === undefined) continue;
      try {
        const connection = runtime.pool.get(current.address);
        const request: danube.HealthCheckRequest = {
          requestId: runtime.nextRequestId(),
          client,
          id: current.id,
        };
        const response = await unaryCall<danube.HealthCheckResponse>(
          { ...ctx, deadline: Date.now() + intervalMs },
          "HealthCheck",
          (options, callback) =>
            connection.health.healthCheck(request, runtime.pool.metadata(current.address), options, callback),
        );
        if (response.status === danube.HealthCheckResponse_ClientStatus.CLOSE && !stop.aborted) {
          runtime.observe.healthClose(kind, current.id, current.address.brokerUrl);
          onClose(current);
        }
      } catch (error) {
        // A missed ping is not fatal: the next one decides.
        runtime.observe.healthMiss(kind, error);
      }
    }
  };
  return loop().catch(() => {});
}
