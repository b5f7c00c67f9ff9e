import type { admin } from "@danube-ts/protocol";
import type { BrokerCore } from "../core/broker-core.ts";
import { DispatchStrategy } from "../core/types.ts";
import { alreadyExists, BrokerError, invalidArgument, notFound } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { assertTopicName, partitionName } from "../topic-name.ts";
import { notInStandalone, unary } from "./handlers.ts";

// The admin surface is minimal for now (issue #2): listing and creating. The remaining RPCs answer
// UNIMPLEMENTED through grpc-js until their issues land.

export interface AdminServicesContext {
  core: BrokerCore;
  logger: Logger;
  brokerUrl: () => string;
  adminUrl: () => string;
}

const delivery = (strategy: DispatchStrategy) =>
  strategy === DispatchStrategy.Reliable ? "Reliable" : "NonReliable";

export function brokerAdminService(ctx: AdminServicesContext): Partial<admin.BrokerAdminServer> {
  const { core, logger } = ctx;
  return {
    listBrokers: unary(logger, () => ({
      brokers: [
        {
          brokerId: String(core.brokerId),
          brokerAddr: ctx.brokerUrl(),
          brokerRole: "None",
          adminAddr: ctx.adminUrl(),
          metricsAddr: "",
          brokerStatus: "active",
        },
      ],
    })),
    getLeaderBroker: unary(logger, () => ({ leader: "not_found" })),
    listNamespaces: unary(logger, () => ({ namespaces: core.catalog.namespaces() })),
    getClusterBalance: notInStandalone("cluster balance"),
    triggerRebalance: notInStandalone("rebalance"),
  };
}

export function clusterAdminService(): Partial<admin.ClusterAdminServer> {
  return {
    clusterStatus: notInStandalone("cluster operations"),
    addNode: notInStandalone("cluster operations"),
    promoteNode: notInStandalone("cluster operations"),
    removeNode: notInStandalone("cluster operations"),
  };
}

export function namespaceAdminService({
  core,
  logger,
}: AdminServicesContext): Partial<admin.NamespaceAdminServer> {
  return {
    getNamespaceTopics: unary(logger, (req: admin.NamespaceRequest) => {
      if (!core.catalog.hasNamespace(req.name)) throw notFound(`Namespace ${req.name} not found`);
      return {
        topics: core.catalog
          .all()
          .filter((t) => t.name.startsWith(`/${req.name}/`))
          .map((t) => t.name.slice(1)),
      };
    }),
  };
}

export function topicAdminService({ core, logger }: AdminServicesContext): Partial<admin.TopicAdminServer> {
  const create = async (name: string, strategy: number) => {
    if (strategy !== DispatchStrategy.NonReliable && strategy !== DispatchStrategy.Reliable) {
      throw invalidArgument(`Invalid dispatch strategy ${strategy}`);
    }
    try {
      assertTopicName(name);
      if (core.catalog.get(name)) throw alreadyExists(`Topic '${name}' already exists`);
      await core.catalog.getOrCreate(name, strategy as DispatchStrategy);
    } catch (err) {
      const reason = err instanceof BrokerError ? err.message : String(err);
      throw notFound(`Unable to create the topic ${name} due to ${reason}`);
    }
  };
  return {
    listNamespaceTopics: unary(logger, (req: admin.NamespaceRequest) => ({
      topics: core.catalog
        .all()
        .filter((t) => t.name.startsWith(`/${req.name}/`))
        .map((t) => ({ name: t.name, brokerId: "", delivery: delivery(t.dispatchStrategy) })),
    })),
    listBrokerTopics: unary(logger, () => ({ topics: [] })),
    createTopic: unary(logger, async (req: admin.NewTopicRequest) => {
      await create(req.name, req.dispatchStrategy);
      return { success: true };
    }),
    createPartitionedTopic: unary(logger, async (req: admin.PartitionedTopicRequest) => {
      for (let i = 0; i < req.partitions; i++)
        await create(partitionName(req.baseName, i), req.dispatchStrategy);
      return { success: true };
    }),
    unloadTopic: notInStandalone("topic unload"),
    listSubscriptions: unary(logger, (req: admin.TopicRequest) => {
      const topic = core.catalog.get(req.name);
      if (!topic) throw notFound(`Unable to find the topic: ${req.name}`);
      return { subscriptions: [...topic.subscriptions.keys()] };
    }),
  };
}
