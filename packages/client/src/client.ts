// The client: owns the connection pool and every producer and consumer it creates. Every channel
// (pool, admin client) is built by transport/channel.ts from the options' one security setting.
import { type AdminClient, openAdminClient } from "./admin/admin-client.ts";
import { createCallContext } from "./call-context.ts";
import { type Consumer, subscribe } from "./consumer/consumer.ts";
import { ClientObserver } from "./diagnostics/observer.ts";
import { toDanubeError } from "./errors/status-map.ts";
import { closedError, DanubeError, ErrorCode } from "./errors.ts";
import {
  type ClientOptions,
  type ProducerOptions,
  type RawPayload,
  type ResolvedClientOptions,
  resolveClientOptions,
  resolveProducerOptions,
  resolveSubscribeOptions,
  type SubscribeOptions,
} from "./options.ts";
import { createProducer, type Producer } from "./producer/producer.ts";
import { type ClientRuntime, requestIdCounter } from "./runtime.ts";
import type { SchemaBindingOptions } from "./schema/binding.ts";
import type { SchemaRegistry } from "./schema/registry.ts";
import { createSchemaRegistryClient } from "./schema/registry-client.ts";
import type { Serde } from "./schema/serde.ts";
import { type ClientStatus, StatusHub } from "./status.ts";
import { Transport } from "./transport/channel.ts";
import { ConnectionPool } from "./transport/connection-pool.ts";

/** A connection to a Danube cluster, created by {@link createClient}. */
export interface DanubeClient extends AsyncDisposable {
  /** The options in effect, defaults applied. */
  readonly options: Readonly<ResolvedClientOptions>;
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /**
   * Looks the topic up and registers a producer (one per partition when `partitions` is set).
   * With `schema`, the producer sends values of the serde's type, stamped with the resolved
   * schema id and version. Aborting `signal` (or `client.close()`) rejects it with CANCELLED; a
   * CreateProducer already sent is answered first (within `timeoutMs`) and that producer closed
   * before it rejects.
   */
  createProducer<T>(options: ProducerOptions<T> & { schema: SchemaBindingOptions<T> }): Promise<Producer<T>>;
  createProducer(options: ProducerOptions & { schema?: undefined }): Promise<Producer<RawPayload>>;
  /**
   * Subscribes to the topic (every partition of a partitioned topic); the topic must exist.
   * With `serde`, `message.value` is the decoded value. Aborting `signal` (or `client.close()`)
   * rejects it with CANCELLED; a Subscribe already sent is answered first (within `timeoutMs`)
   * and that consumer ended on the broker before it rejects.
   */
  subscribe<T>(options: SubscribeOptions<T> & { serde: Serde<T> }): Promise<Consumer<T>>;
  subscribe(options: SubscribeOptions & { serde?: undefined }): Promise<Consumer<Uint8Array>>;
  /** The schema registry on the service URL (typed calls; versions cached by id and version). */
  readonly schema: SchemaRegistry;
  /**
   * Status events of every producer and consumer of this client (reconnecting, reconnected,
   * error, closed), as a discriminated union on `type`. Each iterator buffers at most 256
   * events (dropping the oldest) and ends after the client's `closed` event.
   */
  status(): AsyncIterable<ClientStatus>;
  /**
   * Closes every producer (flushing its sends first) and consumer created by this client, then
   * the connections. A `subscribe()` under way rejects (CANCELLED; CLOSED if it had already
   * subscribed); one whose Subscribe was already sent is answered first (bounded by its timeout)
   * and that consumer ended on the broker before `close()` resolves. Likewise a `createProducer()`
   * under way rejects (CANCELLED; CLOSED if it had already registered); one whose CreateProducer
   * was already sent is answered first and that producer closed before `close()` resolves.
   * Leaves no timers or sockets behind.
   */
  close(): Promise<void>;
}

