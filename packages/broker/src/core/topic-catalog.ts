import { join } from "node:path";
import { alreadyExists, unavailable } from "../errors.ts";
import type { ResolvedBrokerOptions } from "../options.ts";
import { type MetadataStore, TopicLog } from "../storage/index.ts";
import { namespaceOf, parsePartition } from "../topic-name.ts";
import { randomId } from "./ids.ts";
import { Topic } from "./topic.ts";
import { DispatchStrategy } from "./types.ts";

interface TopicRecord {
  dispatchStrategy: number;
  createdAt: bigint;
}

const NAMESPACE_PREFIX = "namespaces/";
const TOPIC_PREFIX = "topics/";

/**
 * Namespaces and topics, persisted in the metadata store and reloaded at start (reliable topics
 * reopen their logs, so offsets continue where they stopped).
 */
export class TopicCatalog {
  private readonly topics = new Map<string, Topic>();
  private readonly creating = new Map<string, Promise<Topic>>();
  /** Names whose old data is still being removed; creating them again waits for it. */
  private readonly removing = new Map<string, Promise<void>>();
  brokerId = 0n;

  constructor(
    private readonly store: MetadataStore,
    private readonly options: ResolvedBrokerOptions,
  ) {}

  async load(bootstrapNamespaces: string[]): Promise<void> {
    let id = this.store.get<bigint>("broker/id");
    if (id === undefined) {
      id = randomId();
      await this.store.put("broker/id", id);
    }
    this.brokerId = id;
    for (const ns of bootstrapNamespaces) {
      if (!this.hasNamespace(ns))
        await this.store.put(NAMESPACE_PREFIX + ns, { createdAt: BigInt(Date.now()) });
    }
    for (const [key, record] of this.store.list<TopicRecord>(TOPIC_PREFIX)) {
      const name = key.slice(TOPIC_PREFIX.length);
      this.topics.set(name, await this.openTopic(name, record.dispatchStrategy as DispatchStrategy));
    }
  }

  hasNamespace(name: string): boolean {
    return this.store.get(NAMESPACE_PREFIX + name) !== undefined;
  }

  async createNamespace(name: string): Promise<void> {
    await this.store.put(NAMESPACE_PREFIX + name, { createdAt: BigInt(Date.now()) });
  }

  async deleteNamespace(name: string): Promise<void> {
    await this.store.delete(NAMESPACE_PREFIX + name);
  }

  namespaces(): string[] {
    return this.store.list(NAMESPACE_PREFIX).map(([key]) => key.slice(NAMESPACE_PREFIX.length));
  }

  get(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  all(): Topic[] {
    return [...this.topics.values()];
  }

  /** `[name]` when the topic exists, else its partitions `name-part-N` in partition order. */
  partitionsOf(name: string): string[] {
    if (this.topics.has(name)) return [name];
    return [...this.topics.keys()]
      .map((t) => ({ t, p: parsePartition(t) }))
      .filter(({ p }) => p?.base === name)
      .sort((a, b) => (a.p?.index ?? 0) - (b.p?.index ?? 0))
      .map(({ t }) => t);
  }

  /** Returns the topic, creating it (durably) when missing. Concurrent calls share one creation. */
  getOrCreate(name: string, dispatchStrategy: DispatchStrategy): Promise<Topic> {
    const existing = this.topics.get(name);
    if (existing) return Promise.resolve(existing);
    let pending = this.creating.get(name);
    if (!pending) {
      const removal = this.removing.get(name) ?? Promise.resolve();
      pending = removal
        .then(() => this.topics.get(name) ?? this.create(name, dispatchStrategy))
        .finally(() => this.creating.delete(name));
      this.creating.set(name, pending);
    }
    return pending;
  }

  /**
   * Unlists a topic now; `finish()` then deletes its record and its log. Until it has, creating
   * a topic of the same name waits.
   */
  beginRemoval(topic: Topic): { finish(): Promise<void> } {
    if (this.topics.get(topic.name) === topic) this.topics.delete(topic.name);
    let done!: () => void;
    const removed = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.removing.set(topic.name, removed);
    return {
      finish: async () => {
        try {
          await this.store.delete(TOPIC_PREFIX + topic.name);
          await topic.log?.destroy();
        } finally {
          if (this.removing.get(topic.name) === removed) this.removing.delete(topic.name);
          done();
        }
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((t) => t.log?.close()));
  }

  private async create(name: string, dispatchStrategy: DispatchStrategy): Promise<Topic> {
    const ns = namespaceOf(name);
    if (!this.hasNamespace(ns)) {
      throw unavailable(
        `Unable to find the namespace ${ns}, the topic can be created only for an exisiting namespace`,
      );
    }
    const partition = parsePartition(name);
    if (partition && this.topics.has(partition.base)) {
      throw alreadyExists(
        `Cannot create partitioned topic '${name}': a non-partitioned topic '${partition.base}' already exists`,
      );
    }
    if (!partition && this.partitionsOf(name).length > 0) {
      throw alreadyExists(
        `Cannot create topic '${name}': partitioned topics with this base name already exist`,
      );
    }
    const topic = await this.openTopic(name, dispatchStrategy);
    const record: TopicRecord = { dispatchStrategy, createdAt: BigInt(Date.now()) };
    try {
      await this.store.put(TOPIC_PREFIX + name, record);
    } catch (err) {
      await topic.log?.close();
      throw err;
    }
    this.topics.set(name, topic);
    return topic;
  }

  private async openTopic(name: string, dispatchStrategy: DispatchStrategy): Promise<Topic> {
    let log: TopicLog | undefined;
    if (dispatchStrategy === DispatchStrategy.Reliable) {
      log = await TopicLog.open({
        dir: join(this.options.dataDir, "topics", ...name.split("/").filter(Boolean)),
        segmentBytes: this.options.segmentBytes,
        fsync: this.options.fsync,
      });
      if (log.recovery.truncatedBytes > 0) {
        this.options.logger.warn(
          `recovered topic ${name}: truncated ${log.recovery.truncatedBytes} bytes (${log.recovery.reason ?? "corrupt tail"})`,
        );
      }
    }
    return new Topic(name, dispatchStrategy, log);
  }
}
