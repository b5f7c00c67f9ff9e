import type { CompatibilityRules } from "@danube-ts/schema";
import {
  type ConsoleOptions,
  type ResolvedConsoleOptions,
  resolveConsoleOptions,
} from "./console/options.ts";
import { invalidArgument } from "./errors.ts";
import { type ExtensionOptions, type ResolvedExtensions, resolveExtensions } from "./extensions.ts";
import type { FaultInjection } from "./faults.ts";
import { consoleLogger, LogFormat, type Logger, type LogLevel } from "./logger.ts";
import { type AuthOptions, type ResolvedAuth, resolveSecurity } from "./security/options.ts";

export type { AuthOptions, JwtOptions, TlsOptions } from "./security/options.ts";

/**
 * Options of {@link startBroker}. The broker's defaults live in {@link resolveBrokerOptions}; the
 * storage classes keep fallbacks of their own (segment size, cache sizes) for use outside a broker.
 */
export interface BrokerOptions {
  /** Folder for topic logs and metadata; created if missing. Required. */
  dataDir: string;
  /** Client listener host. @default "127.0.0.1" */
  host?: string;
  /** Client listener port; 0 picks a free port. @default 6650 */
  port?: number;
  /** Admin listener host. @default "127.0.0.1" */
  adminHost?: string;
  /** Admin listener port; 0 picks a free port. @default 50051 */
  adminPort?: number;
  /** `host:port` handed to clients in lookups, when it differs from the bind address. */
  advertisedAddr?: string;
  /** Namespaces created at first start (`system` is always added). @default ["default"] */
  namespaces?: string[];
  /** Unacknowledged messages in flight per reliable subscription. @default 10 */
  maxUnackedMessages?: number;
  /**
   * Largest payload accepted, in bytes; bigger ones get INVALID_ARGUMENT (not retryable). gRPC
   * messages may be 1 MiB larger than this (envelope, attributes) before transport refuses them.
   * @default 4194304 (4 MiB, the gRPC limit upstream brokers enforce)
   */
  maxMessageSize?: number;
  /** fsync reliable topic logs and metadata before acknowledging. Never turn off outside benchmarks. @default true */
  fsync?: boolean;
  /** Roll topic log segments past this many bytes. @default 67108864 (64 MiB) */
  segmentBytes?: number;
  /** Messages buffered per consumer of a non-reliable topic before new ones are dropped. @default 10000 */
  nonReliableBufferSize?: number;
  /**
   * Message bytes buffered per consumer of a non-reliable topic (queued plus still in the
   * transport's buffers) before new ones are dropped and counted. At least `maxMessageSize`.
   * @default 33554432 (32 MiB), or `maxMessageSize` when larger
   */
  nonReliableBufferBytes?: number;
  /**
   * Message bytes one subscription holds in memory: a reliable window stops filling here (the
   * messages stay in the log and come once acks make room), non-reliable consumers of the
   * subscription together drop past it. At least `maxMessageSize`.
   * @default 67108864 (64 MiB), or `maxMessageSize` when larger
   */
  subscriptionBufferBytes?: number;
  /**
   * Message bytes all subscriptions together hold in memory: past it non-reliable messages are
   * dropped (counted) and reliable windows stop filling; an empty reliable window still takes one
   * message. At least `maxMessageSize`.
   * @default 536870912 (512 MiB), or `maxMessageSize` when larger
   */
  brokerBufferBytes?: number;
  /** Housekeeping intervals; the defaults follow upstream. Mostly useful to tests. */
  housekeeping?: Partial<Housekeeping>;
  /** Per-producer send order for clients that ask for it (danube-ts clients); see docs/delivery.md. */
  sendSequencing?: Partial<SendSequencing>;
  /** danube-ts protocol extensions offered to clients (all on by default); see docs/streaming.md. */
  extensions?: ExtensionOptions;
  /** Where to log. @default console logger at `logLevel` */
  logger?: Logger;
  /** Level of the default logger. @default "warn" */
  logLevel?: LogLevel;
  /** Line format of the default logger: `text`, or `json` (one JSON object per line). @default "text" */
  logFormat?: LogFormat;
  /**
   * JSON Schema compatibility rules of the schema registry: `upstream` gives upstream Danube
   * v0.15.1's verdicts (top-level required fields and property types); `strict` (a danube-ts
   * extension) uses Confluent's rules. Avro and Protobuf are judged the same under both.
   * See docs/schema-compatibility.md. @default "upstream"
   */
  schemaCompatibilityRules?: CompatibilityRules;
  /**
   * Segment files kept open across all reliable topics (idle ones are closed, least recently used
   * first). @default a quarter of the process's open-file limit (at least 8)
   */
  maxOpenSegmentFiles?: number;
  /**
   * Start even when the metadata journal has valid entries after a damaged one (or a journal is
   * ahead of the snapshot found): skip the damaged entry, keep everything else, and write a clean
   * snapshot (the damaged files are kept in metadata/quarantine/). Without it such a broker
   * refuses to start, naming the file and byte. @default false
   */
  repairMetadata?: boolean;
  /** A producer for a topic that does not exist creates it (upstream's `auto_create_topics`). @default true */
  autoCreateTopics?: boolean;
  /** Security, as upstream's `auth` section. @default { mode: "none" } (no TLS, no tokens, everyone allowed) */
  auth?: AuthOptions;
  /** Serve the admin listener over TLS too (upstream's `admin_tls`); needs `auth.mode: "tls"`. @default false */
  adminTls?: boolean;
  /**
   * Time limit of one schema parse and compatibility check (RegisterSchema, CheckCompatibility),
   * which run on a worker thread; past it the request fails with a clear error. @default 10000
   */
  schemaCheckTimeoutMs?: number;
  /**
   * Prometheus endpoint (upstream's `--prom-exporter` / `broker.ports.prometheus`); plain HTTP,
   * `GET /metrics`. See docs/observability.md. @default undefined (off)
   */
  prometheus?: PrometheusOptions;
  /**
   * Longest routing key a message may carry (UTF-8 bytes); a longer one is refused with
   * INVALID_ARGUMENT. Upstream has no bound (a difference, docs/status-codes.md): Key-Shared
   * filters are matched against every key, so a huge key costs CPU per message.
   * @default 65536 (64 KiB)
   */
  maxRoutingKeyBytes?: number;
  /** Fault injection for tests (faults.ts); never set in production. */
  faults?: FaultInjection;
  /** Web console and its JSON API (`--console-addr`); see docs/console.md. @default undefined (off) */
  console?: ConsoleOptions;
}

