import { join } from "node:path";
import { danube } from "@danube-ts/protocol";
import {
  BrokerError,
  failedPrecondition,
  invalidArgument,
  notFound,
  permissionDenied,
  Status,
  unavailable,
} from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { ResolvedBrokerOptions } from "../options.ts";
import { SchemaRegistry } from "../registry/index.ts";
import { handleCapFor, type MetadataRecoveryReport, MetadataStore, openFileLimit } from "../storage/index.ts";
import { assertTopicName } from "../topic-name.ts";
import { type ConsumerEvents, ConsumerHandle } from "./consumer.ts";
import { CursorWriter } from "./cursor-writer.ts";
import { DeadLetterPublisher } from "./dead-letter.ts";
import { keyFiltersProblem } from "./glob.ts";
import { randomId } from "./ids.ts";
import { MemoryBudget, type MemoryStats } from "./memory-budget.ts";
import { NonReliableDispatcher } from "./non-reliable-dispatcher.ts";
import { ProducerSequencer, type SendOrder } from "./producer-sequencer.ts";
import { gateOf } from "./publish-gate.ts";
import { ReliableDispatcher } from "./reliable-dispatcher.ts";
import { Subscription } from "./subscription.ts";
import { SubscriptionSettings } from "./subscription-settings.ts";
import type { ProducerInfo, Topic } from "./topic.ts";
import { TopicCatalog, type TopicRecovery } from "./topic-catalog.ts";
import { DispatchStrategy, type MessageSink, type StreamMessage, SubscriptionType } from "./types.ts";
import type { SubscriptionUnreadable } from "./unreadable-records.ts";

export interface CreateProducerRequest {
  topicName: string;
  producerName: string;
  dispatchStrategy: number;
  accessMode: number;
  /** The registry subject of the producer's schema reference, if any. */
  schemaSubject?: string | undefined;
}

export interface SubscribeRequest {
  topicName: string;
  consumerName: string;
  subscription: string;
  subscriptionType: number;
  keyFilters: string[];
}

export interface MessageRef {
  topicName: string;
  topicOffset: bigint;
}

export const HealthStatus = {
  Ok: danube.HealthCheckResponse_ClientStatus.OK,
  Close: danube.HealthCheckResponse_ClientStatus.CLOSE,
} as const;
/** What the broker found and repaired in its data dir at start; see docs/delivery.md. */
export interface BrokerRecovery {
  metadata: MetadataRecoveryReport;
  /** Topics whose logs needed repair or had damage (lost offsets are listed per topic). */
  topics: TopicRecovery[];
  /** Topic folders without a topic record (an interrupted deletion), moved to quarantine/ at start. */
  orphans: string[];
}

export type HealthStatus = (typeof HealthStatus)[keyof typeof HealthStatus];

const ProducerAccessMode = danube.ProducerAccessMode;
const ClientType = danube.HealthCheckRequest_ClientType;

interface SubscriptionRecord {
  type: number;
  cursor: bigint;
  /** Random per creation, so that writes meant for a deleted subscription never reach a new one. */
  generation: bigint;
}

/**
 * Storage failures (a full disk, an I/O error) are retryable: UNAVAILABLE, not upstream's final
 * PERMISSION_DENIED (docs/delivery.md, "Durability").
 */
function mapStorageFailure(err: unknown): never {
  if (err instanceof BrokerError) throw err;
  throw new BrokerError(
    Status.Unavailable,
    `Unable to publish the message: ${err instanceof Error ? err.message : String(err)}`,
    { cause: err },
  );
}

export const subscriptionKey = (topic: string, subscription: string) =>
  `subscriptions/${topic}/${subscription}`;

/**
 * The broker's behaviour, independent of gRPC: topics, producers, subscriptions, publish, ack.
 * gRPC handlers (or a future streaming extension) call into this; it throws {@link BrokerError}
 * with upstream's status codes and messages.
 */
