// The per-client observer: the logger and instruments of one client, and what it does with the
// events no single call owns (status events, retries, connection state, health-check answers).
import type { Channel } from "@grpc/grpc-js";
import { connectivityState } from "@grpc/grpc-js";
import { DanubeError, ErrorCode } from "../errors.ts";
import type { ClientStatus } from "../status.ts";
import {
  type ConnectContext,
  partitionOf,
  type ReconnectContext,
  type RetryMessage,
  retryChannel,
  tracing,
} from "./channels.ts";
import { type ClientLogger, clientLogger, validateLogger } from "./logger.ts";
import { type ClientInstruments, type ClientMetrics, createInstruments, validateMetrics } from "./metrics.ts";
import { begin, finish } from "./trace.ts";

/** The observability options of {@link createClient} (part of ClientOptions). */
export interface ObservabilityOptions {
  /**
   * Instrument factories (prom-client, an OpenTelemetry meter, ...): see docs/observability.md.
   * @default undefined (no metrics are recorded)
   */
  metrics?: ClientMetrics;
  /**
   * Where the client logs reconnects, retries, connection losses, health-check closes and
   * dropped work: a pino logger or anything of the same shape.
   * @default undefined (silent)
   */
  logger?: ClientLogger;
}

/** The observability options, validated. */
export interface ResolvedObservability {
  readonly metrics: ClientMetrics | undefined;
  readonly logger: ClientLogger | undefined;
}

/** Validates `metrics` and `logger` (the one resolve step of resolveClientOptions). */
export function resolveObservability(options: ObservabilityOptions): ResolvedObservability {
  return { metrics: validateMetrics(options.metrics), logger: validateLogger(options.logger) };
}

/** Text of an error for log fields. */
const errorField = (error: unknown) =>
  error instanceof Error ? error : error === undefined ? undefined : new Error(String(error));

/** The code label of a failure. */
export function codeOf(error: unknown): string {
  return error instanceof DanubeError ? error.code : ErrorCode.UNKNOWN;
}

interface OpenReconnect {
  readonly context: ReconnectContext;
  readonly owner: object | undefined;
}

/** One client's logger and instruments, and its handling of background events. */
export class ClientObserver {
  readonly log: ClientLogger;
  readonly metrics: ClientInstruments;
  readonly #reconnects = new Map<string, OpenReconnect>();

  constructor(options: ResolvedObservability | undefined) {
    this.log = clientLogger(options?.logger);
    this.metrics = createInstruments(options?.metrics, (error, metric) =>
      this.log.warn({ metric, err: errorField(error) }, "metrics: recording failed; dropped"),
    );
  }

  /**
   * One retry of a call of this client: metric, log line, channel message. Callers of `withRetry`
   * pass it as the `onRetry` hook (an arrow function, so it can be passed unbound).
   */
  readonly retry = (message: RetryMessage): void => {
    this.metrics.retries.add(1, { operation: message.operation });
    const { error, ...fields } = message;
    this.log.warn({ ...fields, err: errorField(error) }, `retrying ${message.operation}`);
    if (retryChannel.hasSubscribers) retryChannel.publish(message);
  };

  /** A status event of a producer or consumer of this client (StatusHub hook). */
  status(status: ClientStatus, owners: readonly object[]): void {
    const owner = owners[0];
    if (status.type === "closed") {
      if (status.source !== "client") {
        this.log.debug(
          { source: status.source, topic: status.topic, name: status.name },
          `${status.source} closed`,
        );
      }
      for (const [key, open] of this.#reconnects) {
        if (open.owner !== owner && status.source !== "client") continue;
        this.#reconnects.delete(key);
        finish(
          tracing.reconnect,
          open.context,
          new DanubeError(ErrorCode.CANCELLED, "closed while reconnecting"),
        );
      }
      return;
    }
    const { source, topic, name } = status;
    const labels = { source, topic };
    const key = `${source}\u0000${topic}\u0000${name}`;
    const fields = { source, topic, [source === "producer" ? "producer" : "consumer"]: name };
    switch (status.type) {
      case "reconnecting": {
        this.metrics.reconnectAttempts.add(1, labels);
        this.log.warn(
          { ...fields, attempt: status.attempt, reason: status.reason, err: status.cause },
          `${source} reconnecting`,
        );
        const open = this.#reconnects.get(key);
        if (open !== undefined) open.context.attempts = status.attempt;
        else if (tracing.reconnect.hasSubscribers) {
          const context: ReconnectContext = {
            source,
            topic,
            partition: partitionOf(topic),
            name,
            reason: status.reason,
            attempts: status.attempt,
          };
          this.#reconnects.set(key, { context, owner });
          begin(tracing.reconnect, context);
        }
        return;
      }
      case "reconnected": {
        this.metrics.reconnects.add(1, labels);
        this.log.info({ ...fields, attempts: status.attempt }, `${source} reconnected`);
        const open = this.#reconnects.get(key);
        if (open === undefined) return;
        this.#reconnects.delete(key);
        open.context.attempts = Math.max(open.context.attempts, status.attempt);
        finish(tracing.reconnect, open.context);
        return;
      }
      case "error": {
        this.log.error({ ...fields, reason: status.reason, err: status.cause }, `${source} failed`);
        // A producer gives up its recovery here (the next send starts another); a consumer goes on.
        const open = source === "producer" ? this.#reconnects.get(key) : undefined;
        if (open === undefined) return;
        this.#reconnects.delete(key);
        finish(tracing.reconnect, open.context, status.cause);
        return;
      }
    }
  }

