// Where the commands connect: flags (ours and upstream's spellings), then environment variables,
// then the local defaults.
import type { FlagSpecs, Flags } from "./args.ts";

/** Environment variable naming the broker's service URL (as in the examples). */
export const SERVICE_URL_ENV = "DANUBE_SERVICE_URL";
/** Environment variable naming the admin endpoint (upstream danube-admin's name). */
export const ADMIN_URL_ENV = "DANUBE_ADMIN_ENDPOINT";
export const defaultServiceUrl = "http://127.0.0.1:6650";
export const defaultAdminUrl = "http://127.0.0.1:50051";

/** Flags naming the service URL: ours (`--service-url`) and upstream danube-cli's (`--service-addr`). */
export const serviceUrlSpecs = {
  "service-url": { type: "string", short: "s" },
  "service-addr": { type: "string" },
} as const satisfies FlagSpecs;

/** Flags naming the admin URL: ours (`--admin-url`) and upstream danube-admin's (`--endpoint`). */
export const adminUrlSpecs = {
  "admin-url": { type: "string" },
  endpoint: { type: "string" },
} as const satisfies FlagSpecs;

/** The service URL: --service-url / --service-addr, else $DANUBE_SERVICE_URL, else local. */
export function serviceUrlOf(flags: Flags, env: NodeJS.ProcessEnv = process.env): string {
  return flags.oneOf("service-url", "service-addr") ?? nonEmpty(env[SERVICE_URL_ENV]) ?? defaultServiceUrl;
}

/** The admin URL: --admin-url / --endpoint, else $DANUBE_ADMIN_ENDPOINT, else local. */
export function adminUrlOf(flags: Flags, env: NodeJS.ProcessEnv = process.env): string {
  return flags.oneOf("admin-url", "endpoint") ?? nonEmpty(env[ADMIN_URL_ENV]) ?? defaultAdminUrl;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/**
 * The retry policy of the CLI's clients: a few retries (about 3 s) rather than the library's
 * default of retrying until the 30 s deadline, so a command against a broker that is not running
 * says so at once. The consumer's reconnection after it subscribed is not bounded by this.
 */
export const cliRetry = { maxRetries: 5 } as const;