export class BrokerCore {
  private readonly producers = new Map<bigint, ProducerInfo>();
  private readonly consumers = new Map<bigint, ConsumerHandle>();
  private readonly cursors: CursorWriter;
  readonly settings: SubscriptionSettings;
  private readonly deadLetters: DeadLetterPublisher;
  readonly registry: SchemaRegistry;
  /** Broker-wide budget of message bytes held in memory. */
  private readonly memory: MemoryBudget;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  private constructor(
    readonly options: ResolvedBrokerOptions,
    readonly store: MetadataStore,
    readonly catalog: TopicCatalog,
    private readonly logger: Logger,
  ) {
    this.cursors = new CursorWriter(store, logger);
    this.memory = new MemoryBudget(options.brokerBufferBytes);
    this.settings = new SubscriptionSettings(store);
    this.registry = SchemaRegistry.open(store, {
      logger,
      compatibilityRules: options.schemaCompatibilityRules,
      checkTimeoutMs: options.schemaCheckTimeoutMs,
      topics: { exists: (name) => catalog.get(name) !== undefined },
    });
    this.deadLetters = new DeadLetterPublisher(catalog, () => this.brokerUrl, logger);
    this.sweeper = setInterval(() => this.sweep(), options.housekeeping.sweepIntervalMs);
    this.sweeper.unref();
  }

  /** Set by the server once it knows its address; stamped on dead-letter messages. */
  brokerUrl = "";

  static async open(options: ResolvedBrokerOptions): Promise<BrokerCore> {
    const store = await MetadataStore.open(join(options.dataDir, "metadata"), {
      fsync: options.fsync,
      repair: options.repairMetadata,
    });
    if (store.recovery.reason !== undefined) {
      options.logger.error(`recovered metadata: ${JSON.stringify(store.recovery, (_k, v) => v)}`);
    }
    const limit = await openFileLimit();
    const cap = options.maxOpenSegmentFiles ?? handleCapFor(limit);
    if (limit !== undefined && limit < 4096) {
      options.logger.warn(
        `the open-file limit is ${limit} (ulimit -n); the broker keeps at most ${cap} segment files open and reopens idle ones on demand; raise the limit for many reliable topics`,
      );
    }
    const catalog = new TopicCatalog(store, options, cap);
    const core = new BrokerCore(options, store, catalog, options.logger);
    await catalog.load(options.namespaces);
    for (const topic of catalog.all()) core.restoreSubscriptions(topic);
    return core;
  }

  /** Message bytes held in memory and what the byte budgets refused or deferred. */
  memoryStats(): MemoryStats {
    return this.memory.stats();
  }

  /** What was found and repaired in the data dir at start. */
  get recovery(): BrokerRecovery {
    return { metadata: this.store.recovery, topics: this.catalog.recoveries, orphans: this.catalog.orphans };
  }

  /** Unreadable offsets met by reliable subscriptions since start (unreadable-records.ts). */
  unreadableRecords(): SubscriptionUnreadable[] {
    const out: SubscriptionUnreadable[] = [];
    for (const topic of this.catalog.all()) {
      for (const subscription of topic.subscriptions.values()) {
        const { dispatcher } = subscription;
        if (!(dispatcher instanceof ReliableDispatcher) || dispatcher.unreadable.offsets === 0n) continue;
        const { offsets, deadLettered, ranges } = dispatcher.unreadable;
        out.push({
          topic: topic.name,
          subscription: subscription.name,
          offsets,
          deadLettered,
          ranges: ranges.map((r) => ({ ...r })),
        });
      }
    }
    return out;
  }

  /** The broker's id, stable across restarts. */
  get brokerId(): bigint {
    return this.catalog.brokerId;
  }

  // ---- discovery ---------------------------------------------------------------------------------

