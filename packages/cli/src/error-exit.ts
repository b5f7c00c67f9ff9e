// Maps an error thrown by a command to its words and exit code.
import { UsageError } from "./args.ts";
import { errorWords } from "./error-words.ts";
import { ExitCode, errorCodeExit } from "./exit-codes.ts";

/** The exit code for an error thrown by a command (after translating upstream's odd codes). */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return ExitCode.USAGE;
  const { code } = errorWords(err);
  return (
    (code !== undefined && Object.hasOwn(errorCodeExit, code) ? errorCodeExit[code] : undefined) ??
    ExitCode.FAILURE
  );
}

/** The message and exit code for an error thrown by a command. */
export function describeError(err: unknown): { message: string; exitCode: number } {
  return { message: errorWords(err).message, exitCode: exitCodeFor(err) };
}
