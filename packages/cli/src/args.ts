// Command-line parsing on node:util parseArgs, with errors that carry the command's usage.
import { parseArgs } from "node:util";

/** A bad command line; printed with the usage of the command and exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    /** Usage text of the command the error is about. */
    readonly usage: string,
  ) {
    super(message);
  }
}

/** One flag: a string value (possibly repeated) or a boolean switch. */
export interface FlagSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

/** Parsed flag values: strings, string lists, booleans; absent flags are undefined. */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** Parses `argv` strictly: unknown flags, stray positionals and missing values are usage errors. */
export function parseFlags(argv: string[], specs: FlagSpecs, usage: string): FlagValues {
  try {
    const { values } = parseArgs({ args: argv, options: specs, strict: true, allowPositionals: false });
    return values;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(message, usage);
  }
}

/** Reads flags out of parsed values, turning bad values into usage errors. */
export class Flags {
  constructor(
    private readonly values: FlagValues,
    private readonly usage: string,
  ) {}

  fail(message: string): never {
    throw new UsageError(message, this.usage);
  }

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  bool(name: string): boolean {
    return this.values[name] === true;
  }

  string(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === "string" ? value : undefined;
  }

  required(name: string): string {
    const value = this.string(name);
    if (value === undefined || value.length === 0) this.fail(`--${name} is required`);
    return value;
  }

  list(name: string): string[] {
    const value = this.values[name];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  }

  /** An integer flag of at least `min`; undefined when absent. */
  integer(name: string, min: number): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min) {
      this.fail(`--${name} must be an integer >= ${min}, got "${raw}"`);
    }
    return value;
  }

  /** A `host:port` flag (IPv6 hosts in brackets); `fallback` when absent. */
  address(name: string, fallback: string): HostPort {
    const raw = this.string(name) ?? fallback;
    const parsed = parseHostPort(raw);
    if (parsed === undefined)
      this.fail(`--${name} must be host:port with a port from 0 to 65535, got "${raw}"`);
    return parsed;
  }

  /** Repeated `key=value` flags as a record. */
  keyValues(name: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const item of this.list(name)) {
      const eq = item.indexOf("=");
      if (eq <= 0) this.fail(`--${name} must be key=value, got "${item}"`);
      out[item.slice(0, eq)] = item.slice(eq + 1);
    }
    return out;
  }

  /** One of `choices`, matched case-insensitively and returned as spelled in `choices`. */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const found = choices.find((c) => c.toLowerCase() === raw.toLowerCase());
    if (found === undefined) this.fail(`--${name} must be one of ${choices.join(", ")}, got "${raw}"`);
    return found;
  }
}

export interface HostPort {
  host: string;
  port: number;
}

/** Parses `host:port` or `[v6]:port`; undefined when malformed. */
export function parseHostPort(raw: string): HostPort | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(raw);
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host: (match[1] ?? match[2])!, port };
}
