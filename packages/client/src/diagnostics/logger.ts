// The `logger` client option: the shape of a pino logger (and of most structured loggers), called
// as `logger.warn({ fields }, "message")`. Silent by default.
import { invalidArgument } from "../errors.ts";

/** One log method: an object of fields first, then the message (pino's calling convention). */
export type LogMethod = (fields: Record<string, unknown>, message: string) => void;

/** What the client logs through: pino, or anything with these five methods. */
export interface ClientLogger {
  trace: LogMethod;
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  /** When present, the client logs through `child({ name: "danube-ts-client" })`. */
  child?(bindings: Record<string, unknown>): ClientLogger;
}

const levels = ["trace", "debug", "info", "warn", "error"] as const;

/** The log level names of {@link ClientLogger}. */
export type LogLevel = (typeof levels)[number];

const nothing: LogMethod = () => {};

/** The default logger: drops everything. */
export const silentLogger: ClientLogger = Object.freeze({
  trace: nothing,
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
});

/** Checks the shape of the `logger` option (once, in resolveClientOptions). */
export function validateLogger(logger: unknown): ClientLogger | undefined {
  if (logger === undefined) return undefined;
  const l = logger as Partial<Record<LogLevel | "child", unknown>> | null;
  if (typeof l !== "object" || l === null || levels.some((level) => typeof l[level] !== "function")) {
    throw invalidArgument("logger", "must have trace, debug, info, warn and error functions (pino's shape)");
  }
  if (l.child !== undefined && typeof l.child !== "function") {
    throw invalidArgument("logger", "child must be a function when given");
  }
  return logger as ClientLogger;
}

/**
 * The logger the client uses: the option's (its child when it has `child`), with every call
 * guarded so that a throwing logger never breaks a client operation.
 */
export function clientLogger(logger: ClientLogger | undefined): ClientLogger {
  if (logger === undefined) return silentLogger;
  const base = typeof logger.child === "function" ? logger.child({ name: "danube-ts-client" }) : logger;
  const guarded = (level: LogLevel): LogMethod => {
    return (fields, message) => {
      try {
        base[level](fields, message);
      } catch {
        // A logger must not break the client.
      }
    };
  };
  return {
    trace: guarded("trace"),
    debug: guarded("debug"),
    info: guarded("info"),
    warn: guarded("warn"),
    error: guarded("error"),
  };
}
