import { SchemaError } from "./errors.ts";
import type { SchemaLimits } from "./limits.ts";

/** Canonical schema type names, as stored and returned by the Danube registry. */
export const SchemaType = {
  Bytes: "bytes",
  String: "string",
  Number: "number",
  Avro: "avro",
  JsonSchema: "json_schema",
  Protobuf: "protobuf",
} as const;
export type SchemaType = (typeof SchemaType)[keyof typeof SchemaType];

/** Compatibility modes. Non-transitive modes compare with the latest version only. */
export const CompatibilityMode = {
  None: "none",
  Backward: "backward",
  Forward: "forward",
  Full: "full",
  BackwardTransitive: "backward_transitive",
  ForwardTransitive: "forward_transitive",
  FullTransitive: "full_transitive",
} as const;
export type CompatibilityMode = (typeof CompatibilityMode)[keyof typeof CompatibilityMode];

/**
 * Rule sets for JSON Schema compatibility. `upstream`: upstream Danube v0.15.1's verdicts (top-level
 * `required` and property `type` only), the default. `strict`: Confluent Schema Registry's rules
 * (STRICT policy), a danube-ts extension. Avro and Protobuf are judged the same under both.
 */
export const CompatibilityRules = {
  Upstream: "upstream",
  Strict: "strict",
} as const;
export type CompatibilityRules = (typeof CompatibilityRules)[keyof typeof CompatibilityRules];

/** Parses a rule-set name case-insensitively. */
export function parseCompatibilityRules(s: string): CompatibilityRules {
  const r = s.trim().toLowerCase();
  if (r !== "upstream" && r !== "strict") {
    throw new SchemaError(
      "UNKNOWN_COMPATIBILITY_RULES",
      `Unknown compatibility rules: '${s}' (upstream or strict)`,
    );
  }
  return r;
}

const typeAliases: Record<string, SchemaType> = {
  bytes: "bytes",
  string: "string",
  number: "number",
  int: "number",
  int64: "number",
  float: "number",
  double: "number",
  avro: "avro",
  json_schema: "json_schema",
  json: "json_schema",
  jsonschema: "json_schema",
  protobuf: "protobuf",
  proto: "protobuf",
};

/** Parses a schema type name case-insensitively, accepting upstream's aliases. */
export function parseSchemaType(s: string): SchemaType {
  const found = typeAliases[s.trim().toLowerCase()];
  if (found === undefined) throw new SchemaError("UNKNOWN_SCHEMA_TYPE", `Unknown schema type: '${s}'`);
  return found;
}

const modes = new Set<string>(Object.values(CompatibilityMode));

/** Parses a compatibility mode case-insensitively (`BACKWARD`, `full_transitive`, ...). */
export function parseCompatibilityMode(s: string): CompatibilityMode {
  const m = s.trim().toLowerCase();
  if (!modes.has(m)) {
    throw new SchemaError("UNKNOWN_COMPATIBILITY_MODE", `Unknown compatibility mode: '${s}'`);
  }
  return m as CompatibilityMode;
}

/** One problem found in a payload: a JSON-pointer-like location and a readable reason. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Result of validating a payload against a schema. */
export interface ValidationResult {
  valid: boolean;
  errors: ValidationIssue[];
}

/** A file that a schema imports (Protobuf `import "name";`), given by import name and text. */
export interface SchemaReferenceFile {
  name: string;
  text: string;
}

/** Options for {@link parseSchema}. */
export interface ParseOptions {
  /** Files imported by a Protobuf schema. */
  references?: SchemaReferenceFile[];
  /** Protobuf message used for payloads; default: the first message declared in the main file. */
  messageName?: string;
  /** Bounds checked before parsing. @default defaultSchemaLimits */
  limits?: SchemaLimits;
}

/** Fields shared by every parsed schema. */
export interface ParsedSchemaBase {
  readonly type: SchemaType;
  /** Stable text form: compact JSON with sorted keys for Avro and JSON Schema, raw text for Protobuf. */
  readonly canonical: string;
  /** `sha256:<hex>` of `canonical`, or the literal type name for bytes, string and number. */
  readonly fingerprint: string;
  /** Validates one message payload. */
  validate(payload: Uint8Array): ValidationResult;
}

export function validationResult(errors: ValidationIssue[]): ValidationResult {
  return { valid: errors.length === 0, errors };
}
