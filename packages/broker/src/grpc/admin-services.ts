import { admin } from "@danube-ts/protocol";
import { AdminOps, deliveryName } from "../core/admin-ops.ts";
import type { BrokerCore } from "../core/broker-core.ts";
import type { FailurePolicy } from "../core/types.ts";
import { failedPrecondition, invalidArgument, notFound } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { notInStandalone, unary } from "./handlers.ts";

export interface AdminServicesContext {
  core: BrokerCore;
  logger: Logger;
  brokerUrl: () => string;
  adminUrl: () => string;
  /** `host:port` of the Prometheus endpoint, "" when off (upstream's `metrics_addr`). */
  metricsAddr: () => string;
}

const { SubscriptionPoisonPolicy: WirePoison, SubscriptionBackoffStrategy: WireBackoff } = admin;
const POISON = new Map<number, FailurePolicy["poison"]>([
  [WirePoison.DeadLetter, "dead_letter"],
  [WirePoison.Block, "block"],
  [WirePoison.Drop, "drop"],
]);
const BACKOFF = new Map<number, FailurePolicy["backoff"]>([
  [WireBackoff.Fixed, "fixed"],
  [WireBackoff.Exponential, "exponential"],
]);
const wireValue = <T>(table: Map<number, T>, value: T): number =>
  [...table].find(([, v]) => v === value)?.[0] as number;

function policyFromWire(wire: admin.SubscriptionFailurePolicy | undefined): FailurePolicy | undefined {
  if (!wire) return undefined;
  const poison = POISON.get(wire.poisonPolicy);
  const backoff = BACKOFF.get(wire.backoffStrategy);
  if (!poison) throw invalidArgument(`Invalid poison policy ${wire.poisonPolicy}`);
  if (!backoff) throw invalidArgument(`Invalid backoff strategy ${wire.backoffStrategy}`);
  return {
    maxRedeliveryCount: wire.maxRedeliveryCount,
    ackTimeoutMs: Number(wire.ackTimeoutMs),
    baseRedeliveryDelayMs: Number(wire.baseRedeliveryDelayMs),
    maxRedeliveryDelayMs: Number(wire.maxRedeliveryDelayMs),
    backoff,
    poison,
    deadLetterTopic: wire.deadLetterTopic,
  };
}

function policyToWire(policy: FailurePolicy): admin.SubscriptionFailurePolicy {
  return {
    maxRedeliveryCount: policy.maxRedeliveryCount,
    ackTimeoutMs: BigInt(policy.ackTimeoutMs),
    baseRedeliveryDelayMs: BigInt(policy.baseRedeliveryDelayMs),
    maxRedeliveryDelayMs: BigInt(policy.maxRedeliveryDelayMs),
    backoffStrategy: wireValue(BACKOFF, policy.backoff),
    deadLetterTopic: policy.deadLetterTopic,
    poisonPolicy: wireValue(POISON, policy.poison),
  };
}

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
          metricsAddr: ctx.metricsAddr(),
          brokerStatus: "active",
        },
      ],
    })),
    getLeaderBroker: unary(logger, () => ({ leader: "not_found" })),
    listNamespaces: unary(logger, () => ({ namespaces: core.catalog.namespaces() })),
    unloadBroker: unary(logger, () => {
      throw failedPrecondition("Cannot unload broker: single broker cluster detected.");
    }),
    activateBroker: unary(logger, (req: admin.ActivateBrokerRequest) => {
      if (req.brokerId.length === 0) throw invalidArgument("broker_id is required");
      return { success: true };
    }),
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
  const ops = new AdminOps(core);
  return {
    getNamespaceTopics: unary(logger, (req: admin.NamespaceRequest) => {
      if (!core.catalog.hasNamespace(req.name)) throw notFound(`Namespace ${req.name} not found`);
      // Upstream quirk kept for compatibility: these names have no leading slash.
      return { topics: ops.topicsOf(req.name).map((t) => t.name.slice(1)) };
    }),
    getNamespacePolicies: unary(logger, (req: admin.NamespaceRequest) => ({
      policies: ops.namespacePolicies(req.name),
    })),
    createNamespace: unary(logger, async (req: admin.NamespaceRequest) => {
      await ops.createNamespace(req.name);
      return { success: true };
    }),
    deleteNamespace: unary(logger, async (req: admin.NamespaceRequest) => {
      await ops.deleteNamespace(req.name);
      return { success: true };
    }),
  };
}

