// Option types, their defaults (in one place) and their validation (done once, before any RPC).

import { isValidTopicName } from "@danube-ts/protocol";
import {
  type ObservabilityOptions,
  type ResolvedObservability,
  resolveObservability,
} from "./diagnostics/observer.ts";
import {
  allowedAccessModes,
  allowedDispatchStrategies,
  allowedSubscriptionTypes,
  DispatchStrategy,
  ProducerAccessMode,
  SubscriptionType,
} from "./enums.ts";
import { invalidArgument } from "./errors.ts";
import {
  type PendingLimitOptions,
  type ResolvedPendingLimit,
  resolvePendingLimit,
} from "./producer/pending-limit.ts";
import { type SchemaBinding, type SchemaBindingOptions, schemaBinding } from "./schema/binding.ts";
import type { Serde } from "./schema/serde.ts";
import {
  type ResolvedSecurity,
  resolveSecurity,
  type SecurityOptions,
  type UrlScheme,
} from "./transport/security.ts";
import { resolveTransport, type TransportMode } from "./transport/transport-option.ts";

/**
 * Retry policy for retryable failures (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED other
 * than an oversized message). Every retry loop is bounded by the call's deadline (`timeoutMs`,
 * default `requestTimeoutMs`); `maxRetries` is an optional extra cap.
 */
export interface RetryOptions {
  /**
   * Most retries after the first attempt; 0 disables retrying.
   * @default undefined (no count limit: retry until the call's deadline)
   */
  maxRetries?: number;
  /**
   * Backoff unit: attempt n (from 0) waits `min(baseDelayMs * (n + 1), maxDelayMs)`, 50-100% jittered.
   * @default 200
   */
  baseDelayMs?: number;
  /**
   * Upper bound of one backoff wait.
   * @default 5000
   */
  maxDelayMs?: number;
}

/** Options of {@link createClient}. */
export interface ClientOptions extends SecurityOptions, ObservabilityOptions {
  /**
   * Broker to bootstrap from: `http://host:port`, `https://host:port` (TLS), or `host:port`
   * (TLS when `tls`, `token` or `tokenSupplier` is given, else plaintext).
   */
  serviceUrl: string;
  /**
   * Default time limit of every operation (create, subscribe, send, ack, nack), retries included.
   * @default 30000
   */
  requestTimeoutMs?: number;
  /** Retry policy for create, subscribe, send, ack and nack. */
  retry?: RetryOptions;
  /**
   * The broker's admin listener (`http://host:port`), needed by `consumer.unsubscribe()`.
   * @default undefined (unsubscribe fails with FAILED_PRECONDITION)
   */
  adminUrl?: string;
  /**
   * Interval of the background health check of every producer and consumer.
   * @default 5000
   */
  healthCheckIntervalMs?: number;
  /**
   * Largest message a send may carry (payload, attributes and key), in bytes. Danube brokers
   * refuse gRPC messages over 4 MiB; bigger sends fail at once with INVALID_ARGUMENT instead.
   * @default 4193280 (4 MiB less 1 KiB for the message envelope)
   */
  maxMessageBytes?: number;
  /**
   * How messages move: the danube-ts streams where the broker offers them, or upstream's unary
   * RPCs (see {@link TransportMode} and docs/streaming.md).
   * @default "auto"
   */
  transport?: TransportMode;
}

/** Per-call cancellation and time limit, accepted by every network operation. */
export interface CallOptions {
  /** Aborting it cancels the operation with code CANCELLED. */
  signal?: AbortSignal;
  /**
   * Time limit of this operation, retries included; elapsed gives DEADLINE_EXCEEDED.
   * @default the client's requestTimeoutMs
   */
  timeoutMs?: number;
}

/** Options of `consumer.receive()`. */
export interface ReceiveOptions {
  /** Aborting it rejects the pending receive with CANCELLED (no message is lost). */
  signal?: AbortSignal;
  /**
   * Time to wait for a message; elapsed gives DEADLINE_EXCEEDED (no message is lost).
   * @default undefined (wait until a message arrives or the consumer closes)
   */
  timeoutMs?: number;
}

/** What a producer sends when it has no schema: raw bytes, or a string sent as UTF-8. */
export type RawPayload = Uint8Array | string;

