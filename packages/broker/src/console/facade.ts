// What the web console reads and changes, in one place: the broker core (topics, producers,
// subscriptions), the topic logs (read by offset, never through a subscription, so browsing
// consumes nothing), the schema registry, and the metrics the charts sample.
import { danube } from "@danube-ts/protocol";
import { AdminOps, deliveryName } from "../core/admin-ops.ts";
import type { BrokerCore } from "../core/broker-core.ts";
import type { Topic } from "../core/topic.ts";
import { DispatchStrategy, type FailurePolicy, SubscriptionType } from "../core/types.ts";
import { BrokerError, invalidArgument, notFound, Status } from "../errors.ts";
import type { BrokerMetrics } from "../metrics/broker-metrics.ts";
import { assertTopicName, parsePartition } from "../topic-name.ts";
import { type DiffLine, diffableText, lineDiff } from "./diff.ts";
import { MessageDesk } from "./messages.ts";
import type { ResolvedConsoleOptions } from "./options.ts";

const SUBSCRIPTION_TYPES = new Map<number, string>(Object.entries(SubscriptionType).map(([k, v]) => [v, k]));
/** Producer name of the console's test messages (attached for one send, then removed). */

export interface BrokerInfo {
  brokerId: string;
  url: string;
  adminUrl: string;
  metricsUrl: string | undefined;
  security: boolean;
}

export interface TopicSummary {
  name: string;
  delivery: "Reliable" | "NonReliable";
  /** Base name when the topic is a partition (`/ns/t-part-3` → `/ns/t`). */
  partitionOf: string | undefined;
  producers: number;
  subscriptions: number;
  consumers: number;
  messagesIn: number;
  bytesIn: number;
  /** Reliable: offsets stored; undefined for non-reliable topics. */
  storedMessages: number | undefined;
  schemaSubject: string | undefined;
}

export interface SubscriptionView {
  name: string;
  type: string;
  consumers: { name: string; active: boolean }[];
  /** Reliable: log head minus the cursor. Non-reliable: messages queued for its consumers. */
  backlog: number;
  unacked: number;
  pendingRedelivery: number;
  poisoned: number;
  messagesOut: number;
  redeliveries: number;
  nacks: number;
  ackTimeouts: number;
  deadLettered: number;
  dropped: number;
  failurePolicy: FailurePolicy | undefined;
}

const num = (value: bigint) => Number(value);

export class ConsoleFacade {
  private readonly ops: AdminOps;
  /** Stored messages (`browse`) and test messages (`send`). */
  readonly messages: MessageDesk;
  private readonly started = Date.now();

  constructor(
    private readonly core: BrokerCore,
    private readonly metrics: BrokerMetrics | undefined,
    private readonly info: () => BrokerInfo,
    readonly options: ResolvedConsoleOptions,
  ) {
    this.ops = new AdminOps(core);
    this.messages = new MessageDesk(core, options);
  }

  // ---- overview and topics ------------------------------------------------------------------------

  overview() {
    const topics = this.live();
    let producers = 0;
    let consumers = 0;
    let subscriptions = 0;
    let messagesIn = 0;
    let bytesIn = 0;
    let messagesOut = 0;
    for (const t of topics) {
      producers += t.producers.size;
      subscriptions += t.subscriptions.size;
      messagesIn += t.stats.messagesIn;
      bytesIn += t.stats.bytesIn;
      for (const s of t.subscriptions.values()) {
        consumers += s.activeConsumers().length;
        messagesOut += s.stats.messagesOut;
      }
    }
    return {
      broker: this.info(),
      uptimeSeconds: Math.round((Date.now() - this.started) / 1000),
      time: Date.now(),
      namespaces: this.core.catalog.namespaces(),
      topics: topics.length,
      reliableTopics: topics.filter((t) => t.reliable).length,
      producers,
      subscriptions,
      consumers,
      messagesIn,
      bytesIn,
      messagesOut,
      memory: this.core.memoryStats(),
    };
  }

