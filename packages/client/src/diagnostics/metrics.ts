// The `metrics` client option: a small factory interface that prom-client or an OpenTelemetry
// meter can implement in a few lines (docs/observability.md shows both), so that neither is a
// dependency. The client creates its instruments once, when it is created.
import { invalidArgument } from "../errors.ts";

/** Label values of one observation (label names as in the instrument's definition). */
export type MetricLabels = Readonly<Record<string, string>>;

/** What an instrument is: name, help text, label names and unit. */
export interface MetricDefinition {
  /** Prometheus-style name, e.g. `danube_client_messages_sent_total`. */
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** `1` for counts, `s` for seconds (UCUM, as OpenTelemetry expects). */
  readonly unit: string;
}

/** A histogram's definition: its bucket upper bounds, in the unit of the definition. */
export interface HistogramDefinition extends MetricDefinition {
  readonly buckets: readonly number[];
}

/** A monotonic counter (prom-client Counter.inc, OpenTelemetry Counter.add). */
export interface CounterInstrument {
  add(value: number, labels: MetricLabels): void;
}

/** A histogram (prom-client Histogram.observe, OpenTelemetry Histogram.record). */
export interface HistogramInstrument {
  record(value: number, labels: MetricLabels): void;
}

/** A value that goes up and down (prom-client Gauge.inc, OpenTelemetry UpDownCounter.add). */
export interface GaugeInstrument {
  add(delta: number, labels: MetricLabels): void;
}

/**
 * Instrument factories given as the client option `metrics`. Each is called once per metric the
 * client defines ({@link clientMetricDefinitions}), when the client is created.
 */
export interface ClientMetrics {
  counter(definition: MetricDefinition): CounterInstrument;
  histogram(definition: HistogramDefinition): HistogramInstrument;
  gauge(definition: MetricDefinition): GaugeInstrument;
}

const counter = (name: string, help: string, labelNames: readonly string[]): MetricDefinition => ({
  name,
  help,
  labelNames,
  unit: "1",
});

/** Every metric the client records. Label values are topic and subscription names, codes and fixed words. */
export const clientMetricDefinitions = {
  messagesSent: counter("danube_client_messages_sent_total", "Sends acknowledged by the broker", ["topic"]),
  sendFailures: counter("danube_client_send_failures_total", "Sends that failed (final outcome)", [
    "topic",
    "code",
  ]),
  sendsInFlight: counter("danube_client_sends_in_flight", "Sends accepted by send() and not settled yet", [
    "topic",
  ]),
  sendLatency: {
    name: "danube_client_send_latency_seconds",
    help: "Time from send() to the broker's acknowledgement, retries included",
    labelNames: ["topic"],
    unit: "s",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  } satisfies HistogramDefinition,
  messagesReceived: counter(
    "danube_client_messages_received_total",
    "Messages handed to the application by receive() or for await",
    ["topic", "subscription"],
  ),
  acks: counter("danube_client_acks_total", "Acks the broker accepted", ["topic", "subscription"]),
  ackFailures: counter("danube_client_ack_failures_total", "Acks that failed (final outcome)", [
    "topic",
    "subscription",
    "code",
  ]),
  nacks: counter("danube_client_nacks_total", "Nacks the broker accepted", ["topic", "subscription"]),
  nackFailures: counter("danube_client_nack_failures_total", "Nacks that failed (final outcome)", [
    "topic",
    "subscription",
    "code",
  ]),
  retries: counter("danube_client_retries_total", "Retries of a failed call (sends included)", ["operation"]),
  reconnectAttempts: counter(
    "danube_client_reconnect_attempts_total",
    "Recovery attempts of producers and consumers (each reconnecting status)",
    ["source", "topic"],
  ),
  reconnects: counter("danube_client_reconnects_total", "Recoveries that succeeded (reconnected status)", [
    "source",
    "topic",
  ]),
} as const;

/** The client's instruments, created from the option (or doing nothing without it). */
export interface ClientInstruments {
  /** False when no `metrics` option was given: callers skip the bookkeeping. */
  readonly enabled: boolean;
  readonly messagesSent: CounterInstrument;
  readonly sendFailures: CounterInstrument;
  readonly sendsInFlight: GaugeInstrument;
  readonly sendLatency: HistogramInstrument;
  readonly messagesReceived: CounterInstrument;
  readonly acks: CounterInstrument;
  readonly ackFailures: CounterInstrument;
  readonly nacks: CounterInstrument;
  readonly nackFailures: CounterInstrument;
  readonly retries: CounterInstrument;
  readonly reconnectAttempts: CounterInstrument;
  readonly reconnects: CounterInstrument;
}

const ignore = { add() {}, record() {} };

/** Checks the shape of the `metrics` option (once, in resolveClientOptions). */
export function validateMetrics(metrics: unknown): ClientMetrics | undefined {
  if (metrics === undefined) return undefined;
  const m = metrics as Partial<Record<keyof ClientMetrics, unknown>> | null;
  if (
    typeof m !== "object" ||
    m === null ||
    typeof m.counter !== "function" ||
    typeof m.histogram !== "function" ||
    typeof m.gauge !== "function"
  ) {
    throw invalidArgument("metrics", "must be an object with counter, histogram and gauge functions");
  }
  return metrics as ClientMetrics;
}

/**
 * Creates every instrument. A failing instrument never breaks a client call: its errors are
 * reported once to `onError` and the observation is dropped.
 */
export function createInstruments(
  metrics: ClientMetrics | undefined,
  onError: (error: unknown, metric: string) => void,
): ClientInstruments {
  const d = clientMetricDefinitions;
  if (metrics === undefined) {
    return {
      enabled: false,
      messagesSent: ignore,
      sendFailures: ignore,
      sendsInFlight: ignore,
      sendLatency: ignore,
      messagesReceived: ignore,
      acks: ignore,
      ackFailures: ignore,
      nacks: ignore,
      nackFailures: ignore,
      retries: ignore,
      reconnectAttempts: ignore,
      reconnects: ignore,
    };
  }
  const guard = <F extends (value: number, labels: MetricLabels) => void>(name: string, fn: F) => {
    let reported = false;
    return (value: number, labels: MetricLabels): void => {
      try {
        fn(value, labels);
      } catch (error) {
        if (!reported) onError(error, name);
        reported = true;
      }
    };
  };
  const makeCounter = (def: MetricDefinition): CounterInstrument => {
    const instrument = metrics.counter(def);
    return { add: guard(def.name, (v, l) => instrument.add(v, l)) };
  };
  const gauge = metrics.gauge(d.sendsInFlight);
  const histogram = metrics.histogram(d.sendLatency);
  return {
    enabled: true,
    messagesSent: makeCounter(d.messagesSent),
    sendFailures: makeCounter(d.sendFailures),
    sendsInFlight: { add: guard(d.sendsInFlight.name, (v, l) => gauge.add(v, l)) },
    sendLatency: { record: guard(d.sendLatency.name, (v, l) => histogram.record(v, l)) },
    messagesReceived: makeCounter(d.messagesReceived),
    acks: makeCounter(d.acks),
    ackFailures: makeCounter(d.ackFailures),
    nacks: makeCounter(d.nacks),
    nackFailures: makeCounter(d.nackFailures),
    retries: makeCounter(d.retries),
    reconnectAttempts: makeCounter(d.reconnectAttempts),
    reconnects: makeCounter(d.reconnects),
  };
}