/** Options of `client.createProducer()`. */
export interface ProducerOptions<T = RawPayload> extends CallOptions, PendingLimitOptions {
  /** Topic name, `/namespace/topic`. */
  topic: string;
  /** Producer name; partition producers are named `<name>-<i>`. */
  name: string;
  /**
   * Number of partitions (`<topic>-part-<i>`); omit for a non-partitioned topic.
   * @default undefined (non-partitioned)
   */
  partitions?: number;
  /**
   * Dispatch strategy requested for the topic.
   * @default DispatchStrategy.NonReliable
   */
  dispatchStrategy?: DispatchStrategy;
  /**
   * `Exclusive` makes this the topic's only producer (the broker refuses others while it is alive).
   * @default ProducerAccessMode.Shared
   */
  accessMode?: ProducerAccessMode;
  /**
   * Registry subject, version reference and serde: resolved once per create (and stamped as
   * schema id and version on every message); `send()` then takes values of the serde's type,
   * validated and encoded before any RPC.
   * @default undefined (raw payloads)
   */
  schema?: SchemaBindingOptions<T>;
  /**
   * Against a broker that does not sequence sends (upstream Danube), each partition keeps
   * `send()` order by having one send in flight at a time; `true` pipelines sends there instead
   * and accepts that the broker may store them out of order (large messages complete out of
   * order on HTTP/2). A danube-ts broker keeps order with many in flight either way.
   * @default false
   */
  allowReorder?: boolean;
}

/** Options of `producer.send()`. */
export interface SendOptions extends CallOptions {
  /**
   * User attributes carried with the message.
   * @default {}
   */
  attributes?: Record<string, string>;
  /**
   * Routing key: picks the partition (FNV-1a 64 mod partitions) and is carried as `routingKey`.
   * @default undefined (round robin)
   */
  key?: string;
}

/** Options of `client.subscribe()`. */
export interface SubscribeOptions<T = Uint8Array> extends CallOptions {
  /** Topic name, `/namespace/topic`; a partitioned topic subscribes to every partition. */
  topic: string;
  /** Subscription name. */
  subscription: string;
  /** Consumer name; reusing it on a subscription takes the consumer over. */
  consumerName: string;
  /**
   * Subscription type (fixed by the subscription's first consumer).
   * @default SubscriptionType.Shared
   */
  subscriptionType?: SubscriptionType;
  /**
   * Whole-key glob patterns (`*`, `?`) for KeyShared subscriptions.
   * @default []
   */
  keyFilters?: string[];
  /**
   * Messages buffered locally before the broker streams are paused (on the consume stream: the
   * credit granted to the broker).
   * @default 1000
   */
  receiveQueueSize?: number;
  /**
   * Payload bytes a consumer holds at most on the danube-ts consume stream: received and not yet
   * taken by the application (its queue plus what is in transit), plus one message (a message of
   * any size gets through). The stream's byte credit; upstream's ReceiveMessages has none.
   * @default 16 MiB
   */
  receiveQueueBytes?: number;
  /**
   * Decodes every message into `message.value` with the writer schema named by its schema id and
   * version (read from the registry, cached); Avro data is resolved to the serde's schema.
   * @default undefined (`message.value` is the raw payload)
   */
  serde?: Serde<T>;
}

/** Options of `message.ack()`. */
export interface AckOptions extends CallOptions {}

/** Options of `message.nack()`. */
export interface NackOptions extends CallOptions {
  /**
   * Redelivery delay requested from the broker.
   * @default undefined (the subscription's policy)
   */
  delayMs?: number;
  /**
   * Why the message was rejected (recorded by the broker, e.g. for dead-lettering).
   * @default undefined
   */
  reason?: string;
}

/** The client defaults. */
export function defaultClientOptions(): Required<
  Omit<ClientOptions, "serviceUrl" | "adminUrl" | keyof SecurityOptions | keyof ObservabilityOptions>
> & {
  retry: ResolvedRetryOptions;
} {
  return {
    requestTimeoutMs: 30_000,
    retry: { maxRetries: undefined, baseDelayMs: 200, maxDelayMs: 5000 },
    healthCheckIntervalMs: 5000,
    maxMessageBytes: 4 * 1024 * 1024 - 1024,
    transport: "auto",
  };
}

/**
 * Default number of messages buffered by a consumer: 1,000, as Pulsar's receiverQueueSize (the
 * Rust client's channel holds 100). On the consume stream it is also the credit, granted back in
 * quarter steps, so it sets the delivery frame size: a 200,000-message backlog drained at 66k
 * msgs/s with 100 and at 76-81k with 1,000 (docs/benchmarks.md). Memory stays bounded by
 * receiveQueueBytes. With Shared subscriptions and slow consumers a smaller queue spreads work
 * more evenly (docs/delivery.md).
 */