  /** A status iterator that is not read dropped its oldest event (logged once per iterator). */
  statusDropped(status: ClientStatus): void {
    this.log.warn(
      { type: status.type, source: status.source, topic: status.topic },
      "status(): an iterator fell 256 events behind; its oldest events are dropped",
    );
  }

  /** The broker's health check answered CLOSE for a producer or consumer. */
  healthClose(kind: "producer" | "consumer", id: bigint, target: string): void {
    this.log.warn(
      { source: kind, [`${kind}Id`]: id.toString(), broker: target },
      `health check: the broker reported the ${kind} as closed; registering again`,
    );
  }

  /** A health-check ping failed (the next one decides). */
  healthMiss(kind: "producer" | "consumer", error: unknown): void {
    this.log.debug({ source: kind, err: errorField(error) }, "health check: ping failed");
  }

  /** Something failed that has no caller to reject (a background loop). */
  unexpected(where: string, error: unknown): void {
    this.log.error({ where, err: errorField(error) }, `${where}: unexpected failure`);
  }

  /** A consumer closed with messages still buffered (the broker redelivers unacked ones). */
  consumerClosed(
    consumer: { topic: string; subscription: string; consumerName: string },
    dropped: number,
  ): void {
    if (dropped === 0) return;
    this.log.info(
      {
        topic: consumer.topic,
        subscription: consumer.subscription,
        consumer: consumer.consumerName,
        dropped,
      },
      "consumer closed with buffered messages; they were not delivered to the application",
    );
  }

  /** A producer's close gave up waiting for its sends; those left are cancelled. */
  producerCloseTimeout(producer: { topic: string; name: string }, error: unknown): void {
    this.log.warn(
      { topic: producer.topic, producer: producer.name, err: errorField(error) },
      "producer close: sends did not settle in time; cancelling those left",
    );
  }

  /** A message whose payload its schema could not decode (message.value throws). */
  decodeFailed(topic: string, requestId: bigint, error: unknown): void {
    this.log.warn(
      { topic, requestId: requestId.toString(), err: errorField(error) },
      "message could not be decoded with its writer schema",
    );
  }

  /**
   * Watches `channel`'s connectivity (no timer, no cost until its state changes): traces each
   * connection on `danube-ts:client:connect`, from the first attempt until READY (failed attempts
   * in between are counted), and logs failures and losses.
   */
  watchConnection(channel: Channel, target: string, secure: boolean): void {
    let connected = false;
    let open: ConnectContext | undefined;
    let failing = false;
    const settle = (error?: unknown): void => {
      if (open !== undefined) finish(tracing.connect, open, error);
      open = undefined;
    };
    const watch = (current: connectivityState): void => {
      if (current === connectivityState.SHUTDOWN) {
        settle(open === undefined ? undefined : new DanubeError(ErrorCode.CANCELLED, "channel closed"));
        return;
      }
      channel.watchConnectivityState(current, Number.POSITIVE_INFINITY, () => {
        const next = channel.getConnectivityState(false);
        if (current === connectivityState.READY && next !== connectivityState.SHUTDOWN) {
          this.log.info({ broker: target, state: connectivityState[next] }, "connection to broker lost");
        }
        const attempting =
          next === connectivityState.CONNECTING || next === connectivityState.TRANSIENT_FAILURE;
        if (attempting && open === undefined && tracing.connect.hasSubscribers) {
          open = { target, secure, reconnect: connected, failures: 0 };
          begin(tracing.connect, open);
        }
        if (next === connectivityState.READY) {
          this.log.debug({ broker: target, reconnect: connected }, "connected to broker");
          connected = true;
          failing = false;
          settle();
        } else if (next === connectivityState.TRANSIENT_FAILURE) {
          // grpc-js keeps the channel in TRANSIENT_FAILURE while it retries: one warning per outage.
          if (!failing) this.log.warn({ broker: target }, "cannot connect to broker; retrying");
          failing = true;
          if (open !== undefined) open.failures++;
        } else if (next === connectivityState.IDLE) {
          settle(new DanubeError(ErrorCode.UNAVAILABLE, `cannot connect to ${target}`));
        }
        watch(next);
      });
    };
    watch(channel.getConnectivityState(false));
  }
}
