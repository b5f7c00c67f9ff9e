/**
 * A Prometheus summary with one label (quantiles, `_sum` and `_count` per label value, over every
 * observation since start, as prom-client's Summary without maxAgeSeconds), made for the send hot
 * path: an observation is a few arithmetic operations and one map update (a logarithm only when
 * the value differs from the previous one). Quantiles come from logarithmic buckets (relative error at most 1%, as a
 * DDSketch); quantile 0 and 1 are the exact minimum and maximum. It registers itself in a
 * prom-client registry and renders as prom-client's Summary does.
 */
import type { Metric, Registry } from "prom-client";

/** One sample as prom-client's registry renders it. */
interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/** Bucket i holds values in (GAMMA^(i-1), GAMMA^i]; its representative is within 1% of each. */
const GAMMA = 1.02;
const LOG_GAMMA = Math.log(GAMMA);

class Sketch {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /** Observations <= 0 (reported as the minimum). */
  nonPositive = 0;
  readonly buckets = new Map<number, number>();
  #lastValue = Number.NaN;
  #lastIndex = 0;

  add(value: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value <= 0) {
      this.nonPositive++;
      return;
    }
    if (value !== this.#lastValue) {
      this.#lastValue = value;
      this.#lastIndex = Math.ceil(Math.log(value) / LOG_GAMMA);
    }
    const index = this.#lastIndex;
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
  }

  /** The q-quantile: the representative of the bucket holding the observation of rank ceil(q * count). */
  quantile(q: number, sorted: number[]): number {
    if (this.count === 0) return 0;
    if (q <= 0) return this.min;
    if (q >= 1) return this.max;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = this.nonPositive;
    if (seen >= rank) return this.min;
    for (const index of sorted) {
      seen += this.buckets.get(index) ?? 0;
      if (seen >= rank) {
        const representative = (2 * GAMMA ** index) / (GAMMA + 1);
        return Math.min(this.max, Math.max(this.min, representative));
      }
    }
    return this.max;
  }
}

export class QuantileSummary {
  readonly type = "summary";
  readonly aggregator = "sum";
  readonly #series = new Map<string, Sketch>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelName: string,
    private readonly quantiles: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** Observes `value` for the series `labelValue`. */
  observe(labelValue: string, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    let sketch = this.#series.get(labelValue);
    if (sketch === undefined) {
      sketch = new Sketch();
      this.#series.set(labelValue, sketch);
    }
    sketch.add(value);
  }

  /** Forgets the series `labelValue`. */
  remove(labelValue: string): void {
    this.#series.delete(labelValue);
  }

  reset(): void {
    this.#series.clear();
  }

  /** Count and sum of the series `labelValue` (zeros when it has none), without the quantiles. */
  totals(labelValue: string): { count: number; sum: number } {
    const sketch = this.#series.get(labelValue);
    return { count: sketch?.count ?? 0, sum: sketch?.sum ?? 0 };
  }

  /** What prom-client's registry reads: the same shape as its Summary's. */
  async get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: string }> {
    const values: Sample[] = [];
    for (const [labelValue, sketch] of this.#series) {
      const labels = { [this.labelName]: labelValue };
      const sorted = [...sketch.buckets.keys()].sort((a, b) => a - b);
      for (const quantile of this.quantiles) {
        values.push({ labels: { quantile, ...labels }, value: sketch.quantile(quantile, sorted) });
      }
      values.push({ metricName: `${this.name}_sum`, labels, value: sketch.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: sketch.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
