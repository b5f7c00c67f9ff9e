// Small statistics and formatting helpers for the benchmark report.

/** The `p`-th percentile (0-100) of `values`, nearest-rank; NaN when empty. */
export function percentile(values: Float64Array, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Messages per second. */
export const perSecond = (messages: number, seconds: number): number =>
  seconds > 0 ? messages / seconds : 0;

/** A number with thousands separators and `digits` decimals; "n/a" when not finite or undefined. */
export const fmt = (n: number | undefined, digits = 0): string =>
  n !== undefined && Number.isFinite(n)
    ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "n/a";

/** µs of CPU per message. */
export const perMessage = (micros: number | undefined, messages: number): number | undefined =>
  micros === undefined || messages === 0 ? undefined : micros / messages;

/** A markdown table; nothing when there are no rows. */
export function table(header: string[], align: ("l" | "r")[], rows: string[][]): string[] {
  if (rows.length === 0) return [];
  return [
    `| ${header.join(" | ")} |`,
    `|${align.map((a) => (a === "r" ? "---:" : "---")).join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}
