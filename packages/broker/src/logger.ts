/** A pino-compatible subset; the broker logs through whatever the embedding application gives it. */
export interface Logger {
  debug(msg: string, ...args: unknown[]): void;
  info(msg: string, ...args: unknown[]): void;
  warn(msg: string, ...args: unknown[]): void;
  error(msg: string, ...args: unknown[]): void;
}

const LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LEVELS)[number];

/** Logs to stderr at `level` and above. */
export function consoleLogger(level: LogLevel = "warn"): Logger {
  const min = LEVELS.indexOf(level);
  const at =
    (lvl: LogLevel) =>
    (msg: string, ...args: unknown[]) => {
      if (LEVELS.indexOf(lvl) < min) return;
      const extra =
        args.length > 0 ? ` ${args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ")}` : "";
      process.stderr.write(
        `${new Date().toISOString()} ${lvl.toUpperCase()} danube-broker: ${msg}${extra}\n`,
      );
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export function parseLogLevel(value: string | undefined, fallback: LogLevel): LogLevel {
  return LEVELS.find((l) => l === value?.toLowerCase()) ?? fallback;
}
