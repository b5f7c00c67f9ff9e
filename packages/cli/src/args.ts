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
  return parseCommandLine(argv, specs, usage, 0).values;
}

/**
 * Parses `argv` strictly, allowing up to `maxPositionals` positional arguments (more, unknown
 * flags and missing values are usage errors).
 */
export function parseCommandLine(
  argv: string[],
  specs: FlagSpecs,
  usage: string,
  maxPositionals: number,
): { values: FlagValues; positionals: string[] } {
  let parsed: { values: FlagValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: specs, strict: true, allowPositionals: maxPositionals > 0 });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(message, usage);
  }
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals.slice(maxPositionals).join(" ");
    throw new UsageError(`unexpected argument(s): ${extra}`, usage);
  }
  return parsed;
}

/** Parses `argv` into {@link Flags} (with up to `maxPositionals` positional arguments). */
export function parseCommand(argv: string[], specs: FlagSpecs, usage: string, maxPositionals = 0): Flags {
  const { values, positionals } = parseCommandLine(argv, specs, usage, maxPositionals);
  return new Flags(values, usage, positionals);
}

/** Reads flags out of parsed values, turning bad values into usage errors. */
export class Flags {
  constructor(
    private readonly values: FlagValues,
    private readonly usage: string,
    /** Positional arguments, in order. */
    readonly positionals: readonly string[] = [],
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

  /**
   * The value of the first of `names` that was given (upstream spellings next to ours); a usage
   * error when two of them were given with different values.
   */
  oneOf(...names: string[]): string | undefined {
    const given = names.filter((n) => this.string(n) !== undefined);
    const values = new Set(given.map((n) => this.string(n)));
    if (values.size > 1) this.fail(`--${given.join(" and --")} name the same setting; give one`);
    return given.length === 0 ? undefined : this.string(given[0]!);
  }

  /** The value of flag `name`, else positional argument `index` (upstream takes both forms). */
  flagOrPositional(name: string, index: number): string | undefined {
    const flag = this.string(name);
    const positional = this.positionals[index];
    if (flag !== undefined && positional !== undefined && flag !== positional) {
      this.fail(`--${name} ${flag} and the argument "${positional}" disagree; give one`);
    }
    return flag ?? positional;
  }

  /** Like {@link flagOrPositional}, but a usage error when neither was given. */
  requiredFlagOrPositional(name: string, index: number): string {
    const value = this.flagOrPositional(name, index);
    if (value === undefined || value.length === 0) this.fail(`<${name}> (or --${name}) is required`);
    return value;
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

  /** An integer flag of at least `min` (and at most `max`); undefined when absent. */
  integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      this.fail(`--${name} must be an integer ${range}, got "${raw}"`);
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

  /** Repeated `key=value` flags as a record (the value taken verbatim). */
  keyValues(name: string, into: Record<string, string> = {}): Record<string, string> {
    for (const item of this.list(name)) {
      const eq = item.indexOf("=");
      if (eq <= 0) this.fail(`--${name} must be key=value, got "${item}"`);
      into[item.slice(0, eq)] = item.slice(eq + 1);
    }
    return into;
  }

  /**
   * Repeated upstream-style lists `key:value,key2:value2` (`key=value` accepted too) as a record;
   * keys and values are trimmed, as upstream does.
   */
  keyValueLists(name: string, into: Record<string, string> = {}): Record<string, string> {
    for (const list of this.list(name)) {
      for (const pair of list.split(",")) {
        const at = pair.search(/[:=]/);
        const key = at < 0 ? "" : pair.slice(0, at).trim();
        if (key === "") this.fail(`--${name} must be key:value[,key:value...], got "${list}"`);
        into[key] = pair.slice(at + 1).trim();
      }
    }
    return into;
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
