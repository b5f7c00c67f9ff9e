// Public entry of @danube-ts/client.
export type { AdminClient } from "./admin/admin-client.ts";
export { createAdminClient } from "./admin/admin-client.ts";
export type { BindingLocation, Role, RoleBinding, SecurityAdmin } from "./admin/security-admin.ts";
export { BindingScope } from "./admin/security-admin.ts";
export type {
  AdminClientOptions,
  BrokerInfo,
  CreatePartitionedTopicRequest,
  CreateTopicRequest,
  DispatchConfig,
  FailurePolicyInfo,
  NamespacePolicies,
  SetDispatchConfigRequest,
  SetFailurePolicyRequest,
  SubscriptionFailurePolicy,
  SubscriptionFailurePolicyInput,
  SubscriptionRef,
  TopicDescription,
  TopicInfo,
} from "./admin/types.ts";
export { BackoffStrategy, PoisonPolicy } from "./admin/types.ts";
export type { Client, DanubeClient } from "./client.ts";
export { createClient } from "./client.ts";
export type { Consumer } from "./consumer/consumer.ts";
export type { Message, MessageId } from "./consumer/message.ts";
export * from "./diagnostics/index.ts";
export { DispatchStrategy, ProducerAccessMode, SubscriptionType } from "./enums.ts";
export type { DanubeErrorOptions } from "./errors.ts";
export { DanubeError, ErrorCode } from "./errors.ts";
export type {
  AckOptions,
  CallOptions,
  ClientOptions,
  NackOptions,
  ProducerOptions,
  RawPayload,
  ReceiveOptions,
  ResolvedClientOptions,
  RetryOptions,
  SendOptions,
  SubscribeOptions,
} from "./options.ts";
export type { PendingLimitOptions } from "./producer/pending-limit.ts";
export { OnFull } from "./producer/pending-limit.ts";
export type { SendReceipt } from "./producer/pending-send.ts";
export type { Producer } from "./producer/producer.ts";
export { fnv1a64, partitionForKey } from "./producer/router.ts";
export type {
  AutoRegisterOptions,
  AvroSerdeOptions,
  CheckCompatibilityRequest,
  CompatibilityCheckResult,
  ConfigureTopicSchemaRequest,
  DecodeResult,
  JsonSerdeOptions,
  ProtobufSerdeOptions,
  RegisterSchemaRequest,
  RegisterSchemaResult,
  ResolvedBinding,
  ResolvedSchema,
  SchemaBinding,
  SchemaBindingOptions,
  SchemaDecoder,
  SchemaDefinitionInput,
  SchemaRegistry,
  SchemaRegistryOptions,
  SchemaStamp,
  SchemaVersionInfo,
  Serde,
  SerdeValue,
  StandaloneSchemaRegistry,
  SubjectSummary,
  TopicSchemaConfig,
  UpdateTopicValidationPolicyRequest,
  VersionRef,
} from "./schema/index.ts";
export {
  CompatibilityMode,
  connectSchemaRegistry,
  createSchemaDecoder,
  SchemaType,
  SchemaValidationError,
  SerdePhase,
  schemaBinding,
  serdes,
  unwrapSchemaDefinition,
  ValidationPolicy,
} from "./schema/index.ts";
export type {
  ClientStatus,
  ClosedStatus,
  ErrorStatus,
  ReconnectedStatus,
  ReconnectingStatus,
  StatusSource,
} from "./status.ts";
export { ClientStatusType } from "./status.ts";
export type { PemSource, SecurityOptions, TlsOptions } from "./transport/security.ts";
export type { TokenSupplier } from "./transport/tokens.ts";
export type { TransportMode } from "./transport/transport-option.ts";
