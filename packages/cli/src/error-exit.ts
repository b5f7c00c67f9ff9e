// Maps an error thrown by a command to its exit code (loads the client for `instanceof`).
import { DanubeError } from "@danube-ts/client";
import { UsageError } from "./args.ts";
import { ExitCode, errorCodeExit } from "./exit-codes.ts";

/** The exit code for an error thrown by a command. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return ExitCode.USAGE;
  if (err instanceof DanubeError) return errorCodeExit[err.code] ?? ExitCode.FAILURE;
  return ExitCode.FAILURE;
}
