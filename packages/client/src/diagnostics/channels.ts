// Every diagnostics channel of the client and the context object each one publishes. The names
// follow the node:diagnostics_channel convention: a TracingChannel named `danube-ts:client:send`
// publishes on `tracing:danube-ts:client:send:start`, `:end`, `:asyncStart`, `:asyncEnd` and
// `:error`. Contexts carry names, ids and sizes; never payloads, tokens or TLS material.
import { channel, tracingChannel } from "node:diagnostics_channel";
import type { danube } from "@danube-ts/protocol";
import type { SendReceipt } from "../producer/pending-send.ts";

/** Fields every traced operation's context gets from the tracing protocol itself. */
export interface TracedContext<Result = unknown> {
  /** Set before `asyncStart`/`asyncEnd` when the operation succeeded. */
  result?: Result;
  /** Set before `error` when the operation failed (a DanubeError, or what the caller threw). */
  error?: unknown;
}

/**
 * `danube-ts:client:connect`: a gRPC channel connecting to a broker, from its first attempt until
 * it is READY (asyncEnd) or gives up (error: going idle, or closed). Failed attempts in between
 * (the broker is down) are counted in `failures`.
 */
export interface ConnectContext extends TracedContext<undefined> {
  /** `host:port` dialled. */
  readonly target: string;
  /** Whether the channel uses TLS. */
  readonly secure: boolean;
  /** Whether the channel had been connected before (a reconnect of the channel). */
  readonly reconnect: boolean;
  /** Failed connection attempts so far. */
  failures: number;
}

/** `danube-ts:client:lookup`: TopicLookup (`kind: "lookup"`) or TopicPartitions (`"partitions"`). */
export interface LookupContext
  extends TracedContext<danube.TopicLookupResponse | danube.TopicPartitionsResponse> {
  readonly kind: "lookup" | "partitions";
  readonly topic: string;
  readonly requestId: bigint;
}

/** `danube-ts:client:createProducer`: lookup + CreateProducer of one (partition) producer, retries included. */
export interface CreateProducerContext extends TracedContext<undefined> {
  /** The (partition) topic. */
  readonly topic: string;
  /** The partition index, or undefined for a non-partitioned topic. */
  readonly partition: number | undefined;
  readonly producerName: string;
  /** The broker-assigned id, set on success. */
  producerId?: bigint;
}

/** `danube-ts:client:subscribe`: lookup + Subscribe of one (partition) consumer, retries included. */
export interface SubscribeContext extends TracedContext<undefined> {
  readonly topic: string;
  readonly partition: number | undefined;
  readonly subscription: string;
  readonly consumerName: string;
  readonly subscriptionType: string;
  /** The broker-assigned id, set on success. */
  consumerId?: bigint;
}

/** `danube-ts:client:send`: one `producer.send()` from the call until the broker acknowledged it (retries included). */
export interface SendContext extends TracedContext<SendReceipt> {
  readonly topic: string;
  readonly partition: number | undefined;
  readonly producerName: string;
  /** The request id of the message, kept across retries. */
  readonly requestId: bigint;
  /** Payload bytes. */
  readonly payloadSize: number;
  /** Failed attempts before the outcome, set when the send settles. */
  retries?: number;
}

/** `danube-ts:client:receive`: one wait of `consumer.receive()` or a `for await` step for the next message. */
export interface ReceiveContext extends TracedContext<unknown> {
  /** The topic as given to subscribe. */
  readonly topic: string;
  readonly subscription: string;
  readonly consumerName: string;
  /** Set with the message: the (partition) topic it came from. */
  messageTopic?: string;
  partition?: number | undefined;
  requestId?: bigint;
  producerName?: string;
  /** Broker-assigned offset (0 on non-reliable topics). */
  offset?: bigint;
  payloadSize?: number;
  /** True when the consumer closed instead of delivering a message. */
  done?: boolean;
}