export const defaultReceiveQueueSize = 1000;

/** Default payload bytes a consumer holds on the consume stream (its byte credit). */
export const defaultReceiveQueueBytes = 16 * 1024 * 1024;

/** A retry policy with defaults applied (`maxRetries` undefined: only the deadline bounds it). */
export interface ResolvedRetryOptions {
  maxRetries: number | undefined;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Client options with defaults applied and the service URL parsed. */
export interface ResolvedClientOptions {
  /** The service URL with a scheme, as carried in `msg_id.broker_addr`. */
  serviceUrl: string;
  /** `host:port` to dial. */
  serviceTarget: string;
  requestTimeoutMs: number;
  retry: ResolvedRetryOptions;
  /** The admin URL with a scheme, when given. */
  adminUrl: string | undefined;
  healthCheckIntervalMs: number;
  maxMessageBytes: number;
  transport: TransportMode;
  /** TLS material and token of every channel to the service URL and the brokers it names. */
  security: ResolvedSecurity;
  /** The same for the admin URL (whose scheme decides TLS: upstream's `admin_tls`). */
  adminSecurity: ResolvedSecurity | undefined;
  /** The metrics and logger options, validated (docs/observability.md, "Client"). */
  observability: ResolvedObservability;
}

/** Producer options, validated, with defaults applied. */
export interface ResolvedProducerOptions extends ResolvedPendingLimit {
  topic: string;
  name: string;
  partitions: number | undefined;
  dispatchStrategy: DispatchStrategy;
  accessMode: ProducerAccessMode;
  schema: SchemaBinding<unknown> | undefined;
  allowReorder: boolean;
}

/** Subscribe options, validated, with defaults applied. */
export interface ResolvedSubscribeOptions {
  topic: string;
  subscription: string;
  consumerName: string;
  subscriptionType: SubscriptionType;
  keyFilters: string[];
  receiveQueueSize: number;
  receiveQueueBytes: number;
  serde: Serde<unknown> | undefined;
}

/** Throws INVALID_ARGUMENT unless `topic` is `/namespace/topic` made of letters, digits, `_`, `-`. */
export function validateTopic(topic: unknown, option = "topic"): string {
  if (typeof topic !== "string" || topic.length === 0) throw invalidArgument(option, "is required");
  if (!isValidTopicName(topic)) {
    throw invalidArgument(
      option,
      `"${topic}" is invalid: expected /namespace/topic made of letters, digits, '_' or '-'`,
    );
  }
  return topic;
}

/** A required non-empty string option (INVALID_ARGUMENT otherwise). */
export function requireName(value: unknown, option: string): string {
  if (typeof value !== "string" || value.trim().length === 0) {
    throw invalidArgument(option, "is required and must be a non-empty string");
  }
  return value;
}

function checkInteger(value: unknown, option: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw invalidArgument(option, `must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

function checkPositive(value: unknown, option: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw invalidArgument(option, `must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

/**
 * Splits a service URL into the URL carried in messages, the `host:port` to dial and the scheme
 * as written (`http`, `https`, or undefined when there is none; the URL then gets `http://`).
 */
export function parseServiceUrl(
  raw: unknown,
  option = "serviceUrl",
): { url: string; target: string; scheme: UrlScheme } {
  if (typeof raw !== "string" || raw.trim().length === 0) throw invalidArgument(option, "is required");
  const trimmed = raw.trim().replace(/\/+$/, "");
  const found = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed);
  const scheme = found?.[1]?.toLowerCase();
  if (found && scheme !== "http" && scheme !== "https") {
    throw invalidArgument(
      option,
      `"${raw}" has unsupported scheme ${found[1]}; use http://, https:// or none`,
    );
  }
  const target = found ? trimmed.slice(found[0].length) : trimmed;
  if (!/^(\[[0-9a-f:.]+\]|[^\s/:[\]]+)(:\d{1,5})?$/i.test(target)) {
    throw invalidArgument(option, `"${raw}" is not a valid host:port address`);
  }
  return { url: `${scheme ?? "http"}://${target}`, target, scheme: scheme as UrlScheme };
}

/**
 * A parsed URL and its security; a URL without scheme gets `https://` when TLS applies. `admin`
 * is an admin URL, which may carry the token in plaintext (a broker without `admin_tls`); for the
 * client's own `adminUrl` an `http://` scheme also leaves out the client port's `tls` material.
 */
function resolveEndpoint(
  raw: unknown,
  option: string,
  options: SecurityOptions,
  kind: "service" | "admin" | "clientAdmin",
): { url: string; target: string; security: ResolvedSecurity } {
  const { target, scheme } = parseServiceUrl(raw, option);
  const effective = kind === "clientAdmin" && scheme === "http" ? { ...options, tls: undefined } : options;
  const security = resolveSecurity(effective, scheme, String(raw).trim(), kind !== "service");
  return { url: `${security.tls ? "https" : "http"}://${target}`, target, security };
}

/** Applies the retry defaults and validates the result (`maxRetries` may stay undefined). */
function resolveRetry(retry: RetryOptions | undefined, defaults: ResolvedRetryOptions): ResolvedRetryOptions {
  const resolved: ResolvedRetryOptions = {
    maxRetries: retry?.maxRetries ?? defaults.maxRetries,
    baseDelayMs: retry?.baseDelayMs ?? defaults.baseDelayMs,
    maxDelayMs: retry?.maxDelayMs ?? defaults.maxDelayMs,
  };
  if (resolved.maxRetries !== undefined) checkInteger(resolved.maxRetries, "retry.maxRetries", 0);
  checkInteger(resolved.baseDelayMs, "retry.baseDelayMs", 0);
  checkInteger(resolved.maxDelayMs, "retry.maxDelayMs", 0);
  return resolved;
}

/** Validates client options and applies defaults. */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  if (typeof options !== "object" || options === null) throw invalidArgument("options", "must be an object");
  const defaults = defaultClientOptions();
  const { url, target, security } = resolveEndpoint(options.serviceUrl, "serviceUrl", options, "service");
  const admin =
    options.adminUrl === undefined
      ? undefined
      : resolveEndpoint(options.adminUrl, "adminUrl", options, "clientAdmin");
  const resolved: ResolvedClientOptions = {
    serviceUrl: url,
    serviceTarget: target,
    requestTimeoutMs: options.requestTimeoutMs ?? defaults.requestTimeoutMs,
    retry: resolveRetry(options.retry, defaults.retry),
    adminUrl: admin?.url,
    healthCheckIntervalMs: options.healthCheckIntervalMs ?? defaults.healthCheckIntervalMs,
    maxMessageBytes: options.maxMessageBytes ?? defaults.maxMessageBytes,
    transport: resolveTransport(options.transport ?? defaults.transport),
    security,
    adminSecurity: admin?.security,
    observability: resolveObservability(options),
  };
  checkPositive(resolved.requestTimeoutMs, "requestTimeoutMs");
  checkPositive(resolved.healthCheckIntervalMs, "healthCheckIntervalMs");
  checkPositive(resolved.maxMessageBytes, "maxMessageBytes");
  return resolved;
}

/** The options of a connection outside a client (admin client, standalone registry), resolved once. */
export interface ResolvedConnectionOptions {
  url: string;
  target: string;
  requestTimeoutMs: number;
  retry: ResolvedRetryOptions;
  security: ResolvedSecurity;
}

/**
 * Validates the URL, time limit, retry policy and security of a standalone connection;
 * `allowPlaintextToken` is for the admin port of a broker without `admin_tls`.
 */
export function resolveConnectionOptions(
  options: SecurityOptions & { requestTimeoutMs?: number; retry?: RetryOptions },
  url: unknown,
  option: string,
  allowPlaintextToken: boolean,
): ResolvedConnectionOptions {
  if (typeof options !== "object" || options === null) throw invalidArgument("options", "must be an object");
  const defaults = defaultClientOptions();
  const endpoint = resolveEndpoint(url, option, options, allowPlaintextToken ? "admin" : "service");
  const resolved: ResolvedConnectionOptions = {
    url: endpoint.url,
    target: endpoint.target,
    requestTimeoutMs: options.requestTimeoutMs ?? defaults.requestTimeoutMs,
    retry: resolveRetry(options.retry, defaults.retry),
    security: endpoint.security,
  };
  checkPositive(resolved.requestTimeoutMs, "requestTimeoutMs");
  return resolved;
}

/** Validates the `signal` and `timeoutMs` of any per-call options. */
export function validateCallOptions(options: CallOptions | ReceiveOptions | undefined): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null) throw invalidArgument("options", "must be an object");
  if (options.timeoutMs !== undefined) checkPositive(options.timeoutMs, "timeoutMs");
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw invalidArgument("signal", "must be an AbortSignal");
  }
}

