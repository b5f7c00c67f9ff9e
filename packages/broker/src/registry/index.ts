import {
  type CompatibilityResult,
  type CompatibilityRules,
  SchemaWorker,
  warmUpJsonSchemaValidators,
} from "@danube-ts/schema";
import { notFound } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { MetadataStore } from "../storage/index.ts";
import { PayloadChecks } from "./payload-checks.ts";
import { parseValidationPolicy, type TopicSchemaRecord, type VersionRecord } from "./records.ts";
import {
  type RegisterInput,
  type RegisterResult,
  type SchemaVersionView,
  SubjectCatalog,
  type SubjectView,
} from "./subjects.ts";
import { TopicSchemaConfigs } from "./topic-configs.ts";
import { MessageValidator, type PublishedMessage, type ValidationStats } from "./validation.ts";

export type { TopicSchemaRecord, ValidationPolicy } from "./records.ts";
export type { RegisterInput, RegisterResult, SchemaVersionView, SubjectView } from "./subjects.ts";
export type { PublishedMessage, ValidationStats } from "./validation.ts";

/** Which topics exist; the broker passes its topic catalog. */
export interface TopicView {
  exists(topic: string): boolean;
}

export interface SchemaRegistryOptions {
  logger: Logger;
  topics: TopicView;
  /** JSON Schema compatibility rules (broker option `schemaCompatibilityRules`). @default "upstream" */
  compatibilityRules?: CompatibilityRules;
  /** Time limit of one schema parse + compatibility check on the worker. @default 10000 */
  checkTimeoutMs?: number;
  /** Schema definitions longer than this are compiled and used on a worker thread. @default 4096 */
  inlineSchemaChars?: number;
}

/** One worker thread per process serves every registry: schema checks never run on the event loop. */
let sharedWorker: SchemaWorker | undefined;
const schemaWorker = () => {
  sharedWorker ??= new SchemaWorker();
  return sharedWorker;
};
/** Payloads of large schemas are validated on their own worker, never queued behind a registration. */
let sharedValidationWorker: SchemaWorker | undefined;
const validationWorker = () => {
  sharedValidationWorker ??= new SchemaWorker();
  return sharedValidationWorker;
};

/** DescribeTopic's schema fields. */
export interface TopicSchemaDescription {
  subject: string;
  schemaId?: bigint;
  /** Latest live version of the subject. */
  version?: number;
  schemaType?: string;
  /** Upper case, e.g. `BACKWARD`. */
  compatibilityMode?: string;
}

/** GetTopicSchemaConfig's answer; `schemaId` is the subject's real id (upstream always sends 0). */
export interface TopicSchemaConfigView extends TopicSchemaRecord {
  schemaId: bigint;
}

/**
 * The broker's schema registry: subjects and versions ({@link SubjectCatalog}), each topic's
 * schema configuration ({@link TopicSchemaConfigs}) and validation on publish
 * ({@link MessageValidator}). All state lives in the metadata store under `schemas/` and
 * `topic-schema/`, so it survives restarts. Methods throw BrokerError with upstream's status
 * codes and messages; the gRPC service (grpc/schema-service.ts) only maps requests and responses,
 * and reaches the registry through this class alone.
 */
export class SchemaRegistry {
  private readonly catalog: SubjectCatalog;
  private readonly configs: TopicSchemaConfigs;
  private readonly validator: MessageValidator;
  private readonly payloads: PayloadChecks;

  private constructor(
    store: MetadataStore,
    private readonly options: SchemaRegistryOptions,
  ) {
    const timeoutMs = options.checkTimeoutMs ?? 10_000;
    this.catalog = new SubjectCatalog(store, options.compatibilityRules ?? "upstream", (task) =>
      schemaWorker().run(task, timeoutMs),
    );
    this.configs = new TopicSchemaConfigs(store);
    this.payloads = new PayloadChecks({
      parsedVersion: (id, version) => this.catalog.parsedVersion(id, version),
      runOnWorker: (task) => validationWorker().run(task, timeoutMs),
      ...(options.inlineSchemaChars !== undefined && { inlineChars: options.inlineSchemaChars }),
    });
    this.validator = new MessageValidator(this.catalog, this.payloads, options.logger);
  }

  /** Loads the registry from an open store. All later writes go through `store.put` (durable). */
  static open(store: MetadataStore, options: SchemaRegistryOptions): SchemaRegistry {
    // Payload validation compiles small schemas on the event loop; the costly first compile per
    // JSON Schema draft happens here, before the broker serves, not in the middle of a SendMessage.
    warmUpJsonSchemaValidators();
    return new SchemaRegistry(store, options);
  }

  // ---- hooks the broker calls ------------------------------------------------------------------

  /**
   * CreateProducer with a schema_ref (called after the topic exists): the first producer assigns its
   * subject to the topic (the subject must be registered); a different subject is refused.
   * Both failures are FAILED_PRECONDITION with upstream's messages. No subject: nothing to check.
   */
  async checkProducer(topic: string, subject: string | undefined): Promise<void> {
    if (subject === undefined) return;
    await this.configs.assign(topic, subject, this.catalog.has(subject));
  }