export interface PrometheusOptions {
  /** @default "127.0.0.1" */
  host?: string;
  /** 0 picks a free port (RunningBroker.metricsAddr tells which). */
  port: number;
  /** Topics with series of their own; later ones share topic="__overflow__". @default 1000 */
  maxTopicSeries?: number;
  /** Subscriptions with series of their own; later ones share subscription="__overflow__". @default 5000 */
  maxSubscriptionSeries?: number;
}

export interface Housekeeping {
  /** How often idle consumers and subscriptions are looked for. @default 10000 */
  sweepIntervalMs: number;
  /** A consumer without a stream for this long is forgotten (its health check answers CLOSE). @default 60000 */
  consumerIdleMs: number;
  /** A non-reliable subscription without active consumers for this long is removed. @default 60000 */
  subscriptionIdleMs: number;
  /** A producer silent this long (no send, no health check) no longer holds an Exclusive claim. @default 15000 */
  producerSilenceMs: number;
}

export interface SendSequencing {
  /**
   * Announce sequencing on CreateProducer and honour the clients' order header. Off, the broker
   * behaves as upstream does (offsets in completion order); danube-ts clients then keep order by
   * sending one message at a time. @default true
   */
  enabled: boolean;
  /** Longest a send waits for an earlier send of its producer that has not arrived. @default 2000 */
  maxWaitMs: number;
  /** Payload bytes one producer may have waiting for earlier sends. @default 67108864 (64 MiB) */
  maxHeldBytes: number;
}

export interface ResolvedBrokerOptions {
  dataDir: string;
  host: string;
  port: number;
  adminHost: string;
  adminPort: number;
  advertisedAddr: string | undefined;
  namespaces: string[];
  maxUnackedMessages: number;
  maxMessageSize: number;
  fsync: boolean;
  segmentBytes: number;
  nonReliableBufferSize: number;
  nonReliableBufferBytes: number;
  subscriptionBufferBytes: number;
  brokerBufferBytes: number;
  housekeeping: Housekeeping;
  sendSequencing: SendSequencing;
  extensions: ResolvedExtensions;
  logger: Logger;
  schemaCompatibilityRules: CompatibilityRules;
  maxOpenSegmentFiles: number | undefined;
  repairMetadata: boolean;
  autoCreateTopics: boolean;
  auth: ResolvedAuth;
  adminTls: boolean;
  schemaCheckTimeoutMs: number;
  prometheus: Required<PrometheusOptions> | undefined;
  maxRoutingKeyBytes: number;
  faults: FaultInjection | undefined;
  console: ResolvedConsoleOptions | undefined;
}

function port(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw invalidArgument(`${name} must be an integer from 0 to 65535, got ${value}`);
  }
  return value;
}

function positive(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalidArgument(`${name} must be an integer from 1 to ${max}, got ${value}`);
  }
  return value;
}

function logFormat(value: string | undefined): LogFormat {
  if (value === undefined) return LogFormat.Text;
  if (value !== LogFormat.Text && value !== LogFormat.Json) {
    throw invalidArgument(`logFormat must be "text" or "json", got ${JSON.stringify(value)}`);
  }
  return value;
}

