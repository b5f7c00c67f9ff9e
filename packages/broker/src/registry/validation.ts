import type { ValidationIssue } from "@danube-ts/schema";
import { permissionDenied } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { TopicSchemaRecord } from "./records.ts";
import type { SubjectCatalog } from "./subjects.ts";

/** The parts of a StreamMessage that validation reads. */
export interface PublishedMessage {
  schemaId?: bigint | undefined;
  schemaVersion?: number | undefined;
  payload: Uint8Array;
}

/** Per-topic counters since the broker started. */
export interface ValidationStats {
  /** Messages checked under warn or enforce. */
  checked: number;
  /** Messages accepted under warn although they failed a check. */
  warned: number;
  /** Messages refused under enforce. */
  rejected: number;
}

interface TopicStats extends ValidationStats {
  lastLogAt: number;
  unlogged: number;
}

/** Warnings are logged at most this often per topic; the next one says how many were skipped. */
const LOG_INTERVAL_MS = 1_000;
const MAX_ISSUES_IN_REASON = 3;

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

function describeIssues(issues: ValidationIssue[]): string {
  const shown = issues.slice(0, MAX_ISSUES_IN_REASON).map((i) => `${i.path}: ${i.message}`);
  const more = issues.length - shown.length;
  return more > 0 ? `${shown.join("; ")} (and ${more} more)` : shown.join("; ");
}

/**
 * Applies a topic's validation policy to a published message.
 *
 * | check                                  | none   | warn           | enforce |
 * | -------------------------------------- | ------ | -------------- | ------- |
 * | message has no schema_id               | accept | accept + count | reject  |
 * | schema_id unknown to the registry      | accept | accept + count | reject  |
 * | schema_id of another subject           | accept | accept + count | reject  |
 * | payload invalid (payload validation on) | accept | accept + count | reject  |
 *
 * Deliberate relaxation of upstream (quirk 10 of the semantics notes): upstream rejects unknown
 * schema ids and invalid payloads even under warn. Here warn never rejects: it counts the message
 * and logs why, which is what "warn" promises. The payload is validated against the message's own
 * `schema_version` (the latest version when the message has none), not against the first version
 * seen on the topic as upstream does (quirk 11).
 */
export class MessageValidator {
  private readonly stats = new Map<string, TopicStats>();

  constructor(
    private readonly subjects: SubjectCatalog,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  validate(topic: string, config: TopicSchemaRecord, message: PublishedMessage): void {
    if (config.validationPolicy === "none") return;
    const stats = this.statsOf(topic);
    stats.checked++;
    const problem = this.problem(topic, config, message);
    if (problem === undefined) return;
    if (config.validationPolicy === "enforce") {
      stats.rejected++;
      throw permissionDenied(`Unable to publish the message: ${problem}`);
    }
    stats.warned++;
    this.warn(topic, stats, problem);
  }

  statsOf(topic: string): TopicStats {
    let stats = this.stats.get(topic);
    if (!stats) {
      stats = { checked: 0, warned: 0, rejected: 0, lastLogAt: Number.NEGATIVE_INFINITY, unlogged: 0 };
      this.stats.set(topic, stats);
    }
    return stats;
  }

  forget(topic: string): void {
    this.stats.delete(topic);
  }

  private problem(topic: string, config: TopicSchemaRecord, message: PublishedMessage): string | undefined {
    const { subject } = config;
    const id = message.schemaId;
    if (id === undefined)
      return `Message missing schema_id for topic ${topic} (expected subject: ${subject})`;
    const owner = this.subjects.subjectOf(id);
    if (owner === undefined) return `Schema ID ${id} not found in registry`;
    if (owner !== subject) {
      return `Schema subject mismatch for topic ${topic}: message schema_id=${id} belongs to subject '${owner}', but topic requires '${subject}'`;
    }
    if (!config.enablePayloadValidation) return undefined;
    let resolved: ReturnType<SubjectCatalog["parsedVersion"]>;
    try {
      // A message without a version is read as version 1, as upstream and our client's decoder do.
      resolved = this.subjects.parsedVersion(id, message.schemaVersion ?? 1);
    } catch (err) {
      return `Failed to create validator: ${messageOf(err)}`;
    }
    if (!resolved) return `Schema version not found: ${subject}/${message.schemaVersion ?? 1}`;
    const result = resolved.parsed.validate(message.payload);
    if (result.valid) return undefined;
    return `Payload validation failed: ${describeIssues(result.errors)}`;
  }

  private warn(topic: string, stats: TopicStats, problem: string): void {
    const now = this.now();
    if (now - stats.lastLogAt < LOG_INTERVAL_MS) {
      stats.unlogged++;
      return;
    }
    const skipped = stats.unlogged > 0 ? ` (${stats.unlogged} more since the last warning)` : "";
    stats.lastLogAt = now;
    stats.unlogged = 0;
    this.logger.warn(`schema validation (warn) on topic ${topic}: accepted a message: ${problem}${skipped}`);
  }
}
