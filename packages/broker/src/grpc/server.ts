import { admin, consumeStream, danube, publishStream, schema } from "@danube-ts/protocol";
import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { Logger } from "../logger.ts";
import type { BrokerMetrics } from "../metrics/broker-metrics.ts";
import { timeService } from "../metrics/rpc-timing.ts";
import type { Security } from "../security/security.ts";
import {
  type AdminServicesContext,
  brokerAdminService,
  clusterAdminService,
  namespaceAdminService,
  topicAdminService,
} from "./admin-services.ts";
import {
  type ClientServicesContext,
  consumerService,
  discoveryService,
  healthService,
  producerService,
  storageService,
} from "./client-services.ts";
import { consumeStreamService } from "./consume-stream.ts";
import { serveStoredDeliveries } from "./delivery-frames.ts";
import { applyFlowControl } from "./flow-control.ts";
import { rejectMalformed } from "./handlers.ts";
import { keepPublishedBytes, keepReceivedBytes, serveStoredBytes } from "./keep-received.ts";
import type { OpenStreams } from "./open-streams.ts";
import { publishStreamService } from "./publish-stream.ts";
import { schemaRegistryService } from "./schema-service.ts";
import { secureService } from "./secure.ts";
import { securityAdminService } from "./security-admin.ts";

/**
 * Transport settings. The receive limit sits 1 MiB above the payload policy, so an oversized
 * payload reaches the broker's own check and gets INVALID_ARGUMENT (upstream clients retry
 * grpc-js's RESOURCE_EXHAUSTED forever).
 */
function serverOptions(maxMessageSize: number) {
  return {
    "grpc.max_receive_message_length": maxMessageSize + 1024 * 1024,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.min_ping_interval_without_data_ms": 5_000,
  };
}

/**
 * Adds a service with its wrappers, outermost first: undecodable requests answer INVALID_ARGUMENT
 * ({@link rejectMalformed}); with the Prometheus endpoint on, every call is timed and counted
 * ({@link timeService}); with security on, every call is authenticated and authorized
 * ({@link secureService}) before the handler runs.
 */
function adder(server: Server, security: Security, logger: Logger, metrics: BrokerMetrics | undefined) {
  return (definition: ServiceDefinition, implementation: object) => {
    const secured = security.enabled
      ? secureService(definition, implementation, security, logger)
      : implementation;
    const impl = metrics
      ? timeService(definition, secured as UntypedServiceImplementation, metrics)
      : secured;
    const safe = rejectMalformed(definition, impl as UntypedServiceImplementation);
    server.addService(safe.definition, safe.implementation);
  };
}

/** Security and (when the Prometheus endpoint is on) RPC timing, applied to every service. */
interface Wrapping {
  security: Security;
  metrics?: BrokerMetrics | undefined;
}

export function createClientServer(ctx: ClientServicesContext & Wrapping & { streams: OpenStreams }): Server {
  const server = new Server(serverOptions(ctx.core.options.maxMessageSize));
  const add = adder(server, ctx.security, ctx.logger, ctx.metrics);
  if (ctx.core.options.extensions.publishStream) {
    add(keepPublishedBytes(publishStream.PublishStreamService, "publish"), publishStreamService(ctx));
  }
  add(keepReceivedBytes(danube.ProducerServiceService, "sendMessage"), producerService(ctx));
  add(serveStoredBytes(danube.ConsumerServiceService, "receiveMessages"), consumerService(ctx));
  add(danube.DiscoveryService, discoveryService(ctx));
  add(danube.HealthCheckService, healthService(ctx));
  add(danube.StorageServiceService, storageService(ctx));
  if (ctx.core.options.extensions.consumeStream) {
    add(serveStoredDeliveries(consumeStream.ConsumeStreamService, "consume"), consumeStreamService(ctx));
  }
  add(
    schema.SchemaRegistryService,
    schemaRegistryService({ registry: ctx.core.registry, logger: ctx.logger }),
  );
  return server;
}

export function createAdminServer(ctx: AdminServicesContext & Wrapping): Server {
  const server = new Server(serverOptions(ctx.core.options.maxMessageSize));
  const add = adder(server, ctx.security, ctx.logger, ctx.metrics);
  add(admin.BrokerAdminService, brokerAdminService(ctx));
  add(admin.ClusterAdminService, clusterAdminService());
  add(admin.NamespaceAdminService, namespaceAdminService(ctx));
  add(admin.TopicAdminService, topicAdminService(ctx));
  add(admin.SecurityAdminService, securityAdminService(ctx.security, ctx.logger));
  add(
    schema.SchemaRegistryService,
    schemaRegistryService({ registry: ctx.core.registry, logger: ctx.logger }),
  );
  return server;
}

/**
 * Binds `server` and resolves with the port it got (useful with port 0). Its HTTP/2 sessions get
 * the broker's flow-control windows (flow-control.ts).
 */
export function bind(
  server: Server,
  host: string,
  port: number,
  credentials: ServerCredentials = ServerCredentials.createInsecure(),
): Promise<number> {
  const address = host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (err, bound) => {
      if (err) return reject(err);
      applyFlowControl(server);
      resolve(bound);
    });
  });
}

/** Graceful shutdown with a deadline, then forced. */
export function shutdown(server: Server, logger: Logger, graceMs = 2_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      logger.debug("forcing gRPC server shutdown");
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
