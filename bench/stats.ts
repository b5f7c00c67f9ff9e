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

/** A markdown table, padded as the repository's formatter (biome) writes it; nothing without rows. */
export function table(header: string[], align: ("l" | "r")[], rows: string[][]): string[] {
  if (rows.length === 0) return [];
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (align[i] === "r" ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(" | ")} |`;
  const rule = widths.map((w, i) => (align[i] === "r" ? `${"-".repeat(w - 1)}:` : "-".repeat(w)));
  return [line(header), `| ${rule.join(" | ")} |`, ...rows.map(line)];
}
