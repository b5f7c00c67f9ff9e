// The schema registry API as an interface, plus the subset that producers and consumers use.
import type { CompatibilityMode } from "@danube-ts/schema";
import type { CallOptions } from "../options.ts";
import type {
  CheckCompatibilityRequest,
  CompatibilityCheckResult,
  ConfigureTopicSchemaRequest,
  RegisterSchemaRequest,
  RegisterSchemaResult,
  ResolvedSchema,
  SchemaVersionInfo,
  SubjectSummary,
  TopicSchemaConfig,
  UpdateTopicValidationPolicyRequest,
} from "./types.ts";

/**
 * What schema bindings (producers) and decoders (consumers) need from a registry. The client's
 * registry implements it; tests can pass an in-memory one.
 */
export interface SchemaRegistryReader {
  /** The latest version of `subject`; NOT_FOUND when the subject has none. */
  getLatestSchema(subject: string, options?: CallOptions): Promise<ResolvedSchema>;
  /** A version of the subject with this id (latest when `version` is omitted); NOT_FOUND if absent. */
  getSchema(schemaId: bigint, version?: number, options?: CallOptions): Promise<ResolvedSchema>;
  /** Versions of `subject` with their metadata, oldest first; NOT_FOUND for an unknown subject. */
  listVersions(subject: string, options?: CallOptions): Promise<SchemaVersionInfo[]>;
}

/** What auto-registration needs on top of {@link SchemaRegistryReader}. */
export interface SchemaRegistryWriter extends SchemaRegistryReader {
  registerSchema(request: RegisterSchemaRequest, options?: CallOptions): Promise<RegisterSchemaResult>;
  checkCompatibility(
    request: CheckCompatibilityRequest,
    options?: CallOptions,
  ): Promise<CompatibilityCheckResult>;
}

/**
 * The Danube schema registry (`client.schema`). Every call takes `{ signal, timeoutMs }`, is
 * retried on UNAVAILABLE like other client calls, and fails with a DanubeError. Schema versions
 * read by id and version are cached.
 */
export interface SchemaRegistry extends SchemaRegistryWriter {
  /**
   * Registers a schema under a subject. An identical schema already registered under the subject
   * returns that version with `isNewVersion: false`; otherwise the subject's compatibility mode
   * must accept it.
   */
  registerSchema(request: RegisterSchemaRequest, options?: CallOptions): Promise<RegisterSchemaResult>;
  /** Every subject with its latest version, type and compatibility mode, sorted by name. */
  listSubjects(options?: CallOptions): Promise<SubjectSummary[]>;
  /** Checks a candidate schema against the subject (its latest version, or every one in transitive modes). */
  checkCompatibility(
    request: CheckCompatibilityRequest,
    options?: CallOptions,
  ): Promise<CompatibilityCheckResult>;
  /** Sets the subject's compatibility mode; returns the broker's confirmation message. */
  setCompatibilityMode(subject: string, mode: CompatibilityMode, options?: CallOptions): Promise<string>;
  /** Deletes one version of a subject; returns the broker's confirmation message. */
  deleteSchemaVersion(subject: string, version: number, options?: CallOptions): Promise<string>;
  /** Assigns a subject to a topic with a validation policy; returns the broker's message. */
  configureTopicSchema(request: ConfigureTopicSchemaRequest, options?: CallOptions): Promise<string>;
  /** Changes the validation policy of a topic that has a subject; returns the broker's message. */
  updateTopicValidationPolicy(
    request: UpdateTopicValidationPolicyRequest,
    options?: CallOptions,
  ): Promise<string>;
  /** The topic's subject, validation policy and payload validation flag. */
  getTopicSchemaConfig(topic: string, options?: CallOptions): Promise<TopicSchemaConfig>;
}
