/**
 * A pino-compatible subset; the broker logs through whatever the embedding application gives it.
 * Arguments after the message are errors or {@link LogFields} objects (the context of the line).
 */
export interface Logger {
  debug(msg: string, ...args: unknown[]): void;
  info(msg: string, ...args: unknown[]): void;
  warn(msg: string, ...args: unknown[]): void;
  error(msg: string, ...args: unknown[]): void;
}

/**
 * Context of a log line; the names match the metrics' labels (docs/observability.md), so a log
 * line and a series can be joined on them.
 */
export interface LogFields {
  topic?: string;
  subscription?: string;
  producer?: string;
  consumer?: string;
  [key: string]: unknown;
}

const LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LEVELS)[number];

export const LogFormat = { Text: "text", Json: "json" } as const;
export type LogFormat = (typeof LogFormat)[keyof typeof LogFormat];

const isFields = (a: unknown): a is LogFields =>
  typeof a === "object" && a !== null && !(a instanceof Error) && !Array.isArray(a);

const plain = (value: unknown) => (typeof value === "bigint" ? String(value) : value);

function textOf(arg: unknown): string {
  if (arg instanceof Error) return arg.message;
  if (isFields(arg)) {
    return Object.entries(arg)
      .map(([k, v]) => `${k}=${typeof v === "string" ? JSON.stringify(v) : String(plain(v))}`)
      .join(" ");
  }
  return String(arg);
}

/**
 * Logs to stderr at `level` and above: one human-readable line per event (`text`), or one JSON
 * object per line (`json`: time, level, msg, the fields, and `err` for an error).
 */
export function consoleLogger(level: LogLevel = "warn", format: LogFormat = "text"): Logger {
  const min = LEVELS.indexOf(level);
  const at =
    (lvl: LogLevel) =>
    (msg: string, ...args: unknown[]) => {
      if (LEVELS.indexOf(lvl) < min) return;
      process.stderr.write(format === "json" ? jsonLine(lvl, msg, args) : textLine(lvl, msg, args));
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

function textLine(level: LogLevel, msg: string, args: unknown[]): string {
  const extra = args.length > 0 ? ` ${args.map(textOf).join(" ")}` : "";
  return `${new Date().toISOString()} ${level.toUpperCase()} danube-broker: ${msg}${extra}\n`;
}

function jsonLine(level: LogLevel, msg: string, args: unknown[]): string {
  const line: Record<string, unknown> = { time: new Date().toISOString(), level, name: "danube-broker", msg };
  const rest: string[] = [];
  for (const arg of args) {
    if (arg instanceof Error) line.err = { type: arg.name, message: arg.message };
    else if (isFields(arg)) for (const [k, v] of Object.entries(arg)) line[k] = plain(v);
    else rest.push(String(arg));
  }
  if (rest.length > 0) line.msg = `${msg} ${rest.join(" ")}`;
  return `${JSON.stringify(line, (_k, v) => plain(v))}\n`;
}

export function parseLogLevel(value: string | undefined, fallback: LogLevel): LogLevel {
  return LEVELS.find((l) => l === value?.toLowerCase()) ?? fallback;
}
