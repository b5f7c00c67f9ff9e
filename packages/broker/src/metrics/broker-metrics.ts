import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry, Summary } from "prom-client";
import type { BrokerCore } from "../core/broker-core.ts";
import { QuantileSummary } from "./quantile-summary.ts";
import { ALL_CODE_NAMES } from "./rpc-timing.ts";
import { OVERFLOW_LABEL, Samples, SeriesCap } from "./series-cap.ts";
import { UPSTREAM_METRICS as U } from "./upstream-names.ts";

type Labels = Record<string, string>;

/** Sends of one topic label not yet counted in the send counter. */
interface PendingSends {
  /** Accepted sends. */
  ok: number;
  /** Refused sends per gRPC status name. */
  errors: Map<string, number>;
}

/** Upstream's `resource` label: brokers count as cluster, schema subjects as topic. */
const AUTHZ_SCOPE: Record<string, string> = {
  Cluster: "cluster",
  Broker: "cluster",
  Namespace: "namespace",
  Topic: "topic",
  SchemaSubject: "topic",
};

export interface MetricsLimits {
  /** Topics with series of their own; the rest share topic="__overflow__". */
  maxTopicSeries: number;
  /** Subscriptions with series of their own; the rest share subscription="__overflow__". */
  maxSubscriptionSeries: number;
}

/** Upstream renders its histograms as summaries with these quantiles (metrics-exporter-prometheus defaults). */
const UPSTREAM_QUANTILES = [0, 0.5, 0.9, 0.95, 0.99, 0.999, 1];
const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The broker's Prometheus metrics. Most values are read from the broker's objects when scraped
 * ({@link text}); the hot path only bumps plain counters (metrics/stats.ts) and records the
 * per-send and per-RPC observations below.
 */
export class BrokerMetrics {
  readonly registry = new Registry();
  private readonly topics: SeriesCap;
  private readonly subscriptions: SeriesCap;
  private readonly counters: Record<keyof typeof U.counters, Counter<string>>;
  private readonly gauges: Record<keyof typeof U.gauges, Gauge<string>>;
  private readonly sendLatency: QuantileSummary;
  private readonly messageSize: QuantileSummary;
  private readonly ext;
  /** Send counts not yet folded into the counter, per topic label. */
  private readonly pendingSends = new Map<string, PendingSends>();

