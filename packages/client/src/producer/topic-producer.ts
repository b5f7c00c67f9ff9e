// A producer attached to one (partition) topic: sends in send() order (many in flight against a
// sequencing broker, one at a time otherwise), recovery (retry, re-create after a broker restart)
// that keeps that order.
import { announced, type danube, publishStreamHeader, sequencingHeader } from "@danube-ts/protocol";
import {
  abortError,
  backgroundContext,
  type CallContext,
  createCallContext,
  sleep,
  throwIfStopped,
} from "../call-context.ts";
import { DeadlineQueue } from "../deadlines.ts";
import { observeSend, type SendSpan, sendRetry, traceCreateProducer } from "../diagnostics/hooks.ts";
import {
  accessModeToWire,
  type DispatchStrategy,
  dispatchStrategyToWire,
  type ProducerAccessMode,
} from "../enums.ts";
import { cancelledError, deadlineError, toDanubeError } from "../errors/status-map.ts";
import { closedError, DanubeError, ErrorCode } from "../errors.ts";
import { startHealthCheck } from "../health-check.ts";
import { resolveTopicAddress } from "../lookup.ts";
import { backoffDelay, retriesLeft, retryRegistration } from "../retry.ts";
import { type ClientRuntime, requestIdCounter } from "../runtime.ts";
import type { StatusSink } from "../status.ts";
import type { BrokerAddress } from "../transport/connection-pool.ts";
import { unaryCall } from "../transport/unary.ts";
import { chooseSender, type MessageSender } from "./message-sender.ts";
import { type OutgoingMessage, PendingSend, type SendReceipt } from "./pending-send.ts";

export type { OutgoingMessage, SendReceipt } from "./pending-send.ts";

/** The schema a producer stamps: the CreateProducer reference and the resolved (id, version). */
export interface TopicSchema {
  reference: danube.SchemaReference;
  stamp: { schemaId: bigint; version: number };
}

/**
 * Payload bytes one partition keeps in flight when pipelining: half the bytes a danube-ts broker
 * holds per producer for reordering (sendSequencing.maxHeldBytes, 64 MiB by default), so that
 * early arrivals never overflow it. A single bigger send still goes, alone.
 */
const maxInFlightBytes = 32 * 1024 * 1024;

interface Registration {
  readonly producerId: bigint;
  readonly address: BrokerAddress;
  readonly sender: MessageSender;
  /** The broker announced that it stores sends in the order the client states (danube-ts). */
  readonly sequenced: boolean;
}

/**
 * Where a topic producer is in its send and recovery cycle (closed is `#stop` aborted):
 * - `sending`: queued sends are dispatched, up to the window (unbounded against a sequencing
 *   broker or with `allowReorder`, else 1);
 * - `draining`: a send failed with a retryable error, or the registration is gone: nothing is
 *   dispatched until every in-flight send settled;
 * - `recovering`: backing off, then re-creating the registration if needed;
 * - `probing`: the first send to resend goes alone; the others follow once it succeeded.
 */
type Phase =
  | { readonly kind: "sending" }
  | { readonly kind: "draining" }
  | { readonly kind: "recovering" }
  | { readonly kind: "probing"; readonly probe: PendingSend };

/**
 * Sends are dispatched in `send()` order. Against a broker that sequences (danube-ts announces
 * it on CreateProducer) many are in flight, each naming the in-flight send it follows, and the
 * broker assigns offsets in that order; against any other broker one send is in flight at a
 * time unless `allowReorder` is set. When one fails with a retryable error, or NOT_FOUND
 * because the broker forgot the producer (restart), the producer stops dispatching, lets what
 * is in flight settle, backs off, re-creates the registration if needed (lookup +
 * CreateProducer with the same name), then resends the failed sends and the queued ones in
 * their original order: the first one alone (a probe), the rest once it succeeded. A send is
 * retried until its own deadline (and `retry.maxRetries` when set).
 */
