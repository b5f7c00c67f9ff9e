// The danube-ts protocol extensions a broker offers beyond upstream Danube (docs/streaming.md):
// their option type and its resolution. Both are on by default; turning one off makes the broker
// behave like upstream for that path (nothing announced, the RPC answers UNIMPLEMENTED).
import { BrokerError, Status } from "./errors.ts";

/** Which danube-ts extensions the broker serves and announces. */
export interface ExtensionOptions {
  /** The ordered publish stream (`danube_ts.stream.PublishStream`). @default true */
  publishStream?: boolean;
  /** The consume stream (`danube_ts.stream`, consume half). @default true */
  consumeStream?: boolean;
}

export interface ResolvedExtensions {
  publishStream: boolean;
  consumeStream: boolean;
}

function flag(name: string, value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== "boolean") {
    throw new BrokerError(Status.InvalidArgument, `extensions.${name} must be a boolean`);
  }
  return value;
}

export function resolveExtensions(options: ExtensionOptions | undefined): ResolvedExtensions {
  return {
    publishStream: flag("publishStream", options?.publishStream),
    consumeStream: flag("consumeStream", options?.consumeStream),
  };
}
