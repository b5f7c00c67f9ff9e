import { mkdir } from "node:fs/promises";
import { ConsoleFacade } from "./console/facade.ts";
import { type ConsoleEndpoint, serveConsole } from "./console/server.ts";
import { BrokerCore, type BrokerRecovery } from "./core/broker-core.ts";
import type { MemoryStats } from "./core/memory-budget.ts";
import type { SubscriptionUnreadable } from "./core/unreadable-records.ts";
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
  /** `http://host:port` of the web console (docs/console.md), undefined when it is off. */
  readonly consoleUrl: string | undefined;
  /** Message bytes held in memory against the byte budgets, and the drops and deferrals they caused. */
  memoryStats(): MemoryStats;
  /**
   * What the broker found and repaired in the data dir at start: damaged metadata entries, and
   * per topic the offsets lost to damage (also logged at start). Empty lists on a clean start.
   */
  readonly recovery: BrokerRecovery;
  /**
   * Unreadable offsets (damaged or undecodable records) that reliable subscriptions met since start,
   * per subscription: counts and the recent ranges, skipped or dead-lettered (docs/delivery.md).
   */
  unreadableRecords(): SubscriptionUnreadable[];
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
  // The console's charts read the same metrics, so they are kept when either is on.
  const metricsLimits =
    opts.prometheus ?? (opts.console && { maxTopicSeries: 1000, maxSubscriptionSeries: 5000 });
  const metrics = metricsLimits ? new BrokerMetrics(core, metricsLimits) : undefined;
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
  let consoleEndpoint: ConsoleEndpoint | undefined;
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
    if (opts.console) {
      const facade = new ConsoleFacade(
        core,
        metrics,
        () => ({
          brokerId: String(core.brokerId),
          url,
          adminUrl,
          metricsUrl: endpoint && `http://${endpoint.address}/metrics`,
          security: security.enabled,
        }),
        opts.console,
      );
      consoleEndpoint = await serveConsole({
        host: opts.console.host,
        port: opts.console.port,
        facade,
        security,
        logger: opts.logger,
        tls: opts.adminTls && opts.auth.mode === "tls" ? opts.auth.tls : undefined,
        maxBodyBytes: opts.maxMessageSize * 2 + 64 * 1024,
      });
    }
  } catch (err) {
    clientServer.forceShutdown();
    adminServer.forceShutdown();
    await endpoint?.close();
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
  if (consoleEndpoint) {
    opts.logger.info(`web console on ${consoleEndpoint.url}`);
    if (opts.auth.mode === "tls" && !opts.adminTls)
      opts.logger.warn(
        "the web console serves plain HTTP: tokens typed into it cross the network in clear; turn on adminTls",
      );
  }
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
        consoleEndpoint?.close(),
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
    consoleUrl: consoleEndpoint?.url,
    memoryStats: () => core.memoryStats(),
    recovery: core.recovery,
    unreadableRecords: () => core.unreadableRecords(),
    close,
    [Symbol.asyncDispose]: close,
  };
}
