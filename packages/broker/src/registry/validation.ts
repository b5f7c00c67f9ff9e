import type { ValidationIssue } from "@danube-ts/schema";
import { permissionDenied } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { PayloadChecks, PayloadVerdict } from "./payload-checks.ts";
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
  /** Messages refused (under enforce, or under warn for an unknown schema id or an invalid payload). */
  rejected: number;
}

interface TopicStats extends ValidationStats {
  lastLogAt: number;
  unlogged: number;
}

/** Warnings are logged at most this often per topic; the next one says how many were skipped. */
const LOG_INTERVAL_MS = 1_000;
const MAX_ISSUES_IN_REASON = 3;

function describeIssues(issues: ValidationIssue[]): string {
  const shown = issues.slice(0, MAX_ISSUES_IN_REASON).map((i) => `${i.path}: ${i.message}`);
  const more = issues.length - shown.length;
  return more > 0 ? `${shown.join("; ")} (and ${more} more)` : shown.join("; ");
}

/** A failed check: why, and whether warn refuses it too (upstream's rule). */
interface Problem {
  reason: string;
  refusedUnderWarn: boolean;
}

function problemOf(verdict: PayloadVerdict): Problem | undefined {
  if ("failed" in verdict)
    return { reason: `Failed to create validator: ${verdict.failed}`, refusedUnderWarn: true };
  if (verdict.valid) return undefined;
  return { reason: `Payload validation failed: ${describeIssues(verdict.errors)}`, refusedUnderWarn: true };
}

/**
 * Applies a topic's validation policy to a published message, as upstream Danube v0.15.1 does.
 *
 * | check                                              | none   | warn         | enforce |
 * | -------------------------------------------------- | ------ | ------------ | ------- |
 * | message has no schema_id                           | accept | accept + log | reject  |
 * | schema_id unknown to the registry                  | accept | reject       | reject  |
 * | schema_id of another subject                       | accept | accept + log | reject  |
 * | payload validation on: version unknown or payload invalid | accept | reject | reject |
 *
 * The payload is validated against the message's own `schema_version` (version 1 when the message
 * has none, as upstream and our client's decoder read it), not against the version of the first
 * message seen with that id on the topic as upstream does (quirk 11 of the semantics notes).
 * Payloads of large schemas are validated on a worker thread ({@link PayloadChecks}): then the
 * verdict is a promise.
 */
export class MessageValidator {
  private readonly stats = new Map<string, TopicStats>();

  constructor(
    private readonly subjects: SubjectCatalog,
    private readonly payloads: PayloadChecks,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws (or rejects) PERMISSION_DENIED when the policy refuses the message. */
  validate(topic: string, config: TopicSchemaRecord, message: PublishedMessage): Promise<void> | undefined {
    if (config.validationPolicy === "none") return undefined;
    const stats = this.statsOf(topic);
    stats.checked++;
    const problem = this.problem(topic, config, message);
    if (problem instanceof Promise) return problem.then((found) => this.settle(topic, config, stats, found));
    this.settle(topic, config, stats, problem);
    return undefined;
  }

  private settle(topic: string, config: TopicSchemaRecord, stats: TopicStats, problem: Problem | undefined) {
    if (problem === undefined) return;
    if (config.validationPolicy === "enforce" || problem.refusedUnderWarn) {
      stats.rejected++;
      throw permissionDenied(`Unable to publish the message: ${problem.reason}`);
    }
    stats.warned++;
    this.warn(topic, stats, problem.reason);
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

  private problem(
    topic: string,
    config: TopicSchemaRecord,
    message: PublishedMessage,
  ): Problem | undefined | Promise<Problem | undefined> {
    const { subject } = config;
    const id = message.schemaId;
    const logged = (reason: string) => ({ reason, refusedUnderWarn: false });
    const refused = (reason: string) => ({ reason, refusedUnderWarn: true });
    if (id === undefined)
      return logged(`Message missing schema_id for topic ${topic} (expected subject: ${subject})`);
    const owner = this.subjects.subjectOf(id);
    if (owner === undefined) return refused(`Schema ID ${id} not found in registry`);
    if (owner !== subject) {
      return logged(
        `Schema subject mismatch for topic ${topic}: message schema_id=${id} belongs to subject '${owner}', but topic requires '${subject}'`,
      );
    }
    if (!config.enablePayloadValidation) return undefined;
    const version = message.schemaVersion ?? 1;
    const record = this.subjects.versionRecord(id, version);
    if (!record) return refused(`Schema version not found: ${subject}/${version}`);
    const verdict = this.payloads.check(id, record, message.payload);
    return verdict instanceof Promise ? verdict.then(problemOf) : problemOf(verdict);
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
    this.logger.warn(`schema validation (warn) on topic ${topic}: accepted a message: ${problem}${skipped}`, {
      topic,
    });
  }
}
