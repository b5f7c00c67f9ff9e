// Public entry of @danube-ts/client.
export type { Client, DanubeClient } from "./client.ts";
export { createClient } from "./client.ts";
export type { Consumer } from "./consumer/consumer.ts";
export type { Message, MessageId } from "./consumer/message.ts";
export { DispatchStrategy, SubscriptionType } from "./enums.ts";
export type { DanubeErrorOptions } from "./errors.ts";
export { DanubeError, ErrorCode } from "./errors.ts";
export type {
  AckOptions,
  CallOptions,
  ClientOptions,
  NackOptions,
  ProducerOptions,
  ResolvedClientOptions,
  RetryOptions,
  SendOptions,
  SubscribeOptions,
} from "./options.ts";
export type { Producer } from "./producer/producer.ts";
export { fnv1a64, partitionForKey } from "./producer/router.ts";
export type { SendReceipt } from "./producer/topic-producer.ts";