  lookup(topicName: string): Topic {
    assertTopicName(topicName);
    const topic = this.catalog.get(topicName);
    if (!topic) throw notFound(`Unable to find the requested topic: ${topicName}`);
    return topic;
  }

  partitions(topicName: string): string[] {
    assertTopicName(topicName);
    return this.catalog.partitionsOf(topicName);
  }

  // ---- producers ---------------------------------------------------------------------------------

  async createProducer(request: CreateProducerRequest): Promise<ProducerInfo> {
    this.assertOpen();
    assertTopicName(request.topicName);
    if (request.producerName.length === 0) throw invalidArgument("producer_name is required");
    if (
      request.dispatchStrategy !== DispatchStrategy.NonReliable &&
      request.dispatchStrategy !== DispatchStrategy.Reliable
    ) {
      throw invalidArgument(`Unknown dispatch strategy ${request.dispatchStrategy}`);
    }
    if (
      request.accessMode !== ProducerAccessMode.Shared &&
      request.accessMode !== ProducerAccessMode.Exclusive
    ) {
      throw invalidArgument(`Unknown producer access mode ${request.accessMode}`);
    }
    const topic = await this.catalog.getOrCreate(
      request.topicName,
      request.dispatchStrategy as DispatchStrategy,
    );
    if (topic.dispatchStrategy !== request.dispatchStrategy) {
      throw failedPrecondition("Producer requested dispatch strategy does not match topic strategy");
    }
    await this.registry.checkProducer(topic.name, request.schemaSubject);
    if (topic.deleted)
      throw unavailable(`The topic ${topic.name} was deleted meanwhile; retry to create it again`);
    const existing = topic.producerByName(request.producerName);
    if (existing) {
      existing.lastSeen = Date.now();
      return existing;
    }
    this.enforceAccessMode(topic, request);
    const producer: ProducerInfo = {
      id: randomId(),
      name: request.producerName,
      topicName: topic.name,
      accessMode: request.accessMode,
      lastSeen: Date.now(),
    };
    topic.producers.set(producer.id, producer);
    this.producers.set(producer.id, producer);
    this.logger.debug(`producer ${producer.name} attached to ${topic.name}`, {
      topic: topic.name,
      producer: producer.name,
      producerId: producer.id,
    });
    return producer;
  }

  /** An Exclusive producer is the topic's only producer; silent producers no longer count. */
  private enforceAccessMode(topic: Topic, request: CreateProducerRequest): void {
    const now = Date.now();
    for (const other of [...topic.producers.values()]) {
      if (now - other.lastSeen > this.options.housekeeping.producerSilenceMs) this.removeProducer(other);
    }
    const exclusive = [...topic.producers.values()].find(
      (p) => p.accessMode === ProducerAccessMode.Exclusive,
    );
    if (exclusive) {
      throw failedPrecondition(
        `Topic '${topic.name}' has an exclusive producer '${exclusive.name}'; producer '${request.producerName}' cannot attach`,
      );
    }
    if (request.accessMode === ProducerAccessMode.Exclusive && topic.producers.size > 0) {
      throw failedPrecondition(
        `Topic '${topic.name}' already has producers; the exclusive producer '${request.producerName}' cannot attach`,
      );
    }
  }

  /**
   * Publishes in the producer's send order when the client stated it (`order`, see
   * producer-sequencer.ts); `onCancel` tells when the caller gave the send up.
   */
  publishInOrder(
    message: StreamMessage,
    order: SendOrder | undefined,
    onCancel: (listener: () => void) => () => void,
  ): Promise<void> {
    const producer = message.msgId && this.producers.get(message.msgId.producerId);
    if (order === undefined || !producer || !this.options.sendSequencing.enabled)
      return this.publish(message);
    producer.sequencer ??= new ProducerSequencer(this.options.sendSequencing);
    return producer.sequencer.submit(message.requestId, order, message.payload.length, onCancel, () =>
      this.publish(message),
    );
  }

