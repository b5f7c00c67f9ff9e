// The admin client: typed calls to the broker's TopicAdmin, NamespaceAdmin and BrokerAdmin services
// (SecurityAdmin in security-admin.ts).
import { admin } from "@danube-ts/protocol";
import { type Channel, Metadata } from "@grpc/grpc-js";
import { createCallContext } from "../call-context.ts";
import { closedError, DanubeError, ErrorCode, invalidArgument } from "../errors.ts";
import {
  type CallOptions,
  requireName,
  resolveConnectionOptions,
  validateCallOptions,
  validateTopic,
} from "../options.ts";
import { Transport } from "../transport/channel.ts";
import { type UnaryInvoker, unaryCall } from "../transport/unary.ts";
import {
  dispatchFromDelivery,
  dispatchToAdminWire,
  failurePolicyFromWire,
  failurePolicyToWire,
  subscriptionTypeFromWire,
} from "./convert.ts";
import { type SecurityAdmin, securityAdmin } from "./security-admin.ts";
import type {
  AdminClientOptions,
  BrokerInfo,
  CreatePartitionedTopicRequest,
  CreateTopicRequest,
  DispatchConfig,
  FailurePolicyInfo,
  NamespacePolicies,
  SetDispatchConfigRequest,
  SetFailurePolicyRequest,
  SubscriptionRef,
  TopicDescription,
  TopicInfo,
} from "./types.ts";

/**
 * Administration of a Danube broker, created by {@link createAdminClient}. Every method takes
 * `{ signal, timeoutMs }` and fails with a {@link DanubeError} (same codes as the client);
 * admin calls are not retried.
 */
export interface AdminClient extends AsyncDisposable {
  /** Topics of a namespace, with their dispatch strategy. */
  listNamespaceTopics(namespace: string, options?: CallOptions): Promise<TopicInfo[]>;
  /** Creates a topic (fails if it exists). */
  createTopic(request: CreateTopicRequest, options?: CallOptions): Promise<void>;
  /** Creates `<name>-part-0` .. `<name>-part-<partitions - 1>`. */
  createPartitionedTopic(request: CreatePartitionedTopicRequest, options?: CallOptions): Promise<void>;
  deleteTopic(topic: string, options?: CallOptions): Promise<void>;
  /** Subscription names of a topic (each once). */
  listSubscriptions(topic: string, options?: CallOptions): Promise<string[]>;
  /** Deletes a subscription that has no active consumer. */
  unsubscribe(request: SubscriptionRef, options?: CallOptions): Promise<void>;
  describeTopic(topic: string, options?: CallOptions): Promise<TopicDescription>;
  /** Stores a failure policy; it applies when the subscription is (re)built. Reliable topics only. */
  setSubscriptionFailurePolicy(request: SetFailurePolicyRequest, options?: CallOptions): Promise<void>;
  getSubscriptionFailurePolicy(request: SubscriptionRef, options?: CallOptions): Promise<FailurePolicyInfo>;
  setSubscriptionDispatchConfig(request: SetDispatchConfigRequest, options?: CallOptions): Promise<void>;
  /** The stored override, or undefined. */
  getSubscriptionDispatchConfig(
    request: SubscriptionRef,
    options?: CallOptions,
  ): Promise<DispatchConfig | undefined>;
  listBrokers(options?: CallOptions): Promise<BrokerInfo[]>;
  /** Namespace names (each once). */
  listNamespaces(options?: CallOptions): Promise<string[]>;
  createNamespace(namespace: string, options?: CallOptions): Promise<void>;
  /** Deletes an empty namespace. */
  deleteNamespace(namespace: string, options?: CallOptions): Promise<void>;
  /** Topic names of a namespace as the broker lists them (`namespace/topic`, no leading slash). */
  getNamespaceTopics(namespace: string, options?: CallOptions): Promise<string[]>;
  /** A namespace's policies, as the broker's JSON object (upstream's snake_case keys). */
  getNamespacePolicies(namespace: string, options?: CallOptions): Promise<NamespacePolicies>;
  /** Topics served by one broker of a cluster (a standalone broker lists none). */
  listBrokerTopics(brokerId: string, options?: CallOptions): Promise<TopicInfo[]>;
  /** The cluster leader's broker id (`"not_found"` on a standalone broker, as upstream). */
  getLeaderBroker(options?: CallOptions): Promise<string>;
  /** Moves a topic to another broker of a cluster (a standalone broker answers UNIMPLEMENTED). */
  unloadTopic(topic: string, options?: CallOptions): Promise<void>;
  /** Roles and role bindings (SecurityAdmin service; a broker with security on). */
  readonly security: SecurityAdmin;
  /** Closes the connection; later calls fail with CLOSED. */
  close(): Promise<void>;
}

