// Process exit codes of the `danube` command, one per failure kind, listed in `danube --help`.
// Only types from the client here: help and usage errors must not load the client or broker.
import type { ErrorCode } from "@danube-ts/client";

/** Exit codes that do not come from a client error. */
export const ExitCode = {
  OK: 0,
  /** An unexpected failure (a bug, an I/O error). */
  FAILURE: 1,
  /** Bad command line: unknown command or flag, missing or malformed value. */
  USAGE: 2,
  /** The broker could not start (address in use, data dir not writable, ...). */
  BROKER_START: 3,
  /** Stopped by SIGINT (Ctrl-C) after a clean shutdown: 128 + 2, as shells report it. */
  INTERRUPTED: 130,
  /** Stopped by SIGTERM after a clean shutdown: 128 + 15. */
  TERMINATED: 143,
} as const;

/** The exit code after a stop signal (a clean shutdown, reported as shells and npx do). */
export function signalExitCode(signal: NodeJS.Signals | undefined): number {
  return signal === "SIGTERM" ? ExitCode.TERMINATED : ExitCode.INTERRUPTED;
}

/** Exit code for each client error code: 10 and up, in the order of `ErrorCode`. */
export const errorCodeExit: Readonly<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 10,
  NOT_FOUND: 11,
  ALREADY_EXISTS: 12,
  PERMISSION_DENIED: 13,
  UNAUTHENTICATED: 14,
  FAILED_PRECONDITION: 15,
  RESOURCE_EXHAUSTED: 16,
  UNAVAILABLE: 17,
  DEADLINE_EXCEEDED: 18,
  CANCELLED: 19,
  INTERNAL: 20,
  UNIMPLEMENTED: 21,
  CLOSED: 22,
  UNKNOWN: 23,
};

/** The exit code table as help text lines. */
export function exitCodeHelp(): string[] {
  const lines = [
    "  0   success",
    "  1   unexpected failure",
    "  2   usage error (unknown command or flag, bad value)",
    "  3   broker failed to start",
    "  130 stopped by Ctrl-C (SIGINT) after a clean shutdown; the same under npx",
    "  143 stopped by SIGTERM after a clean shutdown",
  ];
  for (const [code, exit] of Object.entries(errorCodeExit)) {
    lines.push(`  ${String(exit).padEnd(3)} client error ${code}`);
  }
  return lines;
}