export class TopicProducer {
  readonly topic: string;
  readonly name: string;
  readonly #runtime: ClientRuntime;
  readonly #dispatchStrategy: DispatchStrategy;
  readonly #accessMode: ProducerAccessMode;
  readonly #schema: TopicSchema | undefined;
  readonly #allowReorder: boolean;
  readonly #emit: StatusSink;
  readonly #nextRequestId = requestIdCounter(0n);
  readonly #stop = new AbortController();
  /** Undefined before the first create and whenever the broker forgot the producer. */
  #registration: Registration | undefined;
  #phase: Phase = { kind: "sending" };
  #seq = 0;
  /** Not yet dispatched, in send order (settled ones are skipped and dropped lazily). */
  #queue: PendingSend[] = [];
  readonly #inFlight = new Set<PendingSend>();
  /** The last dispatched send: while in flight, the newest one (see #predecessor). */
  #newest: PendingSend | undefined;
  /** Every pending send's deadline, on one timer. */
  readonly #deadlines = new DeadlineQueue();
  #inFlightBytes = 0;
  /** Failed with a retryable error during this recovery; resent first (settled ones skipped). */
  #failed: PendingSend[] = [];
  readonly #unsettled = new Set<PendingSend>();
  #attempt = 0;
  #lastError: DanubeError | undefined;
  /** The sender of the latest registration, closed when replaced or on close(). */
  #sender: MessageSender | undefined;

  constructor(
    runtime: ClientRuntime,
    topic: string,
    name: string,
    settings: {
      dispatchStrategy: DispatchStrategy;
      accessMode: ProducerAccessMode;
      schema?: TopicSchema | undefined;
      allowReorder?: boolean;
    },
    emit: StatusSink,
  ) {
    this.#runtime = runtime;
    this.topic = topic;
    this.name = name;
    this.#dispatchStrategy = settings.dispatchStrategy;
    this.#accessMode = settings.accessMode;
    this.#schema = settings.schema;
    this.#allowReorder = settings.allowReorder ?? false;
    this.#emit = emit;
  }

  /**
   * Looks the topic up and registers the producer, retrying retryable failures; starts the health
   * check. `ctx`'s signals do not cancel a CreateProducer once sent (the broker may have registered
   * the producer): it is answered (bounded by the deadline), then this rejects with CANCELLED and
   * the owner closes the producer, as it does on any failure.
   */
  async create(ctx: CallContext): Promise<void> {
    const retry = this.#runtime.options.retry;
    const id = () => this.#registration?.producerId;
    await traceCreateProducer(
      this.topic,
      this.name,
      () =>
        retryRegistration(ctx, retry, () => this.#register(ctx, true), {
          onRetry: this.#runtime.observe.retry,
        }),
      id,
    );
    void startHealthCheck(
      this.#runtime,
      "producer",
      () => {
        const registration = this.#registration;
        const kind = this.#phase.kind;
        if (kind === "draining" || kind === "recovering" || registration === undefined) return undefined;
        return { id: registration.producerId, address: registration.address };
      },
      this.#stop.signal,
      (target) => {
        if (this.#registration?.producerId !== target.id) return;
        this.#registration = undefined;
        this.#startRecovery(undefined);
      },
    );
  }