export function topicAdminService(ctx: AdminServicesContext): Partial<admin.TopicAdminServer> {
  const { core, logger } = ctx;
  const ops = new AdminOps(core);
  return {
    listNamespaceTopics: unary(logger, (req: admin.NamespaceRequest) => ({
      topics: ops.topicsOf(req.name).map((t) => ({
        name: t.name,
        brokerId: String(core.brokerId),
        delivery: deliveryName(t.dispatchStrategy),
      })),
    })),
    // Upstream lists the topics assigned to the broker id asked for; here every topic is on this
    // broker. An empty id is taken as this broker (upstream would list nothing for it).
    listBrokerTopics: unary(logger, (req: admin.BrokerRequest) => {
      const self = String(core.brokerId);
      if (req.brokerId !== "" && req.brokerId !== self) return { topics: [] };
      return {
        topics: core.catalog
          .all()
          .filter((t) => !t.deleted)
          .map((t) => ({ name: t.name, brokerId: self, delivery: deliveryName(t.dispatchStrategy) })),
      };
    }),
    createTopic: unary(logger, async (req: admin.NewTopicRequest) => {
      const topic = await ops.createTopic(req.name, req.dispatchStrategy);
      if (req.schemaSubject) await core.registry.assignSubject(topic.name, req.schemaSubject);
      return { success: true };
    }),
    createPartitionedTopic: unary(logger, async (req: admin.PartitionedTopicRequest) => {
      const topics = await ops.createPartitionedTopic(req.baseName, req.partitions, req.dispatchStrategy);
      if (req.schemaSubject)
        for (const t of topics) await core.registry.assignSubject(t.name, req.schemaSubject);
      return { success: true };
    }),
    deleteTopic: unary(logger, async (req: admin.TopicRequest) => {
      await ops.deleteTopic(req.name);
      return { success: true };
    }),
    unloadTopic: notInStandalone("topic unload"),
    listSubscriptions: unary(logger, (req: admin.TopicRequest) => ({
      subscriptions: ops.listSubscriptions(req.name),
    })),
    unsubscribe: unary(logger, async (req: admin.SubscriptionRequest) => {
      await ops.unsubscribe(req.topic, req.subscription);
      return { success: true };
    }),
    setSubscriptionFailurePolicy: unary(logger, async (req: admin.SetSubscriptionFailurePolicyRequest) => {
      await ops.setFailurePolicy(req.topic, req.subscription, policyFromWire(req.failurePolicy));
      return { success: true };
    }),
    getSubscriptionFailurePolicy: unary(logger, (req: admin.GetSubscriptionFailurePolicyRequest) => {
      const { policy, type } = ops.failurePolicy(req.topic, req.subscription);
      return { failurePolicy: policy && policyToWire(policy), subscriptionType: type };
    }),
    describeTopic: unary(logger, (req: admin.DescribeTopicRequest) => {
      const description = ops.describeTopic(req.name);
      const schema = core.registry.describeTopic(description.name);
      return {
        ...description,
        brokerId: String(core.brokerId),
        schemaSubject: schema?.subject,
        schemaId: schema?.schemaId,
        schemaVersion: schema?.version,
        schemaType: schema?.schemaType,
        compatibilityMode: schema?.compatibilityMode,
      };
    }),
    setSubscriptionDispatchConfig: unary(logger, async (req: admin.SetSubscriptionDispatchConfigRequest) => {
      if (!req.dispatchConfig) throw invalidArgument("dispatch_config is required");
      await ops.setMaxUnacked(req.topic, req.subscription, req.dispatchConfig.maxUnackedMessages);
      return { success: true };
    }),
    getSubscriptionDispatchConfig: unary(logger, (req: admin.GetSubscriptionDispatchConfigRequest) => {
      const max = ops.maxUnacked(req.topic, req.subscription);
      return { dispatchConfig: max === undefined ? undefined : { maxUnackedMessages: max } };
    }),
  };
}