  constructor(
    private readonly core: BrokerCore,
    limits: MetricsLimits,
  ) {
    this.topics = new SeriesCap(limits.maxTopicSeries);
    this.subscriptions = new SeriesCap(limits.maxSubscriptionSeries);
    const registers = [this.registry];
    this.registry.setDefaultLabels({ broker: String(core.brokerId) });
    const counter = (m: { name: string; labels: readonly string[] }, help: string) =>
      new Counter({ name: m.name, help, labelNames: [...m.labels], registers });
    const gauge = (m: { name: string; labels: readonly string[] }, help: string) =>
      new Gauge({ name: m.name, help, labelNames: [...m.labels], registers });
    const C = U.counters;
    this.counters = {
      topicMessagesIn: counter(C.topicMessagesIn, "Total messages published to the topic (msg)."),
      topicBytesIn: counter(C.topicBytesIn, "Total bytes published to the topic (bytes)"),
      consumerMessagesOut: counter(C.consumerMessagesOut, "Total messages delivered to consumer (msg)."),
      consumerBytesOut: counter(C.consumerBytesOut, "Total bytes delivered to consumer (bytes)"),
      brokerAssignments: counter(C.brokerAssignments, "Topic assignment operations (none in standalone)"),
      brokerRpc: counter(C.brokerRpc, "Total RPC requests handled by the broker"),
      clientRedirects: counter(
        C.clientRedirects,
        "Client redirects suggested during lookup (none in standalone)",
      ),
      producerSend: new Counter({
        name: C.producerSend.name,
        help: "Total producer send attempts at the broker API boundary",
        labelNames: [...C.producerSend.labels],
        registers,
        collect: () => this.foldSends(),
      }),
      heartbeatPolls: counter(C.heartbeatPolls, "Dispatch passes started by the heartbeat watchdog"),
      notifierPolls: counter(C.notifierPolls, "Dispatch passes started by the commit notifier"),
      nacks: counter(C.nacks, "Negative acknowledgments accepted for a reliable subscription"),
      redeliveries: counter(C.redeliveries, "Retry deliveries re-sent for a reliable subscription"),
      ackTimeouts: counter(C.ackTimeouts, "Ack timeouts detected for a reliable subscription"),
      retryExhausted: counter(C.retryExhausted, "Messages that exhausted their redeliveries"),
      deadLettered: counter(C.deadLettered, "Messages routed to a dead letter topic"),
      schemaValidation: counter(C.schemaValidation, "Schema validation attempts"),
      schemaValidationFailures: counter(C.schemaValidationFailures, "Schema validation failures"),
      rebalancingMoves: counter(C.rebalancingMoves, "Topic rebalancing moves (none in standalone)"),
      rebalancingFailures: counter(C.rebalancingFailures, "Failed rebalancing moves (none in standalone)"),
      authzAllow: counter(C.authzAllow, "Successful authorization decisions"),
      authzDeny: counter(C.authzDeny, "Denied authorization decisions"),
    };
    const G = U.gauges;
    this.gauges = {
      topicsOwned: gauge(G.topicsOwned, "Total number of topics served by broker"),
      topicProducers: gauge(G.topicProducers, "Total number of producers per topic"),
      topicConsumers: gauge(G.topicConsumers, "Total number of active consumers per topic"),
      leaderElection: gauge(G.leaderElection, "Leader election state (standalone: no election, 0)"),
      topicSubscriptions: gauge(G.topicSubscriptions, "Total number of subscriptions per topic"),
      subscriptionConsumers: gauge(G.subscriptionConsumers, "Active consumers per subscription"),
      lag: gauge(G.lag, "Messages the subscription is behind the topic log head"),
      pendingRedelivery: gauge(G.pendingRedelivery, "Whether a message waits for redelivery (0 or 1)"),
      terminalBlocked: gauge(G.terminalBlocked, "Whether blocked on a retry-exhausted message (0 or 1)"),
      imbalance: gauge(G.imbalance, "Cluster load imbalance (standalone: 0)"),
    };
    const H = U.histograms;
    const summary = (m: { name: string; labels: readonly string[] }, help: string) =>
      new Summary({
        name: m.name,
        help,
        labelNames: [...m.labels],
        percentiles: UPSTREAM_QUANTILES,
        registers,
      });
    // The two per-send summaries: an observation per send is one map update (quantile-summary.ts).
    const sendSummary = (m: { name: string; labels: readonly ["topic"] }, help: string) =>
      new QuantileSummary(m.name, help, m.labels[0], UPSTREAM_QUANTILES, this.registry);
    this.sendLatency = sendSummary(H.sendLatency, "Producer send latency in milliseconds (broker-side)");
    this.messageSize = sendSummary(H.messageSize, "Incoming message sizes per topic (bytes)");
    summary(H.rebalancingCycle, "Rebalancing cycle duration (none in standalone)");

    // Extensions of this broker (danube_ts_*): see docs/observability.md.
    const ext = (name: string, help: string, labelNames: string[] = []) =>
      new Gauge({ name: `danube_ts_${name}`, help, labelNames, registers });
    const extCounter = (name: string, help: string, labelNames: string[] = []) =>
      new Counter({ name: `danube_ts_${name}`, help, labelNames, registers });
    const sub = ["topic", "subscription"];
    this.ext = {
      commitSeconds: new Histogram({
        name: "danube_ts_log_commit_seconds",
        help: "Group commit duration: one write and fdatasync of a batch of reliable messages",
        buckets: SECONDS_BUCKETS,
        registers,
      }),
      commitRecords: new Counter({
        name: "danube_ts_log_committed_records_total",
        help: "Records made durable by group commits",
        registers,
      }),
      rpcSeconds: new Histogram({
        name: "danube_ts_rpc_duration_seconds",
        help: "Unary RPC handling time, per service and method",
        labelNames: ["service", "method"],
        buckets: SECONDS_BUCKETS,
        registers,
      }),
      unacked: ext("subscription_unacked_messages", "Delivered, not yet acknowledged", sub),
      pending: ext("subscription_pending_redelivery_messages", "Messages waiting for a redelivery", sub),
      poisoned: ext(
        "subscription_poisoned_messages",
        "Retry-exhausted messages held (Block, or DLQ pending)",
        sub,
      ),
      nrBacklog: ext(
        "nonreliable_backlog_messages",
        "Non-reliable: messages queued for the subscription's consumers, not yet written to their streams",
        sub,
      ),
      nrBacklogBytes: ext(
        "nonreliable_backlog_bytes",
        "Non-reliable: message bytes held for the subscription's consumers (queued or in the transport)",
        sub,
      ),
      dropped: extCounter("subscription_dropped_total", "Messages dropped by the subscription", sub),
      unreadable: extCounter(
        "subscription_unreadable_offsets_total",
        "Offsets met unreadable (damaged or undecodable), skipped or dead-lettered",
        sub,
      ),
      buffered: ext("memory_buffered_bytes", "Message bytes held in memory against the broker budget"),
      peak: ext("memory_peak_buffered_bytes", "Highest buffered bytes since start"),
      limit: ext("memory_limit_bytes", "The broker-wide byte budget (brokerBufferBytes)"),
      nrDropped: extCounter("nonreliable_dropped_messages_total", "Non-reliable messages dropped"),
      nrDroppedBytes: extCounter("nonreliable_dropped_bytes_total", "Bytes of non-reliable messages dropped"),
      deferred: extCounter(
        "reliable_windows_deferred_total",
        "Reliable windows not filled for lack of bytes",
      ),
      segments: ext("segment_files_open", "Segment files held open by topic logs"),
      recoveredTopics: ext("recovery_topics_repaired", "Topics whose logs were repaired at start"),
      lostOffsets: ext("recovery_lost_offsets", "Offsets lost to damage, found at start"),
      orphans: ext("recovery_orphan_topic_dirs", "Topic folders without a record, quarantined at start"),
      metadataSkipped: ext("recovery_metadata_entries_skipped", "Damaged metadata entries skipped at start"),
      metadataTruncated: ext(
        "recovery_metadata_truncated_bytes",
        "Torn metadata journal bytes removed at start",
      ),
      series: ext("metrics_topics_with_series", "Topics with series of their own (the rest: __overflow__)"),
    };
    collectDefaultMetrics({ register: this.registry });
    core.catalog.onBatchCommitted = (seconds, records) => {
      this.ext.commitSeconds.observe(seconds);
      this.ext.commitRecords.inc(records);
    };
  }