function compatibilityRules(value: string): CompatibilityRules {
  if (value !== "upstream" && value !== "strict") {
    throw invalidArgument(
      `schemaCompatibilityRules must be "upstream" or "strict", got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** A byte budget: defaults to `fallback` (raised to `maxMessageSize`), never below `maxMessageSize`. */
function byteBudget(
  name: string,
  value: number | undefined,
  fallback: number,
  maxMessageSize: number,
): number {
  if (value === undefined) return Math.max(fallback, maxMessageSize);
  const bytes = positive(name, value);
  if (bytes < maxMessageSize) {
    throw invalidArgument(`${name} must be at least maxMessageSize (${maxMessageSize}), got ${value}`);
  }
  return bytes;
}

export function resolveBrokerOptions(options: BrokerOptions): ResolvedBrokerOptions {
  if (typeof options?.dataDir !== "string" || options.dataDir.length === 0) {
    throw invalidArgument("dataDir is required");
  }
  const namespaces = [...new Set([...(options.namespaces ?? ["default"]), "system"])];
  const maxMessageSize = positive("maxMessageSize", options.maxMessageSize ?? 4 * 1024 * 1024);
  return {
    dataDir: options.dataDir,
    host: options.host ?? "127.0.0.1",
    port: port("port", options.port ?? 6650),
    adminHost: options.adminHost ?? "127.0.0.1",
    adminPort: port("adminPort", options.adminPort ?? 50051),
    advertisedAddr: options.advertisedAddr,
    namespaces,
    maxUnackedMessages: positive("maxUnackedMessages", options.maxUnackedMessages ?? 10, 10_000),
    maxMessageSize,
    fsync: options.fsync ?? true,
    segmentBytes: positive("segmentBytes", options.segmentBytes ?? 64 * 1024 * 1024),
    nonReliableBufferSize: positive("nonReliableBufferSize", options.nonReliableBufferSize ?? 10_000),
    nonReliableBufferBytes: byteBudget(
      "nonReliableBufferBytes",
      options.nonReliableBufferBytes,
      32 * 1024 * 1024,
      maxMessageSize,
    ),
    subscriptionBufferBytes: byteBudget(
      "subscriptionBufferBytes",
      options.subscriptionBufferBytes,
      64 * 1024 * 1024,
      maxMessageSize,
    ),
    brokerBufferBytes: byteBudget(
      "brokerBufferBytes",
      options.brokerBufferBytes,
      512 * 1024 * 1024,
      maxMessageSize,
    ),
    housekeeping: {
      sweepIntervalMs: positive(
        "housekeeping.sweepIntervalMs",
        options.housekeeping?.sweepIntervalMs ?? 10_000,
      ),
      consumerIdleMs: positive("housekeeping.consumerIdleMs", options.housekeeping?.consumerIdleMs ?? 60_000),
      subscriptionIdleMs: positive(
        "housekeeping.subscriptionIdleMs",
        options.housekeeping?.subscriptionIdleMs ?? 60_000,
      ),
      producerSilenceMs: positive(
        "housekeeping.producerSilenceMs",
        options.housekeeping?.producerSilenceMs ?? 15_000,
      ),
    },
    sendSequencing: {
      enabled: options.sendSequencing?.enabled ?? true,
      maxWaitMs: positive("sendSequencing.maxWaitMs", options.sendSequencing?.maxWaitMs ?? 2000),
      maxHeldBytes: positive(
        "sendSequencing.maxHeldBytes",
        options.sendSequencing?.maxHeldBytes ?? 64 * 1024 * 1024,
      ),
    },
    extensions: resolveExtensions(options.extensions),
    logger: options.logger ?? consoleLogger(options.logLevel ?? "warn", logFormat(options.logFormat)),
    prometheus: options.prometheus && {
      host: options.prometheus.host ?? "127.0.0.1",
      port: port("prometheus.port", options.prometheus.port),
      maxTopicSeries: positive("prometheus.maxTopicSeries", options.prometheus.maxTopicSeries ?? 1000),
      maxSubscriptionSeries: positive(
        "prometheus.maxSubscriptionSeries",
        options.prometheus.maxSubscriptionSeries ?? 5000,
      ),
    },
    console: resolveConsoleOptions(options.console),
    schemaCompatibilityRules: compatibilityRules(options.schemaCompatibilityRules ?? "upstream"),
    maxOpenSegmentFiles:
      options.maxOpenSegmentFiles === undefined
        ? undefined
        : positive("maxOpenSegmentFiles", options.maxOpenSegmentFiles),
    repairMetadata: options.repairMetadata ?? false,
    autoCreateTopics: options.autoCreateTopics ?? true,
    ...resolveSecurity(options.auth, options.adminTls),
    schemaCheckTimeoutMs: positive("schemaCheckTimeoutMs", options.schemaCheckTimeoutMs ?? 10_000, 600_000),
    maxRoutingKeyBytes: positive("maxRoutingKeyBytes", options.maxRoutingKeyBytes ?? 64 * 1024),
    faults: options.faults,
  };
}
