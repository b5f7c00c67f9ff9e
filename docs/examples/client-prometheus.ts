// The client's `metrics` option backed by prom-client (docs/observability.md, "Client"). The
// docs test creates a client with it and scrapes the registry.
// example:start
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { ClientMetrics } from "../../packages/client/src/index.ts";

/** Client instruments registered in `registry`. */
export function prometheusMetrics(registry: Registry): ClientMetrics {
  return {
    counter(d) {
      const c = new Counter({ name: d.name, help: d.help, labelNames: d.labelNames, registers: [registry] });
      return { add: (value, labels) => c.inc(labels, value) };
    },
    histogram(d) {
      const h = new Histogram({
        name: d.name,
        help: d.help,
        labelNames: d.labelNames,
        buckets: [...d.buckets],
        registers: [registry],
      });
      return { record: (value, labels) => h.observe(labels, value) };
    },
    gauge(d) {
      const g = new Gauge({ name: d.name, help: d.help, labelNames: d.labelNames, registers: [registry] });
      return { add: (delta, labels) => g.inc(labels, delta) };
    },
  };
}
// example:end