  /** The topic label for `name`: its own, or the overflow label past the cap. */
  topicLabel(name: string): string {
    return this.topics.label(name);
  }

  /** A unary RPC finished (upstream counts `result` ok/error per service and method). */
  rpcDone(service: string, method: string, ok: boolean, seconds: number, timed: boolean): void {
    this.counters.brokerRpc.inc({ service, method, result: ok ? "ok" : "error" });
    if (timed) this.ext.rpcSeconds.observe({ service, method }, seconds);
  }

  /**
   * A send finished at the API boundary: `errorCode` is the gRPC status name, "OK" on success.
   * The summaries take it at once (cheap); the counter's increments are summed per topic and
   * folded in before every read ({@link foldSends}), instead of a labelled increment per send.
   */
  sendDone(topicName: string, bytes: number, ms: number, errorCode: string): void {
    const topic = this.topicLabel(topicName);
    let sends = this.pendingSends.get(topic);
    if (sends === undefined) {
      sends = { ok: 0, errors: new Map() };
      this.pendingSends.set(topic, sends);
    }
    if (errorCode !== "OK") {
      sends.errors.set(errorCode, (sends.errors.get(errorCode) ?? 0) + 1);
      return;
    }
    sends.ok++;
    this.sendLatency.observe(topic, ms);
    this.messageSize.observe(topic, bytes);
  }

  /** Folds the summed send counts into the counter (before every read of the send series). */
  private foldSends(): void {
    for (const [topic, sends] of this.pendingSends) {
      if (sends.ok > 0) this.counters.producerSend.inc({ topic, result: "ok", error_code: "OK" }, sends.ok);
      for (const [code, count] of sends.errors) {
        this.counters.producerSend.inc({ topic, result: "error", error_code: code }, count);
      }
    }
    this.pendingSends.clear();
  }

  /** An RBAC decision (security on); `resource` as upstream's scope: cluster, namespace or topic. */
  authz(allowed: boolean, resourceKind: string, permission: string): void {
    const resource = AUTHZ_SCOPE[resourceKind] ?? resourceKind.toLowerCase();
    (allowed ? this.counters.authzAllow : this.counters.authzDeny).inc({ resource, permission });
  }

  /** Accepted sends of a topic and their summed broker-side latency in ms (the console's charts). */
  async sendLatencyTotals(topicName: string): Promise<{ count: number; sum: number }> {
    return this.sendLatency.totals(this.topicLabel(topicName));
  }

