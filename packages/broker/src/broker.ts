import { mkdir } from "node:fs/promises";
import { BrokerCore } from "./core/broker-core.ts";
import { lockDataDir } from "./data-dir-lock.ts";
import { bind, createAdminServer, createClientServer, shutdown } from "./grpc/server.ts";
import { type BrokerOptions, resolveBrokerOptions } from "./options.ts";
import { Security } from "./security/security.ts";
import { serverCredentials } from "./security/tls.ts";

/** A running standalone broker. */
export interface RunningBroker {
  /** Client listener URL as handed to clients, e.g. `http://127.0.0.1:6650`. */
  readonly url: string;
  /** Admin listener URL, e.g. `http://127.0.0.1:50051`. */
  readonly adminUrl: string;
  readonly host: string;
  readonly port: number;
  readonly adminPort: number;
  /** Stable across restarts on the same data dir. */
  readonly brokerId: bigint;
  readonly dataDir: string;
  /** Stops both listeners, ends consumer streams, persists cursors and closes storage. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const urlHost = (host: string) => (host.includes(":") && !host.startsWith("[") ? `[${host}]` : host);

/**
 * Starts a standalone broker: opens (or recovers) the data dir, then serves the danube client
 * services on `host:port` and the admin services on `adminHost:adminPort`.
 */
export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const opts = resolveBrokerOptions(options);
  await mkdir(opts.dataDir, { recursive: true });
  const unlock = await lockDataDir(opts.dataDir);
  let core: BrokerCore;
  try {
    core = await BrokerCore.open(opts);
  } catch (err) {
    await unlock();
    throw err;
  }
  let url = "";
  let adminUrl = "";
  const security = new Security(
    opts.auth,
    core.store,
    (topic, subscription) => core.catalog.get(topic)?.subscriptions.has(subscription) ?? false,
    (topic) => core.catalog.get(topic) !== undefined,
    opts.logger,
  );
  const clientServer = createClientServer({ core, logger: opts.logger, brokerUrl: () => url, security });
  const adminServer = createAdminServer({
    core,
    logger: opts.logger,
    brokerUrl: () => url,
    adminUrl: () => adminUrl,
    security,
  });
  const tls = opts.auth.mode === "tls";
  const requireClientCert = opts.auth.mode === "tls" && opts.auth.requireClientCert;
  let port: number;
  let adminPort: number;
  try {
    port = await bind(
      clientServer,
      opts.host,
      opts.port,
      serverCredentials(opts.auth, tls, requireClientCert),
    );
    adminPort = await bind(
      adminServer,
      opts.adminHost,
      opts.adminPort,
      serverCredentials(opts.auth, opts.adminTls, false),
    );
  } catch (err) {
    clientServer.forceShutdown();
    adminServer.forceShutdown();
    await core.close();
    await unlock();
    throw err;
  }
  // Lookups hand out https:// URLs when the client port speaks TLS, as upstream.
  url = `${tls ? "https" : "http"}://${opts.advertisedAddr ?? `${urlHost(opts.host)}:${port}`}`;
  core.brokerUrl = url;
  adminUrl = `${opts.adminTls ? "https" : "http"}://${urlHost(opts.adminHost)}:${adminPort}`;
  opts.logger.info(`broker ${core.brokerId} serving ${url} (admin ${adminUrl}), data in ${opts.dataDir}`);
  if (opts.auth.mode === "tls") {
    const mtls = opts.auth.requireClientCert ? ", client certificates required" : "";
    opts.logger.info(
      `auth mode tls: tokens and RBAC on every call${mtls}; super admins: ${opts.auth.superAdmins.join(", ") || "none"}`,
    );
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Stop taking new calls, end open streams, then persist and close storage.
      const servers = Promise.all([shutdown(clientServer, opts.logger), shutdown(adminServer, opts.logger)]);
      await core.close();
      await servers;
      await unlock();
    })();
    return closing;
  };
  return {
    url,
    adminUrl,
    host: opts.host,
    port,
    adminPort,
    brokerId: core.brokerId,
    dataDir: opts.dataDir,
    close,
    [Symbol.asyncDispose]: close,
  };
}
