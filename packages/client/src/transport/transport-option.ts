// The `transport` client option: which protocol producers (and consumers) use to move messages.

import { invalidArgument } from "../errors.ts";

/**
 * - `"auto"`: the danube-ts streams where the broker announces them (a danube-ts broker), else
 *   upstream's unary RPCs (one SendMessage per send);
 * - `"stream"`: the streams only; creating a producer on a broker that does not offer them fails
 *   with UNIMPLEMENTED;
 * - `"unary"`: upstream's unary RPCs only, as upstream's clients.
 */
export type TransportMode = "auto" | "stream" | "unary";

const modes: ReadonlySet<string> = new Set(["auto", "stream", "unary"]);

/** Validates the option (its default is in options.ts). */
export function resolveTransport(value: unknown): TransportMode {
  if (typeof value !== "string" || !modes.has(value)) {
    throw invalidArgument("transport", `must be "auto", "stream" or "unary", got ${JSON.stringify(value)}`);
  }
  return value as TransportMode;
}
