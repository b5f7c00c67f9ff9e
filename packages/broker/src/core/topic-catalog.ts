import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { alreadyExists, unavailable } from "../errors.ts";
import { faultyWrite } from "../faults.ts";
import type { ResolvedBrokerOptions } from "../options.ts";
import {
  describeRecovery,
  HandlePool,
  type MetadataStore,
  type RecoveryReport,
  type ScanGap,
  TopicLog,
} from "../storage/index.ts";
import { namespaceOf, parsePartition } from "../topic-name.ts";
import { randomId } from "./ids.ts";
import { Topic } from "./topic.ts";
import { DispatchStrategy } from "./types.ts";

interface TopicRecord {
  dispatchStrategy: number;
  createdAt: bigint;
  /** Tombstone: the topic is being deleted (its folder goes first, then this record). */
  deleting?: boolean;
}

/** A topic whose log needed repair at open, as reported on the broker handle. */
export interface TopicRecovery {
  topic: string;
  report: RecoveryReport;
}

/** Damage met by reads is logged at most this often per topic (reads of a damaged range repeat). */
const DAMAGE_LOG_INTERVAL_MS = 10_000;

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
  /** Topics whose logs were repaired or found damaged when opened (since start). */
  readonly recoveries: TopicRecovery[] = [];
  /** Topic folders without a record found at start, moved to quarantine/ (relative paths). */
  readonly orphans: string[] = [];
  /** Shared cap on open segment files across all topic logs. */
  readonly handles: HandlePool;
  /** Set by the metrics exporter: each group commit's write+fdatasync duration and record count. */
  onBatchCommitted: ((seconds: number, records: number) => void) | undefined;

  constructor(
    private readonly store: MetadataStore,
    private readonly options: ResolvedBrokerOptions,
    maxOpenSegments: number,
  ) {
    this.handles = new HandlePool(maxOpenSegments);
  }

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
      if (record.deleting) {
        // A deletion interrupted by a crash: finish it (folder, then record).
        this.options.logger.warn(`finishing the interrupted deletion of topic ${name}`, { topic: name });
        await this.removeFolder(name);
        await this.store.delete(key);
        continue;
      }
      this.topics.set(name, await this.openTopic(name, record.dispatchStrategy as DispatchStrategy));
    }
    await this.quarantineOrphans();
  }

  private topicDir(name: string): string {
    return join(this.options.dataDir, "topics", ...name.split("/").filter(Boolean));
  }

  private async removeFolder(name: string): Promise<void> {
    await rm(this.topicDir(name), { recursive: true, force: true });
  }

  /**
   * Moves a topic folder that has no topic record (left by an older broker's interrupted
   * deletion) out of the way, so a topic created under that name starts empty. Kept in
   * `quarantine/topics/`, never served.
   */
  private async quarantineFolder(name: string): Promise<void> {
    const source = this.topicDir(name);
    const relative = join("quarantine", "topics", ...name.split("/").filter(Boolean));
    const target = `${join(this.options.dataDir, relative)}.${Date.now()}`;
    await mkdir(join(target, ".."), { recursive: true });
    await rename(source, target);
    this.orphans.push(`${relative}.${target.slice(target.lastIndexOf(".") + 1)}`);
    this.options.logger.warn(`topic folder ${source} has no topic record; moved to ${target}`);
  }

  private async quarantineOrphans(): Promise<void> {
    const root = join(this.options.dataDir, "topics");
    const list = (dir: string) => readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const ns of await list(root)) {
      if (!ns.isDirectory()) continue;
      for (const topic of await list(join(root, ns.name))) {
        const name = `/${ns.name}/${topic.name}`;
        if (topic.isDirectory() && !this.topics.has(name)) await this.quarantineFolder(name);
      }
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
          // Crash-safe order: tombstone, folder, record. A crash in between finishes at start.
          const key = TOPIC_PREFIX + topic.name;
          const record = this.store.get<TopicRecord>(key);
          if (record) await this.store.put(key, { ...record, deleting: true });
          await topic.log?.destroy();
          await this.store.delete(key);
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
    if (
      await stat(this.topicDir(name)).then(
        () => true,
        () => false,
      )
    )
      await this.quarantineFolder(name);
    const topic = await this.openTopic(name, dispatchStrategy);
    const record: TopicRecord = { dispatchStrategy, createdAt: BigInt(Date.now()) };
    try {
      await this.store.put(TOPIC_PREFIX + name, record);
    } catch (err) {
      await topic.log?.destroy(); // new and empty: leave no folder without a record behind
      throw err;
    }
    this.topics.set(name, topic);
    return topic;
  }

  /** Logs damaged records skipped by reads: the first at once, then at most one line per interval with a count. */
  private damageLogger(name: string): (gap: ScanGap, path: string) => void {
    let last = 0;
    let suppressed = 0;
    return (gap, path) => {
      const now = Date.now();
      if (now - last < DAMAGE_LOG_INTERVAL_MS) {
        suppressed++;
        return;
      }
      const more = suppressed > 0 ? ` (${suppressed} more since the last report)` : "";
      this.options.logger.error(
        `topic ${name}: skipped unreadable records [${gap.fromOffset}, ${gap.toOffset}) in ${path} at byte ${gap.start}: ${gap.reason}${more}`,
        { topic: name },
      );
      last = now;
      suppressed = 0;
    };
  }

  private async openTopic(name: string, dispatchStrategy: DispatchStrategy): Promise<Topic> {
    let log: TopicLog | undefined;
    if (dispatchStrategy === DispatchStrategy.Reliable) {
      const write = faultyWrite(this.topicDir(name), this.options.faults);
      log = await TopicLog.open({
        ...(write && { write }),
        dir: this.topicDir(name),
        segmentBytes: this.options.segmentBytes,
        fsync: this.options.fsync,
        handles: this.handles,
        onDamage: this.damageLogger(name),
        onBatchCommitted: (seconds, records) => this.onBatchCommitted?.(seconds, records),
      });
      const report = log.recovery;
      if (report.reason !== undefined) {
        this.recoveries.push({ topic: name, report });
        const line = `recovered topic ${name}: ${describeRecovery(report)} (first problem: ${report.reason})`;
        if (report.lost.length > 0) this.options.logger.error(line, { topic: name });
        else this.options.logger.warn(line, { topic: name });
      }
    }
    return new Topic(name, dispatchStrategy, log);
  }
}
