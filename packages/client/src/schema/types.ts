// Public data types of the schema registry client.
import type { CompatibilityMode, SchemaType } from "@danube-ts/schema";

/**
 * How a topic's broker treats messages against the topic's schema subject.
 * `none` accepts everything, `warn` logs mismatches, `enforce` rejects them.
 */
export const ValidationPolicy = {
  None: "none",
  Warn: "warn",
  Enforce: "enforce",
} as const;
/** One of the values of {@link ValidationPolicy}. */
export type ValidationPolicy = (typeof ValidationPolicy)[keyof typeof ValidationPolicy];

/**
 * A schema definition as accepted by the registry calls: text (Avro or JSON Schema JSON, .proto
 * source), UTF-8 bytes, or a JSON value (an Avro or JSON Schema document) that is serialised with
 * `JSON.stringify`. Ignored for bytes, string and number.
 */
export type SchemaDefinitionInput = string | Uint8Array | object;

/** Request of `registerSchema`. */
export interface RegisterSchemaRequest {
  /** The subject (usually one per topic), e.g. `orders-value`. */
  subject: string;
  /** Schema type: `avro`, `json_schema`, `protobuf`, `string`, `number` or `bytes` (aliases accepted). */
  schemaType: SchemaType | string;
  /**
   * The definition; omit for bytes, string and number.
   * @default "" (empty)
   */
  schema?: SchemaDefinitionInput;
  /**
   * Free-text description stored with the version.
   * @default ""
   */
  description?: string;
  /**
   * Who registered it.
   * @default "danube-ts"
   */
  createdBy?: string;
  /**
   * Tags stored with the version.
   * @default []
   */
  tags?: string[];
}

/** Answer of `registerSchema`. */
export interface RegisterSchemaResult {
  /** The subject's id; every version of a subject shares it. */
  schemaId: bigint;
  /** The version number (1, 2, ...) of the registered or deduplicated schema. */
  version: number;
  /** False when an identical schema was already registered under the subject (dedupe). */
  isNewVersion: boolean;
  /** Opaque fingerprint computed by the broker. */
  fingerprint: string;
}

/** One version of a subject as returned by `getSchema` and `getLatestSchema`. */
export interface ResolvedSchema {
  /** The subject's id (shared by every version). */
  schemaId: bigint;
  version: number;
  subject: string;
  /** Canonical type name (`avro`, `json_schema`, ...). */
  schemaType: SchemaType;
  /** The raw schema text, unwrapped from the broker's envelope ("" for bytes, string, number). */
  definition: string;
  description: string;
  /** Registration time (second precision). */
  createdAt: Date;
  createdBy: string;
  tags: string[];
  fingerprint: string;
  /** The subject's compatibility mode (lower case). */
  compatibilityMode: string;
}

/** Metadata of one version, as listed by `listVersions`. */
export interface SchemaVersionInfo {
  version: number;
  schemaId: bigint;
  createdAt: Date;
  createdBy: string;
  description: string;
  fingerprint: string;
}

/** One subject, as listed by `listSubjects`. */
export interface SubjectSummary {
  subject: string;
  schemaId: bigint;
  /** Type of the latest version. */
  schemaType: string;
  latestVersion: number;
  /** The subject's compatibility mode (lower case). */
  compatibilityMode: string;
  /** Tags of the latest version. */
  tags: string[];
}

/** Request of `checkCompatibility`. */
export interface CheckCompatibilityRequest {
  subject: string;
  schemaType: SchemaType | string;
  /** The candidate definition. */
  schema?: SchemaDefinitionInput;
  /**
   * Mode to check under, for this call only.
   * @default the subject's configured mode
   */
  mode?: CompatibilityMode;
}

/** Answer of `checkCompatibility`. */
export interface CompatibilityCheckResult {
  compatible: boolean;
  /** Readable incompatibilities, each with a location; empty when compatible. */
  errors: string[];
}

/** Request of `configureTopicSchema`. */
export interface ConfigureTopicSchemaRequest {
  /** The topic, `/namespace/topic`; the broker must host it. */
  topic: string;
  /** A subject that exists in the registry. */
  subject: string;
  /**
   * How the broker treats messages that do not carry the subject's schema id.
   * @default ValidationPolicy.Warn
   */
  validationPolicy?: ValidationPolicy;
  /**
   * Whether the broker also validates every payload against the message's schema version.
   * @default false
   */
  enablePayloadValidation?: boolean;
}

/** Request of `updateTopicValidationPolicy`. */
export interface UpdateTopicValidationPolicyRequest {
  /** A topic that already has a schema subject (see `configureTopicSchema`). */
  topic: string;
  validationPolicy: ValidationPolicy;
  /**
   * Whether the broker validates every payload.
   * @default false
   */
  enablePayloadValidation?: boolean;
}

/** Answer of `getTopicSchemaConfig`. */
export interface TopicSchemaConfig {
  /** The topic's subject, undefined when it has none. */
  subject: string | undefined;
  validationPolicy: string;
  enablePayloadValidation: boolean;
  /** The subject's id (0 when unknown: upstream brokers always answer 0). */
  schemaId: bigint;
}

/**
 * Which version of a subject a producer stamps on its messages, as upstream resolves it:
 * `"latest"` the latest version; `{ pinned: n }` exactly version n (fails if n > latest);
 * `{ minVersion: n }` the latest version, failing if it is older than n.
 */
export type VersionRef = "latest" | { pinned: number } | { minVersion: number };

/** The schema identity stamped on every message of a producer. */
export interface SchemaStamp {
  schemaId: bigint;
  version: number;
}
