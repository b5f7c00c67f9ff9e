// OpenTelemetry for the client (docs/observability.md, "Client"): metrics through a Meter, and
// spans from the client's diagnostics_channel tracing channels. Only @opentelemetry/api is
// needed here; the application picks the SDK and exporters. The docs test runs both against a
// real broker.
// example:start
import type { TracingChannel } from "node:diagnostics_channel";
import { type Meter, type Span, SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import { type ClientMetrics, tracing } from "../../packages/client/src/index.ts";

/** Client instruments created on an OpenTelemetry meter. */
export function openTelemetryMetrics(meter: Meter): ClientMetrics {
  return {
    counter: (d) => meter.createCounter(d.name, { description: d.help, unit: d.unit }),
    histogram: (d) =>
      meter.createHistogram(d.name, {
        description: d.help,
        unit: d.unit,
        advice: { explicitBucketBoundaries: [...d.buckets] },
      }),
    gauge: (d) => meter.createUpDownCounter(d.name, { description: d.help, unit: d.unit }),
  };
}

const kinds: Partial<Record<keyof typeof tracing, SpanKind>> = {
  send: SpanKind.PRODUCER,
  receive: SpanKind.CONSUMER,
};

/** Span attributes from a channel context: plain fields, 64-bit ids as strings. */
function attributes(context: object): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = { "messaging.system": "danube" };
  for (const [key, value] of Object.entries(context)) {
    if (key === "result" || key === "error" || value === undefined) continue;
    if (typeof value === "bigint") out[`danube.${key}`] = value.toString();
    else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      out[`danube.${key}`] = value;
    }
  }
  if (typeof out["danube.topic"] === "string") out["messaging.destination.name"] = out["danube.topic"];
  return out;
}

/**
 * Opens one span per traced client operation (`danube-ts send`, `danube-ts ack`, ...), a child
 * of the span active where the operation was called. Returns the function that stops it.
 */
export function traceWithOpenTelemetry(tracer: Tracer): () => void {
  const spans = new WeakMap<object, Span>();
  const channels = Object.entries(tracing) as [keyof typeof tracing, TracingChannel<unknown, object>][];
  const stops = channels.map(([operation, channel]) => {
    const handlers = {
      start(context: object) {
        const kind = kinds[operation] ?? SpanKind.CLIENT;
        spans.set(
          context,
          tracer.startSpan(`danube-ts ${operation}`, { kind, attributes: attributes(context) }),
        );
      },
      end() {},
      asyncStart() {},
      error(context: object & { error?: unknown }) {
        const span = spans.get(context);
        const error = context.error;
        span?.recordException(error instanceof Error ? error : String(error));
        span?.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      },
      asyncEnd(context: object) {
        const span = spans.get(context);
        spans.delete(context);
        span?.setAttributes(attributes(context));
        span?.end();
      },
    };
    channel.subscribe(handlers);
    return () => channel.unsubscribe(handlers);
  });
  return () => {
    for (const stop of stops) stop();
  };
}
// example:end
