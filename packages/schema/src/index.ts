/**
 * @danube-ts/schema: the schema engine shared by the Danube broker and client.
 * Parse and fingerprint schemas, validate payloads, check compatibility between versions.
 */
export type { AvroParsedSchema } from "./avro/schema.ts";
export { type CompatibilityResult, checkCompatibility } from "./compat.ts";
export { SchemaError, type SchemaErrorCode } from "./errors.ts";
export { type JsonParsedSchema, type JsonSchemaDraft, warmUpJsonSchemaValidators } from "./json/schema.ts";
export { checkSchemaLimits, defaultSchemaLimits, type SchemaLimits } from "./limits.ts";
export { type ParsedSchema, parseSchema } from "./parse.ts";
export type { PrimitiveParsedSchema } from "./primitive.ts";
export type { ProtobufParsedSchema } from "./protobuf/schema.ts";
export {
  CompatibilityMode,
  CompatibilityRules,
  type ParseOptions,
  parseCompatibilityMode,
  parseCompatibilityRules,
  parseSchemaType,
  type SchemaReferenceFile,
  SchemaType,
  type ValidationIssue,
  type ValidationResult,
} from "./types.ts";
export {
  type PayloadResult,
  type PayloadTask,
  SchemaWorker,
  type VetResult,
  type VetTask,
  type VetVersion,
} from "./worker/pool.ts";
export { vetSchema } from "./worker/vet.ts";