/** Validates producer options and applies defaults. */
export function resolveProducerOptions<T>(options: ProducerOptions<T>): ResolvedProducerOptions {
  validateCallOptions(options);
  const topic = validateTopic(options.topic);
  const name = requireName(options.name, "name");
  if (options.partitions !== undefined) {
    const p = options.partitions;
    if (typeof p !== "number" || !Number.isInteger(p) || p < 1) {
      throw invalidArgument(
        "partitions",
        `must be >= 1 (an integer) or omitted for a non-partitioned topic, got ${String(p)}`,
      );
    }
  }
  const dispatchStrategy = options.dispatchStrategy ?? DispatchStrategy.NonReliable;
  if (!allowedDispatchStrategies.includes(dispatchStrategy)) {
    throw invalidArgument(
      "dispatchStrategy",
      `must be one of ${allowedDispatchStrategies.join(", ")}, got ${String(dispatchStrategy)}`,
    );
  }
  const accessMode = options.accessMode ?? ProducerAccessMode.Shared;
  if (!allowedAccessModes.includes(accessMode)) {
    throw invalidArgument(
      "accessMode",
      `must be one of ${allowedAccessModes.join(", ")}, got ${String(accessMode)}`,
    );
  }
  const schema =
    options.schema === undefined ? undefined : (schemaBinding(options.schema) as SchemaBinding<unknown>);
  const allowReorder = options.allowReorder ?? false;
  if (typeof allowReorder !== "boolean") throw invalidArgument("allowReorder", "must be a boolean");
  const pendingLimit = resolvePendingLimit(options);
  return {
    topic,
    name,
    partitions: options.partitions,
    dispatchStrategy,
    accessMode,
    schema,
    allowReorder,
    ...pendingLimit,
  };
}