  topics(): TopicSummary[] {
    return this.live()
      .map((t) => this.summary(t))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private live(): Topic[] {
    return this.core.catalog.all().filter((t) => !t.deleted);
  }

  private summary(t: Topic): TopicSummary {
    let consumers = 0;
    for (const s of t.subscriptions.values()) consumers += s.activeConsumers().length;
    return {
      name: t.name,
      delivery: deliveryName(t.dispatchStrategy),
      partitionOf: parsePartition(t.name)?.base,
      producers: t.producers.size,
      subscriptions: t.subscriptions.size,
      consumers,
      messagesIn: t.stats.messagesIn,
      bytesIn: t.stats.bytesIn,
      storedMessages: t.log && num(t.log.committedOffset - t.log.startOffset),
      schemaSubject: this.core.registry.describeTopic(t.name)?.subject,
    };
  }

  async createTopic(name: string, delivery: string, partitions: number | undefined): Promise<void> {
    assertTopicName(name);
    const strategy =
      delivery === "reliable"
        ? DispatchStrategy.Reliable
        : delivery === "non_reliable"
          ? DispatchStrategy.NonReliable
          : undefined;
    if (strategy === undefined)
      throw invalidArgument(`delivery must be "reliable" or "non_reliable", got ${JSON.stringify(delivery)}`);
    if (this.core.catalog.get(name) || this.core.catalog.partitionsOf(name).length > 0) {
      throw new BrokerError(Status.AlreadyExists, `Topic '${name}' already exists`);
    }
    try {
      if (partitions === undefined) await this.ops.createTopic(name, strategy);
      else await this.ops.createPartitionedTopic(name, partitions, strategy);
    } catch (err) {
      // The admin API wraps creation failures in NOT_FOUND (upstream); here they are bad requests.
      if (err instanceof BrokerError && err.code === Status.NotFound)
        throw new BrokerError(Status.InvalidArgument, err.message);
      throw err;
    }
  }

  deleteTopic(name: string): Promise<void> {
    return this.ops.deleteTopic(name);
  }

  // ---- one topic ----------------------------------------------------------------------------------

  topic(name: string) {
    assertTopicName(name);
    const topic = this.core.catalog.get(name);
    if (!topic) {
      const partitions = this.core.catalog.partitionsOf(name);
      if (partitions.length === 0) throw notFound(`Unable to find the topic: ${name}`);
      return {
        name,
        partitioned: true,
        partitions,
        topics: partitions.map((p) => this.summary(this.core.catalog.get(p)!)),
      };
    }
    const partition = parsePartition(name);
    const schema = this.core.registry.describeTopic(name);
    const config = schema ? this.core.registry.topicSchemaConfig(name) : undefined;
    return {
      ...this.summary(topic),
      partitioned: false,
      partitions: partition ? this.core.catalog.partitionsOf(partition.base) : [],
      log: topic.log && {
        startOffset: topic.log.startOffset.toString(),
        endOffset: topic.log.committedOffset.toString(),
      },
      producerList: [...topic.producers.values()].map((p) => ({
        name: p.name,
        id: p.id.toString(),
        accessMode: p.accessMode === danube.ProducerAccessMode.Exclusive ? "Exclusive" : "Shared",
      })),
      subscriptionList: [...topic.subscriptions.values()]
        .map((s) => this.subscription(topic, s.name))
        .sort((a, b) => (a.name < b.name ? -1 : 1)),
      schema: schema && {
        subject: schema.subject,
        schemaId: schema.schemaId?.toString(),
        version: schema.version,
        schemaType: schema.schemaType,
        compatibilityMode: schema.compatibilityMode,
        validationPolicy: config?.validationPolicy,
        payloadValidation: config?.enablePayloadValidation,
      },
      validation: this.core.registry.validationStats(name),
    };
  }

  private subscription(topic: Topic, name: string): SubscriptionView {
    const s = topic.subscriptions.get(name)!;
    const snap = s.dispatcher?.snapshot?.();
    const st = s.stats;
    let queued = 0;
    for (const c of s.consumers) queued += c.queuedMessages;
    return {
      name: s.name,
      type: SUBSCRIPTION_TYPES.get(s.type) ?? String(s.type),
      consumers: s.consumers.map((c) => ({ name: c.name, active: c.active })),
      backlog: snap && topic.log ? num(topic.log.committedOffset - snap.cursor) : queued,
      unacked: snap?.unacked ?? 0,
      pendingRedelivery: snap?.pendingRedelivery ?? 0,
      poisoned: snap?.poisoned ?? 0,
      messagesOut: st.messagesOut,
      redeliveries: st.redeliveries,
      nacks: st.nacks,
      ackTimeouts: st.ackTimeouts,
      deadLettered: st.deadLettered,
      dropped: st.dropped,
      failurePolicy: topic.reliable ? this.core.settings.effectivePolicy(topic.name, s.name) : undefined,
    };
  }

  /** Counters for the topic page's charts; the page turns two samples into rates. */
  async sample(name: string) {
    assertTopicName(name);
    const topic = this.core.catalog.get(name);
    if (!topic) throw notFound(`Unable to find the topic: ${name}`);
    let messagesOut = 0;
    let backlog = 0;
    for (const s of topic.subscriptions.values()) {
      messagesOut += s.stats.messagesOut;
      backlog += this.subscription(topic, s.name).backlog;
    }
    const send = (await this.metrics?.sendLatencyTotals(name)) ?? { count: 0, sum: 0 };
    const commit = (await this.metrics?.commitTotals()) ?? { count: 0, sum: 0 };
    return {
      time: Date.now(),
      messagesIn: topic.stats.messagesIn,
      bytesIn: topic.stats.bytesIn,
      messagesOut,
      backlog,
      sendCount: send.count,
      sendLatencySumMs: send.sum,
      commitCount: commit.count,
      commitSumSeconds: commit.sum,
    };
  }

  // ---- dead letters -------------------------------------------------------------------------------

  /** Dead-letter topics named by the failure policies of live subscriptions, with who feeds them. */
  deadLetters() {
    const targets = new Map<string, { topic: string; subscription: string }[]>();
    for (const t of this.live()) {
      if (!t.reliable) continue;
      for (const s of t.subscriptions.values()) {
        const policy = this.core.settings.effectivePolicy(t.name, s.name);
        if (policy.poison !== "dead_letter" || !policy.deadLetterTopic) continue;
        const list = targets.get(policy.deadLetterTopic) ?? [];
        list.push({ topic: t.name, subscription: s.name });
        targets.set(policy.deadLetterTopic, list);
      }
    }
    return [...targets].sort().map(([topic, sources]) => {
      const log = this.core.catalog.get(topic)?.log;
      return {
        topic,
        exists: this.core.catalog.get(topic) !== undefined,
        storedMessages: log && num(log.committedOffset - log.startOffset),
        sources,
      };
    });
  }

  // ---- schemas ------------------------------------------------------------------------------------

  schemas() {
    return this.core.registry.subjects().map((s) => ({
      subject: s.subject,
      id: s.id.toString(),
      compatibilityMode: s.compatibilityMode,
      latestVersion: s.latest?.version,
      schemaType: s.latest?.schemaType,
      topics: this.topicsOfSubject(s.subject),
    }));
  }

  private topicsOfSubject(subject: string): string[] {
    return this.live()
      .filter((t) => this.core.registry.describeTopic(t.name)?.subject === subject)
      .map((t) => t.name)
      .sort();
  }

  schema(subject: string) {
    const summary = this.core.registry.subjects().find((s) => s.subject === subject);
    if (!summary) throw notFound(`Schema subject '${subject}' not found`);
    const { id, versions } = this.core.registry.versions(subject);
    return {
      subject,
      id: id.toString(),
      compatibilityMode: summary.compatibilityMode,
      topics: this.topicsOfSubject(subject),
      versions: versions.map((v) => ({
        version: v.version,
        schemaType: v.schemaType,
        definition: v.definition,
        fingerprint: v.fingerprint,
        createdAt: new Date(Number(v.createdAt) * 1000).toISOString(),
        createdBy: v.createdBy,
        description: v.description,
      })),
    };
  }

  schemaDiff(subject: string, from: number, to: number): { from: number; to: number; lines: DiffLine[] } {
    const { versions } = this.core.registry.versions(subject);
    const find = (v: number) => {
      const found = versions.find((x) => x.version === v);
      if (!found) throw notFound(`Version ${v} of subject '${subject}' not found`);
      return diffableText(found.definition);
    };
    return { from, to, lines: lineDiff(find(from), find(to)) };
  }
}
