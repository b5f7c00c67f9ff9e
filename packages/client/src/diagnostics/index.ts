// Public part of the client's observability: channel names and context types, metrics and logger
// option types, the metric definitions.
export type {
  AckContext,
  ConnectContext,
  CreateProducerContext,
  LookupContext,
  ReceiveContext,
  ReconnectContext,
  RetryMessage,
  SchemaContext,
  SendContext,
  SubscribeContext,
  TracedContext,
} from "./channels.ts";
export { ChannelName, tracing } from "./channels.ts";
export type { ClientLogger, LogLevel, LogMethod } from "./logger.ts";
export type {
  ClientMetrics,
  CounterInstrument,
  GaugeInstrument,
  HistogramDefinition,
  HistogramInstrument,
  MetricDefinition,
  MetricLabels,
} from "./metrics.ts";
export { clientMetricDefinitions } from "./metrics.ts";
export type { ObservabilityOptions } from "./observer.ts";
