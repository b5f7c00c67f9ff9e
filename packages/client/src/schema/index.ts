// The schema room's barrel for the client's own files and tests. The package door (../index.ts)
// re-exports only part of it: import public names from "@danube-ts/client", not from here.

export { unwrapSchemaDefinition } from "@danube-ts/protocol";
export { CompatibilityMode, SchemaType } from "@danube-ts/schema";
export type { AutoRegisterOptions, ResolvedBinding, SchemaBinding, SchemaBindingOptions } from "./binding.ts";
export { ensureRegistered, schemaBinding } from "./binding.ts";
export type { DecodableMessage, DecodeResult, SchemaDecoder } from "./decoder.ts";
export { createSchemaDecoder } from "./decoder.ts";
export { SchemaValidationError, SerdePhase } from "./errors.ts";
export type { SchemaRegistry, SchemaRegistryReader, SchemaRegistryWriter } from "./registry.ts";
export type { SchemaRegistryConnection } from "./registry-client.ts";
export { createSchemaRegistryClient } from "./registry-client.ts";
export type { Serde, SerdeValue } from "./serde.ts";
export type { AvroSerdeOptions, JsonSerdeOptions, ProtobufSerdeOptions } from "./serdes/index.ts";
export { serdes } from "./serdes/index.ts";
export type { SchemaRegistryOptions, StandaloneSchemaRegistry } from "./standalone.ts";
export { connectSchemaRegistry } from "./standalone.ts";
export type {
  CheckCompatibilityRequest,
  CompatibilityCheckResult,
  ConfigureTopicSchemaRequest,
  RegisterSchemaRequest,
  RegisterSchemaResult,
  ResolvedSchema,
  SchemaDefinitionInput,
  SchemaStamp,
  SchemaVersionInfo,
  SubjectSummary,
  TopicSchemaConfig,
  UpdateTopicValidationPolicyRequest,
  VersionRef,
} from "./types.ts";
export { ValidationPolicy } from "./types.ts";
export { normalizeVersionRef, resolveVersionRef, schemaReference } from "./version-ref.ts";
