import { admin, danube, schema } from "@danube-ts/protocol";
import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { Logger } from "../logger.ts";
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
import { rejectMalformed } from "./handlers.ts";
import { schemaRegistryService } from "./schema-service.ts";

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

function add(server: Server, definition: ServiceDefinition, implementation: object): void {
  const safe = rejectMalformed(definition, implementation as UntypedServiceImplementation);
  server.addService(safe.definition, safe.implementation);
}

export function createClientServer(ctx: ClientServicesContext): Server {
  const server = new Server(serverOptions(ctx.core.options.maxMessageSize));
  add(server, danube.ProducerServiceService, producerService(ctx));
  add(server, danube.ConsumerServiceService, consumerService(ctx));
  add(server, danube.DiscoveryService, discoveryService(ctx));
  add(server, danube.HealthCheckService, healthService(ctx));
  add(server, danube.StorageServiceService, storageService(ctx));
  add(
    server,
    schema.SchemaRegistryService,
    schemaRegistryService({ registry: ctx.core.registry, logger: ctx.logger }),
  );
  return server;
}

export function createAdminServer(ctx: AdminServicesContext): Server {
  const server = new Server(serverOptions(ctx.core.options.maxMessageSize));
  add(server, admin.BrokerAdminService, brokerAdminService(ctx));
  add(server, admin.ClusterAdminService, clusterAdminService());
  add(server, admin.NamespaceAdminService, namespaceAdminService(ctx));
  add(server, admin.TopicAdminService, topicAdminService(ctx));
  add(
    server,
    schema.SchemaRegistryService,
    schemaRegistryService({ registry: ctx.core.registry, logger: ctx.logger }),
  );
  return server;
}

/** Binds `server` and resolves with the port it got (useful with port 0). */
export function bind(server: Server, host: string, port: number): Promise<number> {
  const address = host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
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