  /** Admin CreateTopic with a schema_subject: same rules as the first producer. */
  async assignSubject(topic: string, subject: string): Promise<void> {
    await this.configs.assign(topic, subject, this.catalog.has(subject));
  }

  /**
   * SendMessage: applies the topic's validation policy; throws PERMISSION_DENIED "Unable to publish
   * the message: ..." when enforce refuses it. One Map lookup for topics without a schema. For a
   * large schema the payload is validated on a worker thread: then a promise is returned (it
   * rejects with the same error), and the caller must keep the topic's order while it waits.
   */
  validateMessage(topic: string, message: PublishedMessage): Promise<void> | undefined {
    const config = this.configs.get(topic);
    if (config === undefined) return undefined;
    return this.validator.validate(topic, config, message);
  }

  /** The topic was deleted: drop its schema configuration and counters. */
  async forgetTopic(topic: string): Promise<void> {
    this.validator.forget(topic);
    await this.configs.forget(topic);
  }

  describeTopic(topic: string): TopicSchemaDescription | undefined {
    const config = this.configs.get(topic);
    if (!config) return undefined;
    const subject = this.catalog.subject(config.subject);
    if (!subject) return { subject: config.subject };
    return {
      subject: config.subject,
      schemaId: subject.id,
      ...(subject.latest && { version: subject.latest.version, schemaType: subject.latest.schemaType }),
      compatibilityMode: subject.compatibilityMode.toUpperCase(),
    };
  }

  /** Counters of the topic's validation under warn and enforce. */
  validationStats(topic: string): ValidationStats {
    const { checked, warned, rejected } = this.validator.statsOf(topic);
    return { checked, warned, rejected };
  }

  // ---- subject RPCs ---------------------------------------------------------------------------

  /** RegisterSchema: dedupe by fingerprint, else a compatibility check and a new version. */
  register(input: RegisterInput): Promise<RegisterResult> {
    return this.catalog.register(input);
  }

  /** CheckCompatibility against the subject's versions; an unparseable mode override is ignored. */
  check(
    subject: string,
    schemaType: string,
    definition: Uint8Array,
    modeOverride?: string,
  ): Promise<CompatibilityResult> {
    return this.catalog.check(subject, schemaType, definition, modeOverride);
  }

  /** GetSchema: a version of the subject with this id, the latest when `version` is undefined. */
  byIdAndVersion(id: bigint, version: number | undefined): SchemaVersionView {
    return this.catalog.byIdAndVersion(id, version);
  }

  /** GetLatestSchema. */
  latest(subject: string): SchemaVersionView {
    return this.catalog.latest(subject);
  }

  /** ListVersions: the live versions, ascending. */
  versions(subject: string): { id: bigint; versions: VersionRecord[] } {
    return this.catalog.versions(subject);
  }

  /** ListSubjects: every subject, sorted by name. */
  subjects(): SubjectView[] {
    return this.catalog.subjects();
  }

  has(subject: string): boolean {
    return this.catalog.has(subject);
  }

  deleteVersion(subject: string, version: number): Promise<string> {
    return this.catalog.deleteVersion(subject, version);
  }

  setCompatibilityMode(subject: string, modeText: string): Promise<string> {
    return this.catalog.setCompatibilityMode(subject, modeText);
  }

  // ---- topic schema RPCs -----------------------------------------------------------------------

  async configureTopicSchema(
    topic: string,
    subject: string,
    policyText: string,
    enablePayloadValidation: boolean,
  ): Promise<string> {
    const policy = parseValidationPolicy(policyText);
    if (!this.catalog.has(subject)) {
      throw notFound(
        `Schema subject '${subject}' not found in registry: Schema metadata not found for subject: ${subject}`,
      );
    }
    this.assertTopic(topic);
    return this.configs.configure(topic, subject, policy, enablePayloadValidation);
  }

  async updateTopicValidationPolicy(
    topic: string,
    policyText: string,
    enablePayloadValidation: boolean,
  ): Promise<string> {
    const policy = parseValidationPolicy(policyText);
    this.assertTopic(topic);
    return this.configs.updatePolicy(topic, policy, enablePayloadValidation);
  }

  /** A topic without a subject reports upstream's live defaults: no subject, warn, validation off, id 0. */
  topicSchemaConfig(topic: string): TopicSchemaConfigView {
    this.assertTopic(topic);
    const config = this.configs.get(topic);
    if (!config)
      return { subject: "", validationPolicy: "warn", enablePayloadValidation: false, schemaId: 0n };
    return { ...config, schemaId: this.catalog.idOf(config.subject) ?? 0n };
  }

  private assertTopic(topic: string): void {
    if (!this.options.topics.exists(topic)) throw notFound(`Topic '${topic}' not found on this broker`);
  }
}