function requireSubscription(request: SubscriptionRef): SubscriptionRef {
  if (typeof request !== "object" || request === null) throw invalidArgument("request", "must be an object");
  return {
    topic: validateTopic(request.topic),
    subscription: requireName(request.subscription, "subscription"),
  };
}

const unique = (values: string[]): string[] => [...new Set(values)];

class AdminClientImpl implements AdminClient {
  readonly #channel: Channel;
  readonly #timeoutMs: number;
  readonly #topics: admin.TopicAdminClient;
  readonly #namespaces: admin.NamespaceAdminClient;
  readonly #brokers: admin.BrokerAdminClient;
  readonly security: SecurityAdmin;
  #closed = false;

  constructor(target: string, timeoutMs: number, transport: Transport) {
    this.#channel = transport.openChannel(target);
    this.#topics = transport.stub(admin.TopicAdminClient, target, this.#channel);
    this.#namespaces = transport.stub(admin.NamespaceAdminClient, target, this.#channel);
    this.#brokers = transport.stub(admin.BrokerAdminClient, target, this.#channel);
    this.security = securityAdmin(
      transport.stub(admin.SecurityAdminClient, target, this.#channel),
      (...args) => this.#call(...args),
    );
    this.#timeoutMs = timeoutMs;
  }

  /** Runs one admin RPC under the per-call options. */
  #call<Res>(
    operation: string,
    rpc: string,
    options: CallOptions | undefined,
    invoke: (metadata: Metadata) => UnaryInvoker<Res>,
  ): Promise<Res> {
    if (this.#closed) return Promise.reject(closedError("admin client"));
    validateCallOptions(options);
    const ctx = createCallContext(operation, options, this.#timeoutMs, undefined);
    return unaryCall<Res>(ctx, rpc, invoke(new Metadata()));
  }

  async listNamespaceTopics(namespace: string, options?: CallOptions): Promise<TopicInfo[]> {
    const request = { name: requireName(namespace, "namespace") };
    const response = await this.#call<admin.TopicInfoListResponse>(
      "listNamespaceTopics",
      "ListNamespaceTopics",
      options,
      (md) => (o, cb) => this.#topics.listNamespaceTopics(request, md, o, cb),
    );
    return response.topics.map((t) => ({
      name: t.name,
      brokerId: t.brokerId,
      dispatchStrategy: dispatchFromDelivery(t.delivery),
    }));
  }

  async createTopic(request: CreateTopicRequest, options?: CallOptions): Promise<void> {
    const wire: admin.NewTopicRequest = {
      name: validateTopic(request?.name, "name"),
      dispatchStrategy: dispatchToAdminWire(request.dispatchStrategy),
      schemaSubject: request.schemaSubject,
    };
    await this.#call(
      "createTopic",
      "CreateTopic",
      options,
      (md) => (o, cb) => this.#topics.createTopic(wire, md, o, cb),
    );
  }

