import { invalidArgument } from "../errors.ts";

/**
 * The web console (`danube broker --console-addr HOST:PORT`): pages and a JSON API under `/api/`,
 * served by the broker over HTTP (HTTPS with the admin certificate when `adminTls` is on).
 * See docs/console.md. Off unless given.
 */
export interface ConsoleOptions {
  /** @default "127.0.0.1" */
  host?: string;
  /** 0 picks a free port (`RunningBroker.consoleUrl` tells which). */
  port: number;
  /** Most messages one browse request returns. @default 100 */
  maxBrowseMessages?: number;
  /** Payload bytes shown per message; longer payloads are cut (the size is still given). @default 4096 */
  maxPreviewBytes?: number;
}

export type ResolvedConsoleOptions = Required<ConsoleOptions>;

export function resolveConsoleOptions(
  options: ConsoleOptions | undefined,
): ResolvedConsoleOptions | undefined {
  if (options === undefined) return undefined;
  const { port } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalidArgument(`console.port must be an integer from 0 to 65535, got ${port}`);
  }
  const limit = (name: string, value: number | undefined, fallback: number, max: number) => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw invalidArgument(`console.${name} must be an integer from 1 to ${max}, got ${value}`);
    }
    return value;
  };
  return {
    host: options.host ?? "127.0.0.1",
    port,
    maxBrowseMessages: limit("maxBrowseMessages", options.maxBrowseMessages, 100, 1000),
    maxPreviewBytes: limit("maxPreviewBytes", options.maxPreviewBytes, 4096, 1024 * 1024),
  };
}
