// A producer attached to one (partition) topic: concurrent in-flight sends in send() order,
// recovery (retry, re-create after a broker restart) that keeps that order.
import type { danube } from "@danube-ts/protocol";
import {
  abortError,
  backgroundContext,
  type CallContext,
  createCallContext,
  sleep,
  throwIfStopped,
} from "../call-context.ts";
import {
  accessModeToWire,
  type DispatchStrategy,
  dispatchStrategyToWire,
  type ProducerAccessMode,
} from "../enums.ts";
import { toDanubeError } from "../errors/status-map.ts";
import { closedError, type DanubeError, ErrorCode } from "../errors.ts";
import { startHealthCheck } from "../health-check.ts";
import { resolveTopicAddress } from "../lookup.ts";
import { backoffDelay, withRetry } from "../retry.ts";
import { type ClientRuntime, requestIdCounter } from "../runtime.ts";
import type { StatusSink } from "../status.ts";
import type { BrokerAddress } from "../transport/connection-pool.ts";
import { unaryCall } from "../transport/unary.ts";
import { createUnarySender, type MessageSender } from "./message-sender.ts";
import { type OutgoingMessage, PendingSend, type SendReceipt } from "./pending-send.ts";

export type { OutgoingMessage, SendReceipt } from "./pending-send.ts";

/** The schema a producer stamps: the CreateProducer reference and the resolved (id, version). */
export interface TopicSchema {
  reference: danube.SchemaReference;
  stamp: { schemaId: bigint; version: number };
}

interface Registration {
  readonly producerId: bigint;
  readonly address: BrokerAddress;
  readonly sender: MessageSender;
}

/**
 * Sends are dispatched as soon as they arrive (many in flight, no lock), in `send()` order.
 * When one fails with a retryable error, or NOT_FOUND because the broker forgot the producer
 * (restart), the producer stops dispatching, lets what is in flight settle, backs off,
 * re-creates the registration if needed (lookup + CreateProducer with the same name), then
 * resends the failed sends and the queued ones in their original order: the first one alone
 * (a probe), the rest once it succeeded. So a retried message never overtakes a later one.
 */
export class TopicProducer {
  readonly topic: string;
  readonly name: string;
  readonly #runtime: ClientRuntime;
  readonly #dispatchStrategy: DispatchStrategy;
  readonly #accessMode: ProducerAccessMode;
  readonly #schema: TopicSchema | undefined;
  readonly #emit: StatusSink;
  readonly #nextRequestId = requestIdCounter(0n);
  readonly #stop = new AbortController();
  #registration: Registration | undefined;
  #seq = 0;
  /** Not yet dispatched, in send order. */
  #queue: PendingSend[] = [];
  readonly #inFlight = new Set<PendingSend>();
  /** Failed with a retryable error during this recovery; resent first. */
  #failed: PendingSend[] = [];
  readonly #unsettled = new Set<PendingSend>();
  #recovering = false;
  #recoveryRunning = false;
  #needsCreate = false;
  #probe: PendingSend | undefined;
  #attempt = 0;
  #lastError: DanubeError | undefined;

  constructor(
    runtime: ClientRuntime,
    topic: string,
    name: string,
    settings: {
      dispatchStrategy: DispatchStrategy;
      accessMode: ProducerAccessMode;
      schema?: TopicSchema | undefined;
    },
    emit: StatusSink,
  ) {
    this.#runtime = runtime;
    this.topic = topic;
    this.name = name;
    this.#dispatchStrategy = settings.dispatchStrategy;
    this.#accessMode = settings.accessMode;
    this.#schema = settings.schema;
    this.#emit = emit;
  }

  /** The broker id of this producer, once created (changes when re-created). */
  get producerId(): bigint | undefined {
    return this.#registration?.producerId;
  }

  /** Sends not settled yet (queued, in flight or waiting for a retry). */
  get pending(): number {
    return this.#unsettled.size;
  }