  /**
   * One lookup + CreateProducer (same name: the broker returns the existing id if it has one).
   * With `answered` (the first create), `lookup`'s signals stop the lookup but not the CreateProducer
   * once sent: its answer is waited for (bounded by the deadline), so that the registration is
   * known and closed with the producer. A re-create is cancelled by close() (no close RPC exists:
   * either way the broker keeps the producer until it has been silent for a while).
   */
  async #register(lookup: CallContext, answered = false): Promise<void> {
    const runtime = this.#runtime;
    const address = await resolveTopicAddress(runtime, runtime.serviceAddress, this.topic, lookup);
    throwIfStopped(lookup);
    const ctx: CallContext = answered ? { ...lookup, signal: undefined, closeSignal: undefined } : lookup;
    const connection = runtime.pool.get(address);
    const request: danube.ProducerRequest = {
      requestId: this.#nextRequestId(),
      producerName: this.name,
      topicName: this.topic,
      schemaRef: this.#schema?.reference,
      producerAccessMode: accessModeToWire(this.#accessMode),
      dispatchStrategy: dispatchStrategyToWire(this.#dispatchStrategy),
    };
    let sequenced = false;
    let streams = false;
    const response = await unaryCall<danube.ProducerResponse>(ctx, "CreateProducer", (options, callback) => {
      const call = connection.producer.createProducer(
        request,
        runtime.pool.metadata(address),
        options,
        callback,
      );
      call.on("metadata", (metadata) => {
        sequenced = announced(metadata.get(sequencingHeader));
        streams = announced(metadata.get(publishStreamHeader));
      });
      return call;
    });
    const metadata = () => runtime.pool.metadata(address);
    const transport = runtime.options.transport;
    const sender = chooseSender(
      transport,
      streams,
      connection,
      metadata,
      response.producerId,
      address.brokerUrl,
    );
    this.#sender?.close?.(); // the previous registration's (nothing is in flight on it)
    this.#sender = sender;
    this.#registration = { producerId: response.producerId, address, sender, sequenced };
  }

  /**
   * The request id of the next send, taken at `send()` (before any wait for room, so that its
   * trace names it); sends reach {@link TopicProducer.send} in the order they took their ids.
   */
  nextRequestId(): bigint {
    return this.#nextRequestId();
  }

  /**
   * Publishes one message under `requestId` (from {@link TopicProducer.nextRequestId}); resolves
   * once the broker acknowledged it. `deadline`: absolute, ms since the epoch. `started`: the
   * `performance.now()` of the application's `send()` call (the send latency metric's start).
   * `span`, when the send is traced, learns the pending send.
   */
  send(
    message: OutgoingMessage,
    requestId: bigint,
    signal: AbortSignal | undefined,
    deadline: number,
    started: number,
    span?: SendSpan,
  ): Promise<SendReceipt> {
    if (this.#stop.signal.aborted) return Promise.reject(closedError(`producer ${this.name}`));
    if (signal?.aborted) return Promise.reject(cancelledError("send", signal.reason));
    if (Date.now() >= deadline) return Promise.reject(deadlineError("send"));
    const send = new PendingSend(
      this.#seq++,
      requestId,
      message,
      signal,
      this.#stop.signal,
      deadline,
      this.#deadlines,
      this.#onStopped,
    );
    if (span !== undefined) span.send = send;
    const observed = observeSend(this.#runtime.observe, this, send, started);
    this.#unsettled.add(send);
    this.#queue.push(send);
    this.#pump();
    return observed;
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

  readonly #onStopped = (send: PendingSend, error: DanubeError): void => this.#abandon(send, error);

  /** The send's own signal or deadline stopped it while it was waiting (not in flight). */
  #abandon(send: PendingSend, error: DanubeError): void {
    if (this.#inFlight.has(send)) return; // its RPC is cancelled and fails with `error`
    // Left in #queue / #failed: settled sends are skipped there (no O(n) removal per send).
    const last = this.#lastError;
    if (error.code === ErrorCode.DEADLINE_EXCEEDED && send.failures > 0 && last !== undefined) {
      error = new DanubeError(
        ErrorCode.DEADLINE_EXCEEDED,
        `${send.operation}: deadline exceeded after ${send.failures} failed attempts; last error: ${last.message}`,
        { cause: last },
      );
    }
    this.#settle(send, error);
  }

  /** How many sends may be in flight at once without risking the stored order. */
  #window(registration: Registration): number {
    return registration.sequenced || this.#allowReorder ? Number.POSITIVE_INFINITY : 1;
  }

  #pump(): void {
    if (this.#phase.kind !== "sending" || this.#stop.signal.aborted) return;
    const registration = this.#registration;
    if (registration === undefined) {
      while (this.#queue[0]?.settled) this.#queue.shift();
      if (this.#queue.length > 0) this.#startRecovery(undefined);
      return;
    }
    const window = this.#window(registration);
    while (this.#queue.length > 0 && this.#inFlight.size < window) {
      const next = this.#queue[0]!;
      if (next.settled) {
        this.#queue.shift();
        continue;
      }
      const bytes = next.message.payload.byteLength;
      if (this.#inFlight.size > 0 && this.#inFlightBytes + bytes > maxInFlightBytes) return;
      this.#dispatch(registration, this.#queue.shift()!);
    }
  }

  /**
   * The newest in-flight send (the one a new send follows), null when none is in flight. Sends
   * are dispatched in request-id order (a recovery first lets every in-flight send settle), so
   * the last dispatched one is the newest while it is in flight; only once it landed is the
   * (then usually small) in-flight set scanned.
   */
  #predecessor(): bigint | null {
    const last = this.#newest;
    if (last !== undefined && this.#inFlight.has(last)) return last.requestId;
    let newest: bigint | null = null;
    for (const s of this.#inFlight) if (newest === null || s.requestId > newest) newest = s.requestId;
    return newest;
  }

  #dispatch(registration: Registration, send: PendingSend): void {
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
    const after = registration.sequenced ? this.#predecessor() : undefined;
    this.#inFlight.add(send);
    this.#newest = send;
    this.#inFlightBytes += send.message.payload.byteLength;
    // Anonymous callbacks only: a named closure per send costs a defineProperty per send where the
    // sources run through tsx (esbuild's keepNames), as in `npm run bench`.
    registration.sender.send(wire, send, after).then(
      (requestId) => {
        this.#landed(send);
        this.#settle(send, { requestId, topic: this.topic, producerId: registration.producerId });
        if (this.#isProbe(send)) this.#phase = { kind: "sending" };
        if (this.#phase.kind === "sending") this.#recovered();
        this.#afterSettle();
      },
      (thrown: unknown) => {
        this.#landed(send);
        if (this.#isProbe(send)) this.#phase = { kind: "sending" };
        this.#onFailure(registration, send, toDanubeError(thrown, send.operation));
        this.#afterSettle();
      },
    );
  }

  /** A dispatched send answered (receipt or failure): no longer in flight. */
  #landed(send: PendingSend): void {
    this.#inFlight.delete(send);
    this.#inFlightBytes -= send.message.payload.byteLength;
  }

  #isProbe(send: PendingSend): boolean {
    return this.#phase.kind === "probing" && this.#phase.probe === send;
  }

  #onFailure(registration: Registration, send: PendingSend, error: DanubeError): void {
    const stopped = abortError(send) ?? (Date.now() >= send.deadline ? error : undefined);
    // NOT_FOUND on SendMessage: the broker does not know the producer id (it restarted).
    const forgotten = error.code === ErrorCode.NOT_FOUND;
    // Whether or not this send is retried, the registration is gone: re-create it.
    if (forgotten && this.#registration === registration) this.#registration = undefined;
    const final =
      stopped !== undefined ||
      (!error.retryable && !forgotten) ||
      !retriesLeft(send.failures, this.#runtime.options.retry);
    if (final) {
      this.#settle(send, stopped ?? error);
      if (forgotten) this.#startRecovery(error);
      return;
    }
    send.failures++;
    sendRetry(this.#runtime.observe, this, send, error);
    this.#failed.push(send);
    this.#startRecovery(error);
  }

  #afterSettle(): void {
    if (this.#phase.kind === "draining") this.#maybeRecover();
    else this.#pump();
  }

  #startRecovery(error: DanubeError | undefined): void {
    if (error !== undefined) this.#lastError = error;
    if (this.#stop.signal.aborted || this.#phase.kind === "recovering") return;
    this.#phase = { kind: "draining" };
    this.#maybeRecover();
  }

  #maybeRecover(): void {
    if (this.#phase.kind !== "draining" || this.#inFlight.size > 0) return;
    this.#phase = { kind: "recovering" };
    void this.#recover();
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
      // NOT_FOUND: the broker is reachable and forgot the producer (it restarted): re-create now.
      const forgotten = this.#lastError?.code === ErrorCode.NOT_FOUND && this.#registration === undefined;
      try {
        await sleep(forgotten ? 0 : backoffDelay(this.#attempt - 1, runtime.options.retry), stopCtx);
      } catch {
        return; // closed
      }
      if (this.#registration === undefined) {
        const ctx = createCallContext(
          "recreate producer",
          undefined,
          runtime.options.requestTimeoutMs,
          this.#stop.signal,
        );
        try {
          await this.#register(ctx);
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
          this.#phase = { kind: "sending" };
          this.#attempt = 0;
          return;
        }
        if (this.#failed.length === 0 && this.#queue.length === 0) this.#recovered();
      }
      this.#queue = [...this.#failed, ...this.#queue].filter((s) => !s.settled).sort((a, b) => a.seq - b.seq);
      this.#failed = [];
      const registration = this.#registration;
      const probe = this.#queue.shift();
      if (probe === undefined || registration === undefined) {
        if (probe !== undefined) this.#queue.unshift(probe);
        this.#phase = { kind: "sending" };
        this.#pump();
        return;
      }
      this.#phase = { kind: "probing", probe };
      this.#dispatch(registration, probe);
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

  /**
   * Stops background work and fails what still waits or is in flight with CANCELLED (in-flight
   * RPCs are cancelled and fail with it). No close RPC exists.
   */
  close(): void {
    this.#stop.abort();
    this.#sender?.close?.();
    // stopWith settles a waiting send at once (#abandon); an in-flight one settles when its
    // cancelled RPC fails. One already stopped or settled is left as it is.
    const closed = new Error("closed");
    for (const send of [...this.#failed, ...this.#queue, ...this.#inFlight]) {
      send.stopWith(cancelledError(send.operation, closed));
    }
    this.#failed = [];
    this.#queue = [];
    this.#deadlines.clear();
  }
}