  async createPartitionedTopic(request: CreatePartitionedTopicRequest, options?: CallOptions): Promise<void> {
    const partitions = request?.partitions;
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw invalidArgument("partitions", `must be an integer >= 1, got ${String(partitions)}`);
    }
    const wire: admin.PartitionedTopicRequest = {
      baseName: validateTopic(request.name, "name"),
      partitions,
      dispatchStrategy: dispatchToAdminWire(request.dispatchStrategy),
      schemaSubject: request.schemaSubject,
    };
    await this.#call(
      "createPartitionedTopic",
      "CreatePartitionedTopic",
      options,
      (md) => (o, cb) => this.#topics.createPartitionedTopic(wire, md, o, cb),
    );
  }

  async deleteTopic(topic: string, options?: CallOptions): Promise<void> {
    const wire = { name: validateTopic(topic) };
    await this.#call(
      "deleteTopic",
      "DeleteTopic",
      options,
      (md) => (o, cb) => this.#topics.deleteTopic(wire, md, o, cb),
    );
  }

  async listSubscriptions(topic: string, options?: CallOptions): Promise<string[]> {
    const wire = { name: validateTopic(topic) };
    const response = await this.#call<admin.SubscriptionListResponse>(
      "listSubscriptions",
      "ListSubscriptions",
      options,
      (md) => (o, cb) => this.#topics.listSubscriptions(wire, md, o, cb),
    );
    return unique(response.subscriptions);
  }

  async unsubscribe(request: SubscriptionRef, options?: CallOptions): Promise<void> {
    const wire = requireSubscription(request);
    await this.#call(
      "unsubscribe",
      "Unsubscribe",
      options,
      (md) => (o, cb) => this.#topics.unsubscribe(wire, md, o, cb),
    );
  }

  async describeTopic(topic: string, options?: CallOptions): Promise<TopicDescription> {
    const wire = { name: validateTopic(topic) };
    const r = await this.#call<admin.DescribeTopicResponse>(
      "describeTopic",
      "DescribeTopic",
      options,
      (md) => (o, cb) => this.#topics.describeTopic(wire, md, o, cb),
    );
    return {
      name: r.name,
      subscriptions: unique(r.subscriptions),
      brokerId: r.brokerId,
      dispatchStrategy: dispatchFromDelivery(r.delivery),
      schemaSubject: r.schemaSubject,
      schemaId: r.schemaId,
      schemaVersion: r.schemaVersion,
      schemaType: r.schemaType,
      compatibilityMode: r.compatibilityMode,
    };
  }

  async setSubscriptionFailurePolicy(request: SetFailurePolicyRequest, options?: CallOptions): Promise<void> {
    const wire: admin.SetSubscriptionFailurePolicyRequest = {
      ...requireSubscription(request),
      failurePolicy: failurePolicyToWire(request.policy),
    };
    await this.#call(
      "setSubscriptionFailurePolicy",
      "SetSubscriptionFailurePolicy",
      options,
      (md) => (o, cb) => this.#topics.setSubscriptionFailurePolicy(wire, md, o, cb),
    );
  }

  async getSubscriptionFailurePolicy(
    request: SubscriptionRef,
    options?: CallOptions,
  ): Promise<FailurePolicyInfo> {
    const wire = requireSubscription(request);
    const r = await this.#call<admin.GetSubscriptionFailurePolicyResponse>(
      "getSubscriptionFailurePolicy",
      "GetSubscriptionFailurePolicy",
      options,
      (md) => (o, cb) => this.#topics.getSubscriptionFailurePolicy(wire, md, o, cb),
    );
    return {
      policy: r.failurePolicy === undefined ? undefined : failurePolicyFromWire(r.failurePolicy),
      subscriptionType: subscriptionTypeFromWire(r.subscriptionType),
    };
  }

  async setSubscriptionDispatchConfig(
    request: SetDispatchConfigRequest,
    options?: CallOptions,
  ): Promise<void> {
    const max = request?.maxUnackedMessages;
    if (!Number.isInteger(max) || max < 1) {
      throw invalidArgument("maxUnackedMessages", `must be an integer >= 1, got ${String(max)}`);
    }
    const wire: admin.SetSubscriptionDispatchConfigRequest = {
      ...requireSubscription(request),
      dispatchConfig: { maxUnackedMessages: max },
    };
    await this.#call(
      "setSubscriptionDispatchConfig",
      "SetSubscriptionDispatchConfig",
      options,
      (md) => (o, cb) => this.#topics.setSubscriptionDispatchConfig(wire, md, o, cb),
    );
  }

  async getSubscriptionDispatchConfig(
    request: SubscriptionRef,
    options?: CallOptions,
  ): Promise<DispatchConfig | undefined> {
    const wire = requireSubscription(request);
    const r = await this.#call<admin.GetSubscriptionDispatchConfigResponse>(
      "getSubscriptionDispatchConfig",
      "GetSubscriptionDispatchConfig",
      options,
      (md) => (o, cb) => this.#topics.getSubscriptionDispatchConfig(wire, md, o, cb),
    );
    const config = r.dispatchConfig;
    return config === undefined ? undefined : { maxUnackedMessages: config.maxUnackedMessages };
  }

  async listBrokers(options?: CallOptions): Promise<BrokerInfo[]> {
    const r = await this.#call<admin.BrokerListResponse>(
      "listBrokers",
      "ListBrokers",
      options,
      (md) => (o, cb) => this.#brokers.listBrokers({}, md, o, cb),
    );
    return r.brokers.map((b) => ({
      brokerId: b.brokerId,
      brokerUrl: b.brokerAddr,
      brokerRole: b.brokerRole,
      adminUrl: b.adminAddr,
      metricsUrl: b.metricsAddr,
      status: b.brokerStatus,
    }));
  }

  async listNamespaces(options?: CallOptions): Promise<string[]> {
    const r = await this.#call<admin.NamespaceListResponse>(
      "listNamespaces",
      "ListNamespaces",
      options,
      (md) => (o, cb) => this.#brokers.listNamespaces({}, md, o, cb),
    );
    return unique(r.namespaces);
  }

  async createNamespace(namespace: string, options?: CallOptions): Promise<void> {
    const wire = { name: requireName(namespace, "namespace") };
    await this.#call(
      "createNamespace",
      "CreateNamespace",
      options,
      (md) => (o, cb) => this.#namespaces.createNamespace(wire, md, o, cb),
    );
  }

  async deleteNamespace(namespace: string, options?: CallOptions): Promise<void> {
    const wire = { name: requireName(namespace, "namespace") };
    await this.#call(
      "deleteNamespace",
      "DeleteNamespace",
      options,
      (md) => (o, cb) => this.#namespaces.deleteNamespace(wire, md, o, cb),
    );
  }

  async getNamespaceTopics(namespace: string, options?: CallOptions): Promise<string[]> {
    const wire = { name: requireName(namespace, "namespace") };
    const r = await this.#call<admin.TopicListResponse>(
      "getNamespaceTopics",
      "GetNamespaceTopics",
      options,
      (md) => (o, cb) => this.#namespaces.getNamespaceTopics(wire, md, o, cb),
    );
    return r.topics;
  }

  async getNamespacePolicies(namespace: string, options?: CallOptions): Promise<NamespacePolicies> {
    const wire = { name: requireName(namespace, "namespace") };
    const r = await this.#call<admin.PolicyResponse>(
      "getNamespacePolicies",
      "GetNamespacePolicies",
      options,
      (md) => (o, cb) => this.#namespaces.getNamespacePolicies(wire, md, o, cb),
    );
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.policies);
    } catch (err) {
      throw new DanubeError(
        ErrorCode.INTERNAL,
        `namespace policies are not JSON: ${r.policies.slice(0, 80)}`,
        {
          cause: err,
        },
      );
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new DanubeError(
        ErrorCode.INTERNAL,
        `namespace policies are not a JSON object: ${r.policies.slice(0, 80)}`,
      );
    }
    return parsed as NamespacePolicies;
  }

  async listBrokerTopics(brokerId: string, options?: CallOptions): Promise<TopicInfo[]> {
    const wire = { brokerId: requireName(brokerId, "brokerId") };
    const r = await this.#call<admin.TopicInfoListResponse>(
      "listBrokerTopics",
      "ListBrokerTopics",
      options,
      (md) => (o, cb) => this.#topics.listBrokerTopics(wire, md, o, cb),
    );
    return r.topics.map((t) => ({
      name: t.name,
      brokerId: t.brokerId,
      dispatchStrategy: dispatchFromDelivery(t.delivery),
    }));
  }

  async getLeaderBroker(options?: CallOptions): Promise<string> {
    const r = await this.#call<admin.BrokerResponse>(
      "getLeaderBroker",
      "GetLeaderBroker",
      options,
      (md) => (o, cb) => this.#brokers.getLeaderBroker({}, md, o, cb),
    );
    return r.leader;
  }

  async unloadTopic(topic: string, options?: CallOptions): Promise<void> {
    const wire = { name: validateTopic(topic) };
    await this.#call(
      "unloadTopic",
      "UnloadTopic",
      options,
      (md) => (o, cb) => this.#topics.unloadTopic(wire, md, o, cb),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#channel.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates an admin client; no network call happens until the first method call. An `https://`
 * admin URL (a broker with `admin_tls`) is dialled over TLS; a token is also sent to an `http://`
 * admin URL, because upstream brokers without `admin_tls` serve the admin port in plaintext.
 */
export function createAdminClient(options: AdminClientOptions): AdminClient {
  if (typeof options !== "object" || options === null) throw invalidArgument("options", "must be an object");
  const resolved = resolveConnectionOptions(options, options.adminUrl, "adminUrl", true);
  return new AdminClientImpl(resolved.target, resolved.requestTimeoutMs, new Transport(resolved.security));
}

/** An admin client on a transport a client already built (same TLS material and token cache). */
export function openAdminClient(target: string, timeoutMs: number, transport: Transport): AdminClient {
  return new AdminClientImpl(target, timeoutMs, transport);
}
