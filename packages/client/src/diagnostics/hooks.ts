// The hooks the client's operations call at their seams (one call each): tracing plus metrics.
// Every hook returns the operation's own promise untouched when nobody listens and no metrics
// option was given.
import type { danube } from "@danube-ts/protocol";
import type { Message } from "../consumer/message.ts";
import type { PendingSend, SendReceipt } from "../producer/pending-send.ts";
import {
  type AckContext,
  type LookupContext,
  partitionOf,
  type ReceiveContext,
  type SendContext,
  tracing,
} from "./channels.ts";
import { type ClientObserver, codeOf } from "./observer.ts";
import { traced } from "./trace.ts";

/** Traces a TopicLookup or TopicPartitions call. */
export function traceLookup<T extends LookupContext["result"]>(
  kind: LookupContext["kind"],
  topic: string,
  requestId: bigint,
  fn: () => Promise<T>,
): Promise<T> {
  return traced(tracing.lookup, () => ({ kind, topic, requestId }), fn);
}

/** Traces the creation of one (partition) producer; `id()` reads the id it got. */
export function traceCreateProducer<T>(
  topic: string,
  producerName: string,
  fn: () => Promise<T>,
  id: () => bigint | undefined,
): Promise<T> {
  return traced(
    tracing.createProducer,
    () => ({ topic, partition: partitionOf(topic), producerName }),
    fn,
    (ctx) => {
      if (ctx.error === undefined) ctx.producerId = id();
    },
  );
}

/** Traces the Subscribe of one (partition) consumer; `id()` reads the id it got. */
export function traceSubscribe<T>(
  topic: string,
  options: { subscription: string; consumerName: string; subscriptionType: string },
  fn: () => Promise<T>,
  id: () => bigint | undefined,
): Promise<T> {
  return traced(
    tracing.subscribe,
    () => ({
      topic,
      partition: partitionOf(topic),
      subscription: options.subscription,
      consumerName: options.consumerName,
      subscriptionType: options.subscriptionType,
    }),
    fn,
    (ctx) => {
      if (ctx.error === undefined) ctx.consumerId = id();
    },
  );
}

/** Traces one schema registry RPC (retries included). */
export function traceSchemaCall<T>(operation: string, rpc: string, fn: () => Promise<T>): Promise<T> {
  return traced(tracing.schema, () => ({ operation, rpc }), fn);
}

/**
 * Counts one send from `send()` until it settles: in-flight gauge, latency (from `started`, the
 * `performance.now()` of `send()`), outcome counters. Returns the promise to hand on.
 */
export function observeSend(
  observer: ClientObserver,
  producer: { readonly topic: string },
  send: PendingSend,
  started: number,
): Promise<SendReceipt> {
  const m = observer.metrics;
  if (m.enabled) {
    const labels = { topic: producer.topic };
    m.sendsInFlight.add(1, labels);
    send.promise.then(
      () => {
        m.sendsInFlight.add(-1, labels);
        m.messagesSent.add(1, labels);
        m.sendLatency.record((performance.now() - started) / 1000, labels);
      },
      (error: unknown) => {
        m.sendsInFlight.add(-1, labels);
        m.sendFailures.add(1, { topic: producer.topic, code: codeOf(error) });
      },
    );
  }
  return send.promise;
}

/** Whether sends are traced now (a subscriber on `danube-ts:client:send`). */
export function sendTraced(): boolean {
  return tracing.send.hasSubscribers;
}

/** What the `danube-ts:client:send` trace of one send reads when it settles. */
export interface SendSpan {
  /** The send once its topic producer took it (after any wait for room). */
  send: PendingSend | undefined;
}

/**
 * Traces one send as the `danube-ts:client:send` operation from `send()` (any wait for room
 * included) until it settles; `fn(span)` runs it, and its topic producer sets `span.send`. Runs
 * `fn(undefined)` when nobody listens.
 */
