// What each RPC needs: upstream's permission and resource per method (danube-broker's handlers),
// with the differences listed in docs/security.md ("Differences from upstream").
import type { Principal } from "./authenticate.ts";
import type { ClientBindings } from "./client-bindings.ts";
import { Permission, type Resource } from "./rbac.ts";

type Request = Record<string, unknown>;

export interface RuleContext {
  principal: Principal;
  /** Super admins and broker-internal callers skip the ownership checks too. */
  privileged: boolean;
  bindings: ClientBindings;
  /** RBAC check for rules whose resource is only known inside `check`. */
  authorize(resource: Resource, permission: Permission): void;
}

export interface Rule {
  /** Permission needed; undefined: authentication only (HealthCheck, StorageService). */
  permission?: Permission;
  resource?: (req: Request, ctx: RuleContext) => Resource;
  /** Extra checks after RBAC (ownership); throws BrokerError. */
  check?: (req: Request, ctx: RuleContext) => void;
  /** Runs after the handler succeeded, with its response. */
  after?: (req: Request, res: Request, ctx: RuleContext) => Promise<void> | void;
}

const str = (req: Request, field: string) => (typeof req[field] === "string" ? (req[field] as string) : "");
const msgTopic = (req: Request) => {
  const id = req.msgId as { topicName?: unknown } | undefined;
  return typeof id?.topicName === "string" ? id.topicName : "";
};

const cluster = (): Resource => ({ kind: "Cluster" });
const topic =
  (field: string) =>
  (req: Request): Resource => ({ kind: "Topic", name: str(req, field) });
const namespace =
  (field: string) =>
  (req: Request): Resource => ({ kind: "Namespace", name: str(req, field) });
const subject = (req: Request): Resource => ({ kind: "SchemaSubject", name: str(req, "subject") });
const broker = (req: Request): Resource => ({ kind: "Broker", id: str(req, "brokerId") });

const on = (permission: Permission, resource: Rule["resource"]): Rule => ({ permission, resource });
const authenticatedOnly: Rule = {};

const client: Record<string, Rule> = {
  "/danube.ProducerService/CreateProducer": {
    ...on(Permission.Produce, topic("topicName")),
    check: (req, ctx) => {
      if (!ctx.privileged) {
        ctx.bindings.checkProducerName(ctx.principal, str(req, "topicName"), str(req, "producerName"));
      }
    },
    after: (req, res, ctx) =>
      ctx.bindings.producerCreated(
        ctx.principal,
        ctx.privileged,
        res.producerId as bigint,
        str(req, "topicName"),
        str(req, "producerName"),
      ),
  },
  "/danube.ProducerService/SendMessage": {
    permission: Permission.Produce,
    // The producer's own topic when known (upstream trusts msg_id.topic_name).
    resource: (req, ctx) => {
      const id = req.msgId as { producerId?: bigint } | undefined;
      const known = id?.producerId === undefined ? undefined : ctx.bindings.producerTopic(id.producerId);
      return { kind: "Topic", name: known ?? msgTopic(req) };
    },
    check: (req, ctx) => {
      const id = req.msgId as { producerId?: bigint } | undefined;
      if (!ctx.privileged && id?.producerId !== undefined)
        ctx.bindings.checkProducer(ctx.principal, id.producerId);
    },
  },
  "/danube.ConsumerService/Subscribe": {
    ...on(Permission.Consume, topic("topicName")),
    check: (req, ctx) =>
      ctx.bindings.beforeSubscribe(
        ctx.principal,
        str(req, "topicName"),
        str(req, "subscription"),
        ctx.privileged,
      ),
    after: (req, res, ctx) =>
      ctx.bindings.subscribed(
        ctx.principal,
        ctx.privileged,
        res.consumerId as bigint,
        str(req, "topicName"),
        str(req, "subscription"),
      ),
  },
  "/danube.ConsumerService/ReceiveMessages": {
    // Upstream checks Consume on the cluster; we check Consume on the consumer's topic. A consumer
    // id this broker never handed out (e.g. from before a restart) needs no permission: the broker
    // answers NOT_FOUND, which tells clients to subscribe again.
    check: (req, ctx) => {
      const entry = ctx.bindings.consumer(req.consumerId as bigint);
      if (!entry) return;
      ctx.authorize({ kind: "Topic", name: entry.topic }, Permission.Consume);
      if (!ctx.privileged) ctx.bindings.checkConsumer(ctx.principal, req.consumerId as bigint);
    },
  },
  "/danube.ConsumerService/Ack": {
    permission: Permission.Consume,
    resource: (req) => ({ kind: "Topic", name: msgTopic(req) }),
    check: (req, ctx) => {
      if (!ctx.privileged) {
        ctx.bindings.checkSubscription(ctx.principal, msgTopic(req), str(req, "subscriptionName"));
      }
    },
  },
  // danube-ts extension: opening the stream only authenticates; each message is then admitted as
  // a SendMessage (same permission, same producer ownership check).
  "/danube_ts.stream.PublishStream/Publish": authenticatedOnly,
  "/danube.Discovery/TopicLookup": on(Permission.Lookup, topic("topic")),
  "/danube.Discovery/TopicPartitions": on(Permission.Lookup, topic("topic")),
  "/danube.HealthCheck/HealthCheck": authenticatedOnly,
  "/danube.StorageService/ListSegmentDescriptors": authenticatedOnly,
};
client["/danube.ConsumerService/Nack"] = client["/danube.ConsumerService/Ack"]!;

