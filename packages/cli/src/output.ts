// Machine-readable output: JSON with 64-bit numbers as strings, bytes as base64, dates as ISO text.
import type { Flags } from "./args.ts";

/** JSON.stringify replacer for values the CLI prints (bigint, bytes, Map, Date). */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return String(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}

/** One value as JSON; `pretty` indents it by two spaces. */
export function toJson(value: unknown, pretty = false): string {
  return JSON.stringify(value, replacer, pretty ? 2 : undefined) ?? "null";
}

export type ListOutput = "table" | "json";

/** `-o, --output table|json` of the list and describe commands (default table). */
export function listOutput(flags: Flags): ListOutput {
  return flags.choice("output", ["table", "json"] as const, "table");
}

/** The flag spec of `--output`. */
export const outputSpec = { output: { type: "string", short: "o" } } as const;
