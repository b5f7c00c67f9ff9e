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

/**
 * TLS and token flags, shared by every command that connects. Upstream's danube-cli has none and
 * danube-admin reads only environment variables, so the flag names are ours (`--ca`, `--cert`,
 * `--key`, `--domain` as `danube security` already had them; `--tls-key` where `--key` is the
 * message key, in produce).
 */
export const securitySpecs = {
  token: { type: "string" },
  tls: { type: "boolean" },
  ca: { type: "string" },
  cert: { type: "string" },
  "tls-key": { type: "string" },
  domain: { type: "string" },
} as const satisfies FlagSpecs;

/** `--key` as the client's private key (every command but produce). */
export const keySpec = { key: { type: "string" } } as const satisfies FlagSpecs;

/** Which listener a command talks to: it picks the environment variables (and the address). */
export type Listener = "service" | "admin";

/** Environment variable names per listener: danube-admin's for the admin port, `DANUBE_*` for the service port. */
export const securityEnv = {
  admin: {
    token: ["DANUBE_ADMIN_TOKEN", "DANUBE_ADMIN_API_KEY"],
    tls: "DANUBE_ADMIN_TLS",
    ca: "DANUBE_ADMIN_CA",
    cert: "DANUBE_ADMIN_CERT",
    key: "DANUBE_ADMIN_KEY",
    domain: "DANUBE_ADMIN_DOMAIN",
  },
  service: {
    token: ["DANUBE_TOKEN"],
    tls: "DANUBE_TLS",
    ca: "DANUBE_CA",
    cert: "DANUBE_CERT",
    key: "DANUBE_KEY",
    domain: "DANUBE_DOMAIN",
  },
} as const;

/** The URL and the client library's security options of one connection. */
export interface Connection {
  url: string;
  tls?: { ca?: string; cert?: string; key?: string; serverName?: string };
  token?: string;
}

/**
 * TLS and token of a connection to `url`: flags first, then the listener's environment variables.
 * TLS applies when the URL is https://, or --tls / `DANUBE_[ADMIN_]TLS=true` is given (the URL
 * then becomes https://). TLS flags without TLS are a usage error; TLS variables without TLS are
 * ignored, as danube-admin ignores them. `keyFlag: false` where `--key` means something else.
 */
export function connectionOf(
  flags: Flags,
  listener: Listener,
  url: string,
  { keyFlag = true, env = process.env }: { keyFlag?: boolean; env?: NodeJS.ProcessEnv } = {},
): Connection {
  const names = securityEnv[listener];
  const token =
    flags.string("token") ?? names.token.map((n) => nonEmpty(env[n])).find((v) => v !== undefined);
  const keyFlags = keyFlag ? ["tls-key", "key"] : ["tls-key"];
  const given = {
    ca: flags.string("ca"),
    cert: flags.string("cert"),
    key: flags.oneOf(...keyFlags),
    domain: flags.string("domain"),
  };
  const scheme = /^(https?):\/\//i.exec(url)?.[1]?.toLowerCase();
  const tls = scheme === "https" || flags.bool("tls") || nonEmpty(env[names.tls])?.toLowerCase() === "true";
  if (!tls) {
    const flag = Object.entries(given).find(([, v]) => v !== undefined)?.[0];
    if (flag !== undefined) flags.fail(`--${flag} applies to TLS: use an https:// URL or --tls`);
    // Without a scheme a URL is plaintext, as in danube-admin (the library would choose TLS for a token).
    const httpUrl = scheme === undefined ? `http://${url}` : url;
    return token === undefined ? { url: httpUrl } : { url: httpUrl, token };
  }
  const ca = given.ca ?? nonEmpty(env[names.ca]);
  const cert = given.cert ?? nonEmpty(env[names.cert]);
  const key = given.key ?? nonEmpty(env[names.key]);
  const serverName = given.domain ?? nonEmpty(env[names.domain]);
  if ((cert === undefined) !== (key === undefined)) {
    flags.fail(`a client certificate needs both --cert and --key (or ${names.cert} and ${names.key})`);
  }
  const options: NonNullable<Connection["tls"]> = {};
  if (ca !== undefined) options.ca = ca;
  if (cert !== undefined) options.cert = cert;
  if (key !== undefined) options.key = key;
  if (serverName !== undefined) options.serverName = serverName;
  const httpsUrl = scheme === undefined ? `https://${url}` : url.replace(/^http:\/\//i, "https://");
  return token === undefined ? { url: httpsUrl, tls: options } : { url: httpsUrl, tls: options, token };
}

/** The service URL with its TLS and token (produce, consume, schemas). */
export function serviceConnection(flags: Flags, options: { keyFlag?: boolean } = {}): Connection {
  return connectionOf(flags, "service", serviceUrlOf(flags), options);
}

/** The admin URL with its TLS and token (topics, namespaces, subscriptions, brokers, security). */
export function adminConnection(flags: Flags): Connection {
  return connectionOf(flags, "admin", adminUrlOf(flags));
}