/** Validates subscribe options and applies defaults. */
export function resolveSubscribeOptions<T>(options: SubscribeOptions<T>): ResolvedSubscribeOptions {
  validateCallOptions(options);
  const topic = validateTopic(options.topic);
  const subscription = requireName(options.subscription, "subscription");
  const consumerName = requireName(options.consumerName, "consumerName");
  const subscriptionType = options.subscriptionType ?? SubscriptionType.Shared;
  if (!allowedSubscriptionTypes.includes(subscriptionType)) {
    throw invalidArgument(
      "subscriptionType",
      `must be one of ${allowedSubscriptionTypes.join(", ")}, got ${String(subscriptionType)}`,
    );
  }
  const keyFilters = options.keyFilters ?? [];
  if (!Array.isArray(keyFilters) || keyFilters.some((f) => typeof f !== "string" || f.length === 0)) {
    throw invalidArgument("keyFilters", "must be an array of non-empty strings");
  }
  const receiveQueueSize = checkInteger(
    options.receiveQueueSize ?? defaultReceiveQueueSize,
    "receiveQueueSize",
    1,
  );
  const receiveQueueBytes = checkInteger(
    options.receiveQueueBytes ?? defaultReceiveQueueBytes,
    "receiveQueueBytes",
    1,
  );
  return {
    topic,
    subscription,
    consumerName,
    subscriptionType,
    keyFilters: [...keyFilters],
    receiveQueueSize,
    receiveQueueBytes,
    serde: options.serde as Serde<unknown> | undefined,
  };
}

/** Validates send options. */
export function validateSendOptions(options: SendOptions | undefined): void {
  validateCallOptions(options);
  if (options === undefined) return;
  if (options.key !== undefined && typeof options.key !== "string") {
    throw invalidArgument("key", "must be a string");
  }
  const attributes = options.attributes;
  if (attributes !== undefined) {
    if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) {
      throw invalidArgument("attributes", "must be an object of string values");
    }
    for (const [k, v] of Object.entries(attributes)) {
      if (typeof v !== "string") throw invalidArgument(`attributes.${k}`, "must be a string");
    }
  }
}

/** Validates nack options. */
export function validateNackOptions(options: NackOptions | undefined): void {
  validateCallOptions(options);
  if (options === undefined) return;
  if (options.delayMs !== undefined) checkInteger(options.delayMs, "delayMs", 0);
  if (options.reason !== undefined && typeof options.reason !== "string") {
    throw invalidArgument("reason", "must be a string");
  }
}