class ClientImpl implements DanubeClient {
  readonly options: Readonly<ResolvedClientOptions>;
  readonly #closing = new AbortController();
  readonly #runtime: ClientRuntime;
  readonly #transport: Transport;
  readonly #producers = new Set<Producer<unknown>>();
  readonly #consumers = new Set<Consumer<unknown>>();
  /** createProducer() and subscribe() calls under way; close() waits for them, then closes the pool. */
  readonly #starting = new Set<Promise<unknown>>();
  #schema: SchemaRegistry | undefined;
  readonly #observe: ClientObserver;
  readonly #status: StatusHub;
  #admin: AdminClient | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: ResolvedClientOptions) {
    this.options = Object.freeze(options);
    const serviceUrl = options.serviceUrl;
    this.#transport = new Transport(options.security);
    this.#observe = new ClientObserver(options.observability);
    this.#status = new StatusHub(this.#observe);
    this.#runtime = {
      options,
      observe: this.#observe,
      pool: new ConnectionPool(this.#transport, this.#observe),
      serviceAddress: { brokerUrl: serviceUrl, connectUrl: serviceUrl, proxy: false },
      closeSignal: this.#closing.signal,
      status: this.#status,
      nextRequestId: requestIdCounter(0n),
      admin: () => this.#adminClient(),
      schema: () => this.schema,
    };
  }

  get schema(): SchemaRegistry {
    this.#schema ??= createSchemaRegistryClient({
      stub: () => this.#runtime.pool.get(this.#runtime.serviceAddress).schema,
      metadata: () => this.#runtime.pool.metadata(),
      requestTimeoutMs: this.options.requestTimeoutMs,
      retry: this.options.retry,
      onRetry: this.#observe.retry,
      closeSignal: this.#closing.signal,
    });
    return this.#schema;
  }

  #adminClient(): AdminClient {
    const { adminUrl, adminSecurity } = this.options;
    if (adminUrl === undefined || adminSecurity === undefined) {
      throw new DanubeError(ErrorCode.FAILED_PRECONDITION, "the client option adminUrl is not set");
    }
    if (this.closed) throw closedError("client");
    const target = adminUrl.slice(adminUrl.indexOf("://") + 3);
    this.#admin ??= openAdminClient(
      target,
      this.options.requestTimeoutMs,
      this.#transport.derive(adminSecurity),
    );
    return this.#admin;
  }

  status(): AsyncIterable<ClientStatus> {
    return this.#status.iterate();
  }

  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  createProducer<T>(options: ProducerOptions<T> & { schema: SchemaBindingOptions<T> }): Promise<Producer<T>>;
  createProducer(options: ProducerOptions & { schema?: undefined }): Promise<Producer<RawPayload>>;
  async createProducer(options: ProducerOptions<unknown>): Promise<Producer<unknown>> {
    if (this.closed) throw closedError("client");
    const resolved = resolveProducerOptions(options);
    const ctx = createCallContext(
      "createProducer",
      options,
      this.options.requestTimeoutMs,
      this.#closing.signal,
    );
    const onClose = (p: Producer<unknown>) => this.#producers.delete(p);
    return this.#start(() => createProducer(this.#runtime, resolved, ctx, onClose), this.#producers);
  }

  subscribe<T>(options: SubscribeOptions<T> & { serde: Serde<T> }): Promise<Consumer<T>>;
  subscribe(options: SubscribeOptions & { serde?: undefined }): Promise<Consumer<Uint8Array>>;
  async subscribe(options: SubscribeOptions<unknown>): Promise<Consumer<unknown>> {
    if (this.closed) throw closedError("client");
    const resolved = resolveSubscribeOptions(options);
    const ctx = createCallContext("subscribe", options, this.options.requestTimeoutMs, this.#closing.signal);
    const onClose = (c: Consumer<unknown>) => this.#consumers.delete(c);
    return this.#start(() => subscribe(this.#runtime, resolved, ctx, onClose), this.#consumers);
  }

  /**
   * Runs `create` (counted in #starting: close() waits for it), then adds what it made to
   * `registry`, or, the client having closed meanwhile, closes it and throws CLOSED.
   */
  async #start<T extends { close(): Promise<void> }>(create: () => Promise<T>, registry: Set<T>): Promise<T> {
    const starting = (async () => {
      const item = await create();
      if (this.closed) {
        await item.close();
        throw closedError("client");
      }
      registry.add(item);
      return item;
    })();
    this.#starting.add(starting);
    try {
      return await starting;
    } finally {
      this.#starting.delete(starting);
    }
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing.abort();
    const all = [...this.#producers, ...this.#consumers];
    const results = await Promise.allSettled(all.map((item) => item.close()));
    // A CreateProducer or Subscribe already sent is answered, then what it registered closed
    // (a consumer ended on the broker), over the pool.
    await Promise.allSettled(this.#starting);
    this.#runtime.pool.close();
    await this.#admin?.close();
    this.#status.emit({ type: "closed", source: "client", topic: undefined, name: undefined });
    this.#status.close();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) throw toDanubeError(failed.reason, "close");
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Alias of {@link DanubeClient}. */
export type Client = DanubeClient;

/** Creates a client; no network call happens until a producer or consumer is created. */
export function createClient(options: ClientOptions): DanubeClient {
  return new ClientImpl(resolveClientOptions(options));
}