export function traceSend(
  producer: { readonly topic: string; readonly name: string },
  requestId: bigint,
  payloadSize: number,
  fn: (span: SendSpan | undefined) => Promise<SendReceipt>,
): Promise<SendReceipt> {
  if (!tracing.send.hasSubscribers) return fn(undefined);
  const span: SendSpan = { send: undefined };
  return traced(
    tracing.send,
    (): SendContext => ({
      topic: producer.topic,
      partition: partitionOf(producer.topic),
      producerName: producer.name,
      requestId,
      payloadSize,
    }),
    () => fn(span),
    (ctx) => {
      ctx.retries = span.send?.failures ?? 0;
    },
  );
}

/** A send failed with a retryable error and will be sent again after the producer's recovery. */
export function sendRetry(
  observer: ClientObserver,
  producer: { readonly topic: string; readonly name: string },
  send: PendingSend,
  error: unknown,
): void {
  observer.retry({
    operation: "send",
    attempt: send.failures,
    delayMs: 0,
    error,
    topic: producer.topic,
    producerName: producer.name,
  });
}

/** Whether acks or nacks are observed at all (metrics on, or a trace subscriber): else skip {@link observeAck}. */
export function ackObserved(observer: ClientObserver, operation: "ack" | "nack"): boolean {
  return observer.metrics.enabled || (operation === "ack" ? tracing.ack : tracing.nack).hasSubscribers;
}

/** Observes one ack or nack of `message` (outcome counters, `danube-ts:client:ack`/`nack` trace). */
export function observeAck(
  observer: ClientObserver,
  operation: "ack" | "nack",
  topic: string,
  consumer: { readonly subscription: string; readonly consumerName: string },
  message: danube.StreamMessage,
  delayMs: number | undefined,
  fn: () => Promise<void>,
): Promise<void> {
  const m = observer.metrics;
  const channel = operation === "ack" ? tracing.ack : tracing.nack;
  if (!m.enabled && !channel.hasSubscribers) return fn();
  const run = !m.enabled
    ? fn
    : () => {
        const promise = fn();
        const subscription = consumer.subscription;
        promise.then(
          () => (operation === "ack" ? m.acks : m.nacks).add(1, { topic, subscription }),
          (error: unknown) =>
            (operation === "ack" ? m.ackFailures : m.nackFailures).add(1, {
              topic,
              subscription,
              code: codeOf(error),
            }),
        );
        return promise;
      };
  return traced(
    channel,
    (): AckContext => ({
      operation,
      topic,
      partition: partitionOf(topic),
      subscription: consumer.subscription,
      consumerName: consumer.consumerName,
      requestId: message.requestId,
      producerId: message.msgId?.producerId ?? 0n,
      offset: message.msgId?.topicOffset ?? 0n,
      delayMs,
    }),
    run,
  );
}

/**
 * Observes one wait for the next message of a consumer (`receive()` or a `for await` step):
 * received counter and the `danube-ts:client:receive` trace, completed with the message's fields.
 */
export function observeReceive<T>(
  observer: ClientObserver,
  consumer: { readonly topic: string; readonly subscription: string; readonly consumerName: string },
  fn: () => Promise<IteratorResult<Message<T>, undefined>>,
): Promise<IteratorResult<Message<T>, undefined>> {
  const m = observer.metrics;
  if (!m.enabled && !tracing.receive.hasSubscribers) return fn();
  const run = !m.enabled
    ? fn
    : () =>
        fn().then((result) => {
          if (!result.done) {
            m.messagesReceived.add(1, { topic: result.value.topic, subscription: consumer.subscription });
          }
          return result;
        });
  return traced(
    tracing.receive,
    (): ReceiveContext => ({
      topic: consumer.topic,
      subscription: consumer.subscription,
      consumerName: consumer.consumerName,
    }),
    run,
    (ctx, result) => {
      if (result === undefined) return;
      if (result.done) {
        ctx.done = true;
        return;
      }
      const message = result.value;
      ctx.messageTopic = message.topic;
      ctx.partition = partitionOf(message.topic);
      ctx.requestId = message.requestId;
      ctx.producerName = message.producerName;
      ctx.offset = message.id.topicOffset;
      ctx.payloadSize = message.payload.byteLength;
    },
  );
}
