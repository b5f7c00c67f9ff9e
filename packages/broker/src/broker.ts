import { mkdir } from "node:fs/promises";
import { BrokerCore, type BrokerRecovery } from "./core/broker-core.ts";
import type { MemoryStats } from "./core/memory-budget.ts";
import { lockDataDir } from "./data-dir-lock.ts";
import { OpenStreams } from "./grpc/open-streams.ts";
import { bind, createAdminServer, createClientServer, shutdown } from "./grpc/server.ts";
import { BrokerMetrics } from "./metrics/broker-metrics.ts";
import { type MetricsEndpoint, serveMetrics } from "./metrics/http-exporter.ts";
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
  /** `http://host:port/metrics` of the Prometheus endpoint, undefined when it is off. */
  readonly metricsUrl: string | undefined;
  /** Message bytes held in memory against the byte budgets, and the drops and deferrals they caused. */
  memoryStats(): MemoryStats;
  /**
   * What the broker found and repaired in the data dir at start: damaged metadata entries, and
   * per topic the offsets lost to damage (also logged at start). Empty lists on a clean start.
   */
  readonly recovery: BrokerRecovery;
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
  let metricsAddr = "";
  const metrics = opts.prometheus && new BrokerMetrics(core, opts.prometheus);
  const security = new Security(
    opts.auth,
    core.store,
    (topic, subscription) => core.catalog.get(topic)?.subscriptions.has(subscription) ?? false,
    (topic) => core.catalog.get(topic) !== undefined,
    opts.logger,
  );
  if (metrics)
    security.onDecision = (allowed, resource, permission) =>
      metrics.authz(allowed, resource.kind, permission);
  const streams = new OpenStreams();
  const clientServer = createClientServer({
    core,
    streams,
    logger: opts.logger,
    brokerUrl: () => url,
    security,
    metrics,
  });
  const adminServer = createAdminServer({
    core,
    logger: opts.logger,
    brokerUrl: () => url,
    adminUrl: () => adminUrl,
    metricsAddr: () => metricsAddr,
    security,
    metrics,
  });
  const tls = opts.auth.mode === "tls";
  const requireClientCert = opts.auth.mode === "tls" && opts.auth.requireClientCert;
  let port: number;
  let adminPort: number;
  let endpoint: MetricsEndpoint | undefined;
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
    if (metrics && opts.prometheus) {
      endpoint = await serveMetrics(metrics, opts.prometheus.host, opts.prometheus.port, opts.logger);
      metricsAddr = endpoint.address;
    }
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
  if (endpoint) opts.logger.info(`Prometheus metrics on http://${endpoint.address}/metrics`);
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
      streams.endAll();
      const servers = Promise.all([
        shutdown(clientServer, opts.logger),
        shutdown(adminServer, opts.logger),
        endpoint?.close(),
      ]);
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
    metricsUrl: endpoint && `http://${endpoint.address}/metrics`,
    memoryStats: () => core.memoryStats(),
    recovery: core.recovery,
    close,
    [Symbol.asyncDispose]: close,
  };
}