  /** Group commits and their summed duration in seconds, broker-wide (the console's charts). */
  async commitTotals(): Promise<{ count: number; sum: number }> {
    return totals(await this.ext.commitSeconds.get(), undefined);
  }

  /** Reads the broker's state into the pulled series and renders the exposition text. */
  async text(): Promise<string> {
    this.refresh();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private refresh(): void {
    const { core } = this;
    const topics = core.catalog.all();
    const live = new Set(topics.map((t) => t.name));
    this.foldSends();
    for (const gone of this.topics.retain((name) => live.has(name))) {
      this.sendLatency.remove(gone);
      this.messageSize.remove(gone);
      this.counters.producerSend.remove({ topic: gone, result: "ok", error_code: "OK" });
      for (const code of ALL_CODE_NAMES)
        this.counters.producerSend.remove({ topic: gone, result: "error", error_code: code });
    }
    const liveSubs = new Set<string>();
    for (const t of topics) for (const s of t.subscriptions.keys()) liveSubs.add(`${t.name}\u0000${s}`);
    this.subscriptions.retain((key) => liveSubs.has(key));

    const perTopic = {
      messagesIn: new Samples<Labels>(),
      bytesIn: new Samples<Labels>(),
      producers: new Samples<Labels>(),
      consumers: new Samples<Labels>(),
      subscriptions: new Samples<Labels>(),
    };
    const perSub = {
      out: new Samples<Labels>(),
      bytesOut: new Samples<Labels>(),
      consumers: new Samples<Labels>(),
      nacks: new Samples<Labels>(),
      redeliveries: new Samples<Labels>(),
      ackTimeouts: new Samples<Labels>(),
      exhausted: new Samples<Labels>(),
      dlq: new Samples<Labels>(),
      lag: new Samples<Labels>(),
      pendingFlag: new Samples<Labels>(),
      blockedFlag: new Samples<Labels>(),
      unacked: new Samples<Labels>(),
      pending: new Samples<Labels>(),
      poisoned: new Samples<Labels>(),
      dropped: new Samples<Labels>(),
      unreadable: new Samples<Labels>(),
      nrBacklog: new Samples<Labels>(),
      nrBacklogBytes: new Samples<Labels>(),
    };
    let heartbeat = 0;
    let notifier = 0;
    let checked = 0;
    let failed = 0;
    for (const t of topics) {
      const validation = core.registry.validationStats(t.name);
      checked += validation.checked;
      failed += validation.warned + validation.rejected;
      const topic = this.topics.label(t.name);
      perTopic.messagesIn.add({ topic }, t.stats.messagesIn);
      perTopic.bytesIn.add({ topic }, t.stats.bytesIn);
      perTopic.producers.add({ topic }, t.producers.size);
      perTopic.subscriptions.add({ topic }, t.subscriptions.size);
      let activeConsumers = 0;
      for (const s of t.subscriptions.values()) {
        const subscription =
          topic === OVERFLOW_LABEL ? OVERFLOW_LABEL : this.subscriptions.label(`${t.name}\u0000${s.name}`);
        const l = { topic, subscription: subscription === OVERFLOW_LABEL ? OVERFLOW_LABEL : s.name };
        const active = s.activeConsumers().length;
        activeConsumers += active;
        const st = s.stats;
        heartbeat += st.heartbeatPolls;
        notifier += st.notifierPolls;
        perSub.consumers.add(l, active);
        perSub.out.add(l, st.messagesOut);
        perSub.bytesOut.add(l, st.bytesOut);
        perSub.dropped.add(l, st.dropped);
        if (!t.log) {
          let queued = 0;
          let bytes = 0;
          for (const consumer of s.consumers) {
            queued += consumer.queuedMessages;
            bytes += consumer.bufferedBytes;
          }
          perSub.nrBacklog.add(l, queued);
          perSub.nrBacklogBytes.add(l, bytes);
        }
        const snap = s.dispatcher?.snapshot?.();
        if (!snap || !t.log) continue;
        const poison = core.settings.effectivePolicy(t.name, s.name).poison;
        const lp = { ...l, poison_policy: poison };
        perSub.nacks.add(l, st.nacks);
        perSub.redeliveries.add(l, st.redeliveries);
        perSub.ackTimeouts.add(l, st.ackTimeouts);
        perSub.exhausted.add(lp, st.retryExhausted);
        perSub.dlq.add(lp, st.deadLettered);
        perSub.lag.add(l, Number(t.log.committedOffset - snap.cursor));
        perSub.pendingFlag.max(l, snap.pendingRedelivery > 0 ? 1 : 0);
        perSub.blockedFlag.max(l, snap.poisoned > 0 && poison === "block" ? 1 : 0);
        perSub.unacked.add(l, snap.unacked);
        perSub.pending.add(l, snap.pendingRedelivery);
        perSub.poisoned.add(l, snap.poisoned);
        perSub.unreadable.add(l, snap.unreadable);
      }
      perTopic.consumers.add({ topic }, activeConsumers);
    }
    const c = this.counters;
    const g = this.gauges;
    setCounter(c.topicMessagesIn, perTopic.messagesIn);
    setCounter(c.topicBytesIn, perTopic.bytesIn);
    setGauge(g.topicProducers, perTopic.producers);
    setGauge(g.topicConsumers, perTopic.consumers);
    setGauge(g.topicSubscriptions, perTopic.subscriptions);
    setCounter(c.consumerMessagesOut, perSub.out);
    setCounter(c.consumerBytesOut, perSub.bytesOut);
    setGauge(g.subscriptionConsumers, perSub.consumers);
    setCounter(c.nacks, perSub.nacks);
    setCounter(c.redeliveries, perSub.redeliveries);
    setCounter(c.ackTimeouts, perSub.ackTimeouts);
    setCounter(c.retryExhausted, perSub.exhausted);
    setCounter(c.deadLettered, perSub.dlq);
    setGauge(g.lag, perSub.lag);
    setGauge(g.pendingRedelivery, perSub.pendingFlag);
    setGauge(g.terminalBlocked, perSub.blockedFlag);
    setGauge(this.ext.unacked, perSub.unacked);
    setGauge(this.ext.pending, perSub.pending);
    setGauge(this.ext.poisoned, perSub.poisoned);
    setCounter(this.ext.dropped, perSub.dropped);
    setCounter(this.ext.unreadable, perSub.unreadable);
    setGauge(this.ext.nrBacklog, perSub.nrBacklog);
    setGauge(this.ext.nrBacklogBytes, perSub.nrBacklogBytes);
    g.topicsOwned.set(topics.length);
    g.leaderElection.set(0);
    g.imbalance.set(0);
    resetTo(c.heartbeatPolls, heartbeat);
    resetTo(c.notifierPolls, notifier);
    resetTo(c.schemaValidation, checked);
    resetTo(c.schemaValidationFailures, failed);

    const memory = core.memoryStats();
    const e = this.ext;
    e.buffered.set(memory.bufferedBytes);
    e.peak.set(memory.peakBufferedBytes);
    e.limit.set(memory.limitBytes);
    resetTo(e.nrDropped, memory.nonReliableDroppedMessages);
    resetTo(e.nrDroppedBytes, memory.nonReliableDroppedBytes);
    resetTo(e.deferred, memory.reliableWindowsDeferred);
    e.segments.set(core.catalog.handles.size);
    const recovery = core.recovery;
    e.recoveredTopics.set(recovery.topics.length);
    let lost = 0n;
    for (const r of recovery.topics) for (const range of r.report.lost) lost += range.to - range.from;
    e.lostOffsets.set(Number(lost));
    e.orphans.set(recovery.orphans.length);
    e.metadataSkipped.set(recovery.metadata.skipped.length);
    e.metadataTruncated.set(recovery.metadata.truncatedBytes);
    e.series.set(this.topics.size);
  }
}

/** The `_count` and `_sum` samples of a summary or histogram, for one topic label or unlabelled. */
function totals(
  data: { values: { value: number; labels: Record<string, unknown>; metricName?: string }[] },
  topic: string | undefined,
): { count: number; sum: number } {
  let count = 0;
  let sum = 0;
  for (const v of data.values) {
    if (topic !== undefined && v.labels.topic !== topic) continue;
    if (v.metricName?.endsWith("_count")) count += v.value;
    else if (v.metricName?.endsWith("_sum")) sum += v.value;
  }
  return { count, sum };
}

function setGauge(gauge: Gauge<string>, samples: Samples<Labels>): void {
  gauge.reset();
  samples.each((labels, value) => gauge.set(labels, value));
}

function setCounter(counter: Counter<string>, samples: Samples<Labels>): void {
  counter.reset();
  samples.each((labels, value) => counter.inc(labels, value));
}

function resetTo(counter: Counter<string>, value: number): void {
  counter.reset();
  counter.inc(value);
}