  /**
   * Stores one message. Call order is offset order (the sequencer relies on it): the offset is
   * assigned synchronously, or, while a publish of the topic waits for its payload validation on
   * the worker, in call order through the topic's gate (publish-gate.ts). Keep every check above
   * the append synchronous. Never throws: a refusal is a rejected promise.
   */
  publish(message: StreamMessage): Promise<void> {
    try {
      return this.checkAndAppend(message);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private checkAndAppend(message: StreamMessage): Promise<void> {
    this.assertOpen();
    const msgId = message.msgId;
    if (!msgId) throw invalidArgument("msg_id is required");
    const producer = this.producers.get(msgId.producerId);
    if (!producer) throw notFound(`The producer with id ${msgId.producerId} does not exist`);
    producer.lastSeen = Date.now();
    const max = this.options.maxMessageSize;
    if (message.payload.length > max) {
      throw invalidArgument(
        `Message size ${message.payload.length} exceeds maximum allowed ${max} for topic ${msgId.topicName}`,
      );
    }
    const topic = this.catalog.get(msgId.topicName);
    if (!topic)
      throw permissionDenied(`Unable to publish the message: Topic ${msgId.topicName} not found in registry`);
    if (producer.topicName !== topic.name) {
      throw permissionDenied(
        `Unable to publish the message: the producer with id ${producer.id} is not attached to topic name: ${topic.name}`,
      );
    }
    const key = message.routingKey;
    if (key !== undefined && key.length > this.options.maxRoutingKeyBytes / 3) {
      const bytes = Buffer.byteLength(key);
      if (bytes > this.options.maxRoutingKeyBytes)
        throw invalidArgument(
          `Routing key of ${bytes} bytes exceeds the maximum of ${this.options.maxRoutingKeyBytes} bytes`,
        );
    }
    // Small schemas validate here; a large one on a worker (a promise). While any publish of the
    // topic waits, later ones queue behind it in the topic's gate, so offsets keep arrival order.
    const validated = this.registry.validateMessage(topic.name, message);
    const gate = gateOf(topic);
    if (validated === undefined && gate.idle) return this.append(topic, message);
    return gate.pass(message.payload.length, validated, () => {
      this.assertOpen();
      if (topic.deleted)
        throw unavailable(`The topic ${topic.name} was deleted meanwhile; the message was not stored`);
      return this.append(topic, message);
    });
  }

  /** The latest promise topic.publish returned, and it with storage failures mapped (see append). */
  private lastStored: Promise<void> | undefined;
  private lastMapped: Promise<void> | undefined;

  /**
   * Appends (the offset is assigned synchronously) and maps storage failures. Messages of one
   * group commit share topic.publish's promise, and so the mapped one.
   */
  private append(topic: Topic, message: StreamMessage): Promise<void> {
    let stored: Promise<void>;
    try {
      stored = topic.publish(message);
    } catch (err) {
      stored = Promise.reject(err);
    }
    if (stored !== this.lastStored || this.lastMapped === undefined) {
      this.lastStored = stored;
      this.lastMapped = stored.then(undefined, mapStorageFailure);
    }
    return this.lastMapped;
  }

  // ---- consumers ---------------------------------------------------------------------------------

  async subscribe(request: SubscribeRequest): Promise<ConsumerHandle> {
    this.assertOpen();
    assertTopicName(request.topicName);
    const topic = this.catalog.get(request.topicName);
    if (!topic) throw notFound(`Unable to find the topic: ${request.topicName}`);
    if (request.consumerName.length === 0) throw invalidArgument("consumer_name is required");
    if (request.subscription.length === 0) throw invalidArgument("subscription is required");
    if (!Object.values(SubscriptionType).includes(request.subscriptionType as SubscriptionType)) {
      throw invalidArgument(`Unknown subscription type ${request.subscriptionType}`);
    }
    const filterProblem = keyFiltersProblem(request.keyFilters);
    if (filterProblem) throw invalidArgument(`Invalid key_filters: ${filterProblem}`);

    const subscription =
      topic.subscriptions.get(request.subscription) ??
      this.createSubscription(topic, request.subscription, request.subscriptionType as SubscriptionType);
    await subscription.ready;
    // From here on nothing awaits: the checks below and the registration happen atomically.
    if (topic.deleted || topic.subscriptions.get(request.subscription) !== subscription) {
      throw notFound(`Unable to find the topic: ${request.topicName}`);
    }
    const existing = subscription.findByName(request.consumerName);
    if (existing) {
      // Same consumer name again: takeover. The old stream ends, unacked messages come back first.
      existing.deactivate();
      existing.reactivate();
      return existing;
    }
    if (subscription.type === SubscriptionType.Exclusive && subscription.consumers.length > 0) {
      if (subscription.hasActiveConsumer()) {
        throw permissionDenied(
          `Not able to subscribe to the topic ${topic.name} due to Not allowed to add the Consumer: ${request.consumerName}, the Exclusive subscription can't be shared with other consumers`,
        );
      }
      // The previous holder is gone (no stream): the newcomer takes the subscription over.
      for (const gone of [...subscription.consumers]) this.removeConsumer(gone);
    }
    const target = subscription;
    const events: ConsumerEvents = {
      onInactive: (consumer) => {
        target.noteActivity();
        target.dispatcher.consumerInactive(consumer);
      },
      onActive: () => {
        target.noteActivity();
        target.dispatcher.wake();
      },
    };
    // Reliable consumers hold what their subscription's window holds (accounted there).
    const limits = topic.reliable
      ? { maxMessages: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER, budget: undefined }
      : {
          maxMessages: this.options.nonReliableBufferSize,
          maxBytes: this.options.nonReliableBufferBytes,
          budget: this.memory,
        };
    const consumer = new ConsumerHandle(
      randomId(),
      request.consumerName,
      target.name,
      topic.name,
      request.keyFilters,
      events,
      limits,
    );
    consumer.deliveries = target.stats;
    target.consumers.push(consumer);
    target.noteActivity();
    this.consumers.set(consumer.id, consumer);
    target.dispatcher.wake();
    this.logger.debug(`consumer ${consumer.name} subscribed to ${topic.name} [${target.name}]`, {
      topic: topic.name,
      subscription: target.name,
      consumer: consumer.name,
      consumerId: consumer.id,
    });
    return consumer;
  }

  /** Opens the delivery stream of a consumer; a previous stream of the same consumer is ended. */
  attachStream(consumerId: bigint, sink: MessageSink): ConsumerHandle {
    this.assertOpen();
    const consumer = this.consumers.get(consumerId);
    if (!consumer) throw notFound(`The consumer with the id ${consumerId} does not exist`);
    consumer.attach(sink);
    return consumer;
  }

  ack(subscriptionName: string, ref: MessageRef | undefined): void {
    const subscription = this.subscriptionFor(subscriptionName, ref, "Error acknowledging message");
    if (subscription.dispatcher instanceof ReliableDispatcher && this.cursors.failure) {
      // Never answer OK for progress that cannot be persisted: the message stays unacknowledged
      // (redelivered after its ack timeout) and the client retries the ack.
      throw unavailable(
        `Error acknowledging message: subscription cursors cannot be persisted (${this.cursors.failure.message}); retry later`,
      );
    }
    subscription.dispatcher.ack(ref!.topicOffset);
  }

  nack(subscriptionName: string, ref: MessageRef | undefined, delayMs?: number, reason?: string): void {
    const subscription = this.subscriptionFor(
      subscriptionName,
      ref,
      "Error negatively acknowledging message",
    );
    subscription.dispatcher.nack(ref!.topicOffset, delayMs, reason);
  }

  health(clientType: number, id: bigint): HealthStatus {
    if (clientType === ClientType.Producer) {
      const producer = this.producers.get(id);
      if (producer) producer.lastSeen = Date.now();
      // A topic whose log refuses every append (a write failed and could not be undone) cannot
      // serve this producer: CLOSE, so the client stops sending into it.
      const refusing = producer && this.catalog.get(producer.topicName)?.log?.failed !== undefined;
      return producer && !refusing && !this.closed ? HealthStatus.Ok : HealthStatus.Close;
    }
    if (clientType === ClientType.Consumer)
      return this.consumers.get(id)?.active && !this.closed ? HealthStatus.Ok : HealthStatus.Close;
    throw invalidArgument("Invalid client type");
  }

  // ---- removal (admin and housekeeping) ------------------------------------------------------------

  removeProducer(producer: ProducerInfo): void {
    this.producers.delete(producer.id);
    this.catalog.get(producer.topicName)?.producers.delete(producer.id);
  }

  /** Forgets a consumer: its stream ends, its messages go elsewhere, its health check answers CLOSE. */
  removeConsumer(consumer: ConsumerHandle): void {
    this.logger.debug(`consumer ${consumer.name} removed`, {
      topic: consumer.topicName,
      subscription: consumer.subscriptionName,
      consumer: consumer.name,
    });
    consumer.deactivate();
    this.consumers.delete(consumer.id);
    this.catalog.get(consumer.topicName)?.subscriptions.get(consumer.subscriptionName)?.remove(consumer);
  }

  /** Removes a subscription with its cursor and settings. */
  async dropSubscription(topic: Topic, subscription: Subscription): Promise<void> {
    for (const consumer of [...subscription.consumers]) this.removeConsumer(consumer);
    topic.subscriptions.delete(subscription.name);
    await subscription.dispatcher.close();
    // A delayed cursor write must not land on a subscription re-created under the same key.
    this.cursors.forget(subscriptionKey(topic.name, subscription.name));
    await this.store.delete(subscriptionKey(topic.name, subscription.name));
    await this.settings.forget(topic.name, subscription.name);
  }

  /** Deletes a topic: producers and consumers are forgotten (health CLOSE), data and metadata removed. */
  async dropTopic(topic: Topic): Promise<void> {
    // Unlisted at once: lookups and new producers no longer find it; a re-creation of the same
    // name waits until the old data is gone.
    topic.deleted = true;
    const removal = this.catalog.beginRemoval(topic);
    try {
      for (const producer of [...topic.producers.values()]) this.removeProducer(producer);
      for (const subscription of [...topic.subscriptions.values()]) {
        await this.dropSubscription(topic, subscription);
      }
      await this.settings.forget(topic.name);
      await this.registry.forgetTopic(topic.name);
    } finally {
      // Always settles, so a failed deletion never blocks re-creating the name.
      await removal.finish();
    }
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  /** Ends every stream, writes cursors, closes logs and metadata. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    const subscriptions = this.catalog.all().flatMap((t) => [...t.subscriptions.values()]);
    await Promise.all(subscriptions.map((s) => s.dispatcher.close()));
    for (const consumer of this.consumers.values()) consumer.deactivate(true);
    await this.deadLetters.settle();
    await this.cursors.flush();
    await this.catalog.close();
    await this.store.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new BrokerError(Status.Unavailable, "The broker is shutting down");
  }

  private subscriptionFor(name: string, ref: MessageRef | undefined, context: string): Subscription {
    if (!ref) throw invalidArgument("msg_id is required");
    const topic = this.catalog.get(ref.topicName);
    // Upstream answers INTERNAL here; its clients treat INTERNAL and NOT_FOUND alike (final), and
    // NOT_FOUND says what happened (docs/status-codes.md).
    if (!topic) throw notFound(`${context}: topic ${ref.topicName} not found`);
    const subscription = topic.subscriptions.get(name);
    if (!subscription) throw notFound(`${context}: subscription ${name} not found on topic ${ref.topicName}`);
    return subscription;
  }

  /**
   * Creates a subscription right away (so concurrent subscribers share it); for reliable topics
   * `ready` settles once its record (starting at the log's tail) is durable.
   */
  private createSubscription(topic: Topic, name: string, type: SubscriptionType): Subscription {
    const subscription = new Subscription(topic.name, name, type);
    topic.subscriptions.set(name, subscription);
    if (!topic.log) {
      subscription.dispatcher = new NonReliableDispatcher(subscription, this.logger, {
        subscriptionBytes: this.options.subscriptionBufferBytes,
        budget: this.memory,
      });
      return subscription;
    }
    const cursor = topic.log.nextOffset;
    const generation = randomId();
    this.attachDispatcher(topic, subscription, cursor, generation);
    const record: SubscriptionRecord = { type, cursor, generation };
    subscription.ready = this.store
      .put(subscriptionKey(topic.name, name), record)
      .catch(async (err: unknown) => {
        if (topic.subscriptions.get(name) === subscription) topic.subscriptions.delete(name);
        await subscription.dispatcher.close();
        throw unavailable(
          `Not able to subscribe to the topic ${topic.name} due to ${err instanceof Error ? err.message : String(err)}`,
        );
      });
    return subscription;
  }

  private attachDispatcher(
    topic: Topic,
    subscription: Subscription,
    cursor: bigint,
    generation: bigint,
  ): void {
    const key = subscriptionKey(topic.name, subscription.name);
    subscription.dispatcher = new ReliableDispatcher({
      subscription,
      log: topic.log!,
      cursor,
      maxUnacked: this.settings.maxUnacked(topic.name, subscription.name) ?? this.options.maxUnackedMessages,
      policy: this.settings.effectivePolicy(topic.name, subscription.name),
      onCursor: (position) => this.cursors.set(key, position, generation),
      deadLetter: (entry, dlq) => this.deadLetters.publish(subscription, entry, dlq),
      logger: this.logger,
      maxWindowBytes: this.options.subscriptionBufferBytes,
      budget: this.memory,
    });
  }

  private restoreSubscriptions(topic: Topic): void {
    if (!topic.log) return;
    const prefix = `subscriptions/${topic.name}/`;
    for (const [key, record] of this.store.list<SubscriptionRecord>(prefix)) {
      const name = key.slice(prefix.length);
      const subscription = new Subscription(topic.name, name, record.type as SubscriptionType);
      // A cursor past the log's end (tail lost to a torn write) restarts at the end.
      let cursor = record.cursor;
      if (cursor > topic.log.nextOffset) cursor = topic.log.nextOffset;
      this.attachDispatcher(topic, subscription, cursor, record.generation);
      topic.subscriptions.set(name, subscription);
    }
  }

  /** Housekeeping: forget long-gone consumers and idle non-reliable subscriptions. */
  private sweep(): void {
    const now = Date.now();
    const { consumerIdleMs, subscriptionIdleMs } = this.options.housekeeping;
    for (const consumer of [...this.consumers.values()]) {
      // No stream for that long (gone, or subscribed and never opened one): forget it, so its
      // messages go elsewhere and an Exclusive subscription accepts a newcomer.
      const since = consumer.streamlessSince;
      if (since !== undefined && now - since > consumerIdleMs) this.removeConsumer(consumer);
    }
    for (const topic of this.catalog.all()) {
      if (topic.reliable) continue;
      for (const subscription of [...topic.subscriptions.values()]) {
        if (subscription.idleSince !== undefined && now - subscription.idleSince > subscriptionIdleMs) {
          void this.dropSubscription(topic, subscription).catch((err: unknown) =>
            this.logger.warn(
              `removing idle subscription ${subscription.name} failed`,
              { topic: topic.name, subscription: subscription.name },
              err,
            ),
          );
        }
      }
    }
  }
}