const schemaRules: Record<string, Rule> = {
  "/danube_schema.SchemaRegistry/RegisterSchema": on(Permission.ManageSchema, subject),
  "/danube_schema.SchemaRegistry/GetSchema": on(Permission.ManageSchema, cluster),
  "/danube_schema.SchemaRegistry/GetLatestSchema": on(Permission.ManageSchema, subject),
  "/danube_schema.SchemaRegistry/ListVersions": on(Permission.ManageSchema, subject),
  "/danube_schema.SchemaRegistry/CheckCompatibility": on(Permission.ManageSchema, subject),
  "/danube_schema.SchemaRegistry/DeleteSchemaVersion": on(Permission.ManageSchema, subject),
  "/danube_schema.SchemaRegistry/SetCompatibilityMode": on(Permission.ManageSchema, subject),
  "/danube_schema.SchemaRegistry/ConfigureTopicSchema": on(Permission.ManageSchema, topic("topicName")),
  "/danube_schema.SchemaRegistry/UpdateTopicValidationPolicy": on(
    Permission.ManageSchema,
    topic("topicName"),
  ),
  "/danube_schema.SchemaRegistry/GetTopicSchemaConfig": on(Permission.ManageSchema, topic("topicName")),
  "/danube_schema.SchemaRegistry/ListSubjects": on(Permission.ManageSchema, cluster),
};

const adminRules: Record<string, Rule> = {
  "/danube_admin.BrokerAdmin/ListBrokers": on(Permission.ManageBroker, cluster),
  "/danube_admin.BrokerAdmin/GetLeaderBroker": on(Permission.ManageBroker, cluster),
  "/danube_admin.BrokerAdmin/ListNamespaces": on(Permission.ManageNamespace, cluster),
  "/danube_admin.BrokerAdmin/ActivateBroker": on(Permission.ManageBroker, broker),
  "/danube_admin.BrokerAdmin/UnloadBroker": on(Permission.ManageBroker, broker),
  "/danube_admin.BrokerAdmin/GetClusterBalance": on(Permission.ManageCluster, cluster),
  "/danube_admin.BrokerAdmin/TriggerRebalance": on(Permission.ManageCluster, cluster),
  "/danube_admin.NamespaceAdmin/GetNamespaceTopics": on(Permission.ManageNamespace, namespace("name")),
  "/danube_admin.NamespaceAdmin/GetNamespacePolicies": on(Permission.ManageNamespace, namespace("name")),
  "/danube_admin.NamespaceAdmin/CreateNamespace": on(Permission.ManageNamespace, namespace("name")),
  "/danube_admin.NamespaceAdmin/DeleteNamespace": on(Permission.ManageNamespace, namespace("name")),
  "/danube_admin.TopicAdmin/ListNamespaceTopics": on(Permission.ManageTopic, namespace("name")),
  "/danube_admin.TopicAdmin/ListBrokerTopics": on(Permission.ManageTopic, broker),
  "/danube_admin.TopicAdmin/CreateTopic": on(Permission.ManageTopic, topic("name")),
  "/danube_admin.TopicAdmin/CreatePartitionedTopic": on(Permission.ManageTopic, topic("baseName")),
  "/danube_admin.TopicAdmin/DeleteTopic": on(Permission.ManageTopic, topic("name")),
  "/danube_admin.TopicAdmin/UnloadTopic": on(Permission.ManageTopic, topic("name")),
  "/danube_admin.TopicAdmin/ListSubscriptions": on(Permission.ManageTopic, topic("name")),
  "/danube_admin.TopicAdmin/Unsubscribe": on(Permission.ManageTopic, topic("topic")),
  "/danube_admin.TopicAdmin/SetSubscriptionFailurePolicy": on(Permission.ManageTopic, topic("topic")),
  "/danube_admin.TopicAdmin/GetSubscriptionFailurePolicy": on(Permission.ManageTopic, topic("topic")),
  "/danube_admin.TopicAdmin/DescribeTopic": on(Permission.ManageTopic, topic("name")),
  "/danube_admin.TopicAdmin/SetSubscriptionDispatchConfig": on(Permission.ManageTopic, topic("topic")),
  "/danube_admin.TopicAdmin/GetSubscriptionDispatchConfig": on(Permission.ManageTopic, topic("topic")),
};

/** Every other danube_admin RPC (ClusterAdmin, SecurityAdmin) needs ManageCluster on the cluster. */
const manageCluster = on(Permission.ManageCluster, cluster);

/** The rule of an RPC path; unknown paths need ManageCluster (deny by default). */
export function ruleFor(path: string): Rule {
  return client[path] ?? schemaRules[path] ?? adminRules[path] ?? manageCluster;
}
