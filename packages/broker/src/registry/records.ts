import type { CompatibilityMode, SchemaType } from "@danube-ts/schema";
import { invalidArgument } from "../errors.ts";

/**
 * What the registry keeps in the metadata store, and under which keys. Only the `schemas/` and
 * `topic-schema/` prefixes belong to the registry.
 *
 * - `schemas/next-id`: the next subject id (ids are never reused).
 * - `schemas/subject/<subject>`: a {@link SubjectRecord}.
 * - `schemas/version/<id>/<version>`: a {@link VersionRecord}; deleting a version deletes its key.
 * - `topic-schema/<topic>`: a {@link TopicSchemaRecord}.
 *
 * Versions are keyed by the numeric subject id so that a subject whose name extends another's
 * (`a` and `a/b`) never shares a key prefix with it.
 */
export const registryKeys = {
  nextId: "schemas/next-id",
  subjectPrefix: "schemas/subject/",
  subject: (subject: string) => `schemas/subject/${subject}`,
  versionPrefix: "schemas/version/",
  version: (id: bigint, version: number) => `schemas/version/${id}/${version}`,
  topicPrefix: "topic-schema/",
  topic: (topic: string) => `topic-schema/${topic}`,
} as const;

export interface SubjectRecord {
  /** Shared by every version of the subject. */
  id: bigint;
  subject: string;
  compatibilityMode: CompatibilityMode;
  /** Highest version number ever assigned, deleted ones included: numbering never reuses them. */
  lastVersion: number;
  /** Unix seconds. */
  createdAt: bigint;
  createdBy: string;
}

export interface VersionRecord {
  version: number;
  schemaType: SchemaType;
  /** The definition exactly as registered ("" for bytes, string and number). */
  definition: string;
  fingerprint: string;
  /** Unix seconds. */
  createdAt: bigint;
  createdBy: string;
  description: string;
  tags: string[];
}

export type ValidationPolicy = "none" | "warn" | "enforce";

export interface TopicSchemaRecord {
  subject: string;
  validationPolicy: ValidationPolicy;
  enablePayloadValidation: boolean;
}

/** A topic whose subject was set by its first producer starts with upstream's defaults. */
export const defaultTopicPolicy: Omit<TopicSchemaRecord, "subject"> = {
  validationPolicy: "warn",
  enablePayloadValidation: false,
};

export function parseValidationPolicy(value: string): ValidationPolicy {
  const policy = value.toLowerCase();
  if (policy === "none" || policy === "warn" || policy === "enforce") return policy;
  throw invalidArgument(`Invalid validation policy: '${value}'. Must be 'none', 'warn', or 'enforce'`);
}

/** Rust's `{:?}` rendering of an enum variant, as upstream puts in messages: `backward_transitive` → `BackwardTransitive`. */
export function debugName(value: string): string {
  return value
    .split("_")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

export const nowSeconds = (): bigint => BigInt(Math.floor(Date.now() / 1000));
