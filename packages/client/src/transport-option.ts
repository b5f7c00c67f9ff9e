// The client option `transport`: which protocol producers and consumers use (see docs/streaming.md).
import { DanubeError, ErrorCode } from "./errors.ts";

/**
 * `auto`: the danube-ts streams where the broker announces them, else upstream's unary RPCs;
 * `stream`: the streams only (subscribing fails with UNIMPLEMENTED against a broker without them);
 * `unary`: upstream's protocol only.
 */
export type TransportMode = "auto" | "stream" | "unary";

const modes: ReadonlySet<string> = new Set<TransportMode>(["auto", "stream", "unary"]);

export function resolveTransportMode(value: unknown): TransportMode {
  if (typeof value !== "string" || !modes.has(value)) {
    throw new DanubeError(
      ErrorCode.INVALID_ARGUMENT,
      `transport must be "auto", "stream" or "unary", got ${JSON.stringify(value)}`,
    );
  }
  return value as TransportMode;
}