/** `danube-ts:client:ack` and `danube-ts:client:nack`: one ack or nack, retries included. */
export interface AckContext extends TracedContext<undefined> {
  readonly operation: "ack" | "nack";
  /** The (partition) topic the message came from. */
  readonly topic: string;
  readonly partition: number | undefined;
  readonly subscription: string;
  readonly consumerName: string;
  readonly requestId: bigint;
  readonly producerId: bigint;
  readonly offset: bigint;
  /** Nack only: the redelivery delay asked for. */
  readonly delayMs?: number | undefined;
}

/** `danube-ts:client:schema`: one schema registry RPC (retries included; cache hits make none). */
export interface SchemaContext extends TracedContext<unknown> {
  /** The registry method, e.g. `registerSchema`. */
  readonly operation: string;
  /** The gRPC method, e.g. `RegisterSchema`. */
  readonly rpc: string;
}

/**
 * `danube-ts:client:reconnect`: a producer or consumer recovering its broker registration or
 * stream, from the first `reconnecting` status until `reconnected` (asyncEnd), a failure that
 * retrying does not fix or the close of its owner (error).
 */
export interface ReconnectContext extends TracedContext<undefined> {
  readonly source: "producer" | "consumer";
  /** The (partition) topic. */
  readonly topic: string;
  readonly partition: number | undefined;
  /** The producer name (`<name>-<i>` for a partition) or the consumer name. */
  readonly name: string;
  /** Why the recovery started. */
  readonly reason: string;
  /** Attempts so far; final at asyncEnd. */
  attempts: number;
}

/** Published on the plain channel `danube-ts:client:retry` before each retry of a client call. */
export interface RetryMessage {
  /** The operation retried, e.g. `subscribe`, `ack`, `getSchema`, `send`. */
  readonly operation: string;
  /** Retry number, from 1. */
  readonly attempt: number;
  /** Backoff before this retry, in ms (0 when the retry waits for a recovery). */
  readonly delayMs: number;
  /** The retryable failure. */
  readonly error: unknown;
  /** For sends: the (partition) topic and producer name. */
  readonly topic?: string;
  readonly producerName?: string;
}

/** Names of the client's channels (TracingChannel names, plus the plain `retry` channel). */
export const ChannelName = {
  connect: "danube-ts:client:connect",
  lookup: "danube-ts:client:lookup",
  createProducer: "danube-ts:client:createProducer",
  subscribe: "danube-ts:client:subscribe",
  send: "danube-ts:client:send",
  receive: "danube-ts:client:receive",
  ack: "danube-ts:client:ack",
  nack: "danube-ts:client:nack",
  schema: "danube-ts:client:schema",
  reconnect: "danube-ts:client:reconnect",
  retry: "danube-ts:client:retry",
} as const;

/** The client's tracing channels, one per traced operation. */
export const tracing = {
  connect: tracingChannel<unknown, ConnectContext>(ChannelName.connect),
  lookup: tracingChannel<unknown, LookupContext>(ChannelName.lookup),
  createProducer: tracingChannel<unknown, CreateProducerContext>(ChannelName.createProducer),
  subscribe: tracingChannel<unknown, SubscribeContext>(ChannelName.subscribe),
  send: tracingChannel<unknown, SendContext>(ChannelName.send),
  receive: tracingChannel<unknown, ReceiveContext>(ChannelName.receive),
  ack: tracingChannel<unknown, AckContext>(ChannelName.ack),
  nack: tracingChannel<unknown, AckContext>(ChannelName.nack),
  schema: tracingChannel<unknown, SchemaContext>(ChannelName.schema),
  reconnect: tracingChannel<unknown, ReconnectContext>(ChannelName.reconnect),
} as const;

/** The plain channel of retries. */
export const retryChannel = channel(ChannelName.retry);

/** The partition index of a `<topic>-part-<i>` name, undefined for any other name. */
export function partitionOf(topic: string): number | undefined {
  const match = /-part-(\d+)$/.exec(topic);
  return match === null ? undefined : Number(match[1]);
}