  /** Looks the topic up and registers the producer, retrying retryable failures. */
  async create(ctx: CallContext): Promise<void> {
    await withRetry(ctx, this.#runtime.options.retry, () => this.#register(ctx));
    void startHealthCheck(
      this.#runtime,
      "producer",
      () => {
        const registration = this.#registration;
        if (this.#recovering || registration === undefined) return undefined;
        return { id: registration.producerId, address: registration.address };
      },
      this.#stop.signal,
      (target) => {
        if (this.#registration?.producerId !== target.id) return;
        this.#needsCreate = true;
        this.#startRecovery(undefined);
      },
    );
  }

  /** One lookup + CreateProducer (same name: the broker returns the existing id if it has one). */
  async #register(ctx: CallContext): Promise<void> {
    const runtime = this.#runtime;
    const address = await resolveTopicAddress(runtime, runtime.serviceAddress, this.topic, ctx);
    const connection = runtime.pool.get(address);
    const request: danube.ProducerRequest = {
      requestId: this.#nextRequestId(),
      producerName: this.name,
      topicName: this.topic,
      schemaRef: this.#schema?.reference,
      producerAccessMode: accessModeToWire(this.#accessMode),
      dispatchStrategy: dispatchStrategyToWire(this.#dispatchStrategy),
    };
    const response = await unaryCall<danube.ProducerResponse>(ctx, "CreateProducer", (options, callback) =>
      connection.producer.createProducer(request, runtime.pool.metadata(address), options, callback),
    );
    const metadata = () => runtime.pool.metadata(address);
    this.#registration = {
      producerId: response.producerId,
      address,
      sender: createUnarySender(connection, metadata),
    };
  }

  /** Publishes one message; resolves once the broker acknowledged it. */
  send(message: OutgoingMessage, ctx: CallContext): Promise<SendReceipt> {
    if (this.#stop.signal.aborted) return Promise.reject(closedError(`producer ${this.name}`));
    try {
      throwIfStopped(ctx);
    } catch (error) {
      return Promise.reject(error);
    }
    const send = new PendingSend(this.#seq++, this.#nextRequestId(), message, ctx, (s, error) =>
      this.#abandon(s, error),
    );
    this.#unsettled.add(send);
    this.#queue.push(send);
    this.#pump();
    return send.promise;
  }

  /** Resolves once every send made before the call has settled (either way). */
  async flush(): Promise<void> {
    await Promise.all([...this.#unsettled].map((s) => s.done));
  }

  #settle(send: PendingSend, outcome: SendReceipt | DanubeError): void {
    this.#unsettled.delete(send);
    if (outcome instanceof Error) send.reject(outcome);
    else send.resolve(outcome);
  }

  /** The send's own signal or deadline stopped it while it was waiting (not in flight). */
  #abandon(send: PendingSend, error: DanubeError): void {
    if (this.#inFlight.has(send)) return; // the RPC itself is cancelled and fails
    this.#queue = this.#queue.filter((s) => s !== send);
    this.#failed = this.#failed.filter((s) => s !== send);
    this.#settle(send, error);
  }

  #pump(): void {
    if (this.#recovering || this.#probe !== undefined || this.#stop.signal.aborted) return;
    if (this.#needsCreate || this.#registration === undefined) {
      if (this.#queue.length > 0) this.#startRecovery(undefined);
      return;
    }
    while (this.#queue.length > 0) this.#dispatch(this.#queue.shift()!);
  }

  #dispatch(send: PendingSend): void {
    const registration = this.#registration!;
    const wire: danube.StreamMessage = {
      requestId: send.requestId,
      msgId: {
        producerId: registration.producerId,
        topicName: this.topic,
        brokerAddr: registration.address.brokerUrl,
        topicOffset: 0n,
      },
      payload: send.message.payload,
      publishTime: send.publishTime,
      producerName: this.name,
      subscriptionName: "",
      attributes: send.message.attributes,
      schemaId: this.#schema?.stamp.schemaId,
      schemaVersion: this.#schema?.stamp.version,
      routingKey: send.message.key,
    };
    this.#inFlight.add(send);
    registration.sender.send(wire, send.ctx).then(
      (requestId) => {
        this.#inFlight.delete(send);
        this.#settle(send, { requestId, topic: this.topic, producerId: registration.producerId });
        if (this.#probe === send) this.#probe = undefined;
        if (!this.#recovering) this.#recovered();
        this.#afterSettle();
      },
      (thrown: unknown) => {
        this.#inFlight.delete(send);
        if (this.#probe === send) this.#probe = undefined;
        this.#onFailure(send, toDanubeError(thrown, send.ctx.operation));
        this.#afterSettle();
      },
    );
  }

  #onFailure(send: PendingSend, error: DanubeError): void {
    const stopped = abortError(send.ctx) ?? (Date.now() >= send.ctx.deadline ? error : undefined);
    // NOT_FOUND on SendMessage: the broker does not know the producer id (it restarted).
    const forgotten = error.code === ErrorCode.NOT_FOUND;
    // Whether or not this send is retried, the registration is gone: re-create it.
    if (forgotten) this.#needsCreate = true;
    if (stopped !== undefined || (!error.retryable && !forgotten)) {
      this.#settle(send, stopped ?? error);
      if (forgotten) this.#startRecovery(error);
      return;
    }
    send.failures++;
    if (send.failures > this.#runtime.options.retry.maxRetries) {
      this.#settle(send, error);
      if (forgotten) this.#startRecovery(error);
      return;
    }
    this.#failed.push(send);
    this.#startRecovery(error);
  }

  #afterSettle(): void {
    if (this.#recovering) this.#maybeRecover();
    else this.#pump();
  }

  #startRecovery(error: DanubeError | undefined): void {
    if (error !== undefined) this.#lastError = error;
    if (this.#stop.signal.aborted) return;
    this.#recovering = true;
    this.#maybeRecover();
  }

  #maybeRecover(): void {
    if (this.#inFlight.size > 0 || this.#recoveryRunning) return;
    this.#recoveryRunning = true;
    void this.#recover().finally(() => {
      this.#recoveryRunning = false;
    });
  }

  /** Backs off, re-creates if needed, then resends in order starting with a probe. Never rejects. */
  async #recover(): Promise<void> {
    const runtime = this.#runtime;
    const stopCtx = backgroundContext(`recover producer ${this.name}`, this.#stop.signal);
    while (!this.#stop.signal.aborted) {
      this.#attempt++;
      const reason = this.#lastError?.message ?? "the broker reported the producer as closed";
      this.#emit({
        type: "reconnecting",
        source: "producer",
        topic: this.topic,
        name: this.name,
        attempt: this.#attempt,
        reason,
        cause: this.#lastError,
      });
      try {
        await sleep(backoffDelay(this.#attempt - 1, runtime.options.retry), stopCtx);
      } catch {
        return; // closed
      }
      if (this.#needsCreate || this.#registration === undefined) {
        const ctx = createCallContext(
          "recreate producer",
          undefined,
          runtime.options.requestTimeoutMs,
          this.#stop.signal,
        );
        try {
          await this.#register(ctx);
          this.#needsCreate = false;
        } catch (thrown) {
          if (this.#stop.signal.aborted) return;
          const error = toDanubeError(thrown, ctx.operation);
          this.#lastError = error;
          if (error.retryable) continue;
          // Not fixable by retrying (e.g. the topic is gone): fail what waits, recover on next send.
          this.#emit({
            type: "error",
            source: "producer",
            topic: this.topic,
            name: this.name,
            reason: error.message,
            cause: error,
          });
          for (const send of [...this.#failed, ...this.#queue]) this.#settle(send, error);
          this.#failed = [];
          this.#queue = [];
          this.#recovering = false;
          this.#attempt = 0;
          return;
        }
        if (this.#failed.length === 0 && this.#queue.length === 0) this.#recovered();
      }
      this.#queue = [...this.#failed, ...this.#queue].filter((s) => !s.settled).sort((a, b) => a.seq - b.seq);
      this.#failed = [];
      this.#recovering = false;
      const probe = this.#queue.shift();
      if (probe !== undefined) {
        this.#probe = probe;
        this.#dispatch(probe);
      }
      return;
    }
  }

  #recovered(): void {
    if (this.#attempt === 0) return;
    this.#emit({
      type: "reconnected",
      source: "producer",
      topic: this.topic,
      name: this.name,
      attempt: this.#attempt,
    });
    this.#attempt = 0;
    this.#lastError = undefined;
  }

  /** Stops background work and fails what still waits with CANCELLED. No close RPC exists. */
  close(): void {
    this.#stop.abort();
    const error = closedError(`producer ${this.name}`);
    for (const send of [...this.#failed, ...this.#queue]) {
      this.#settle(send, abortError(send.ctx) ?? error);
    }
    this.#failed = [];
    this.#queue = [];
  }
}
