// Errors of the schema layer: every one is a DanubeError with a code from ErrorCode.
import type { ValidationIssue } from "@danube-ts/schema";
import { DanubeError, ErrorCode } from "../errors.ts";

/** Where a payload failed: while encoding a value to send, or decoding a received message. */
export const SerdePhase = {
  Encode: "encode",
  Decode: "decode",
} as const;
/** One of the values of {@link SerdePhase}. */
export type SerdePhase = (typeof SerdePhase)[keyof typeof SerdePhase];

const brand = Symbol.for("@danube-ts/client.SchemaValidationError");

/**
 * A payload that does not match its schema, code `INVALID_ARGUMENT`. The message names each
 * problem as `<path>: <reason>`; `issues` holds them as data.
 */
export class SchemaValidationError extends DanubeError {
  /** Encoding (before sending) or decoding (after receiving). */
  readonly phase: SerdePhase;
  /** Each problem with a JSON-pointer-like path (`/` is the whole value). */
  readonly issues: readonly ValidationIssue[];

  constructor(phase: SerdePhase, what: string, issues: ValidationIssue[], cause?: unknown) {
    const listed = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
    super(ErrorCode.INVALID_ARGUMENT, `${what}: ${listed}`, { cause });
    this.phase = phase;
    this.issues = Object.freeze(issues.map((i) => ({ ...i })));
    Object.defineProperty(this, brand, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && brand in value;
  }
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A payload that cannot be encoded or decoded, with one issue at `path`. */
export function payloadError(
  phase: SerdePhase,
  what: string,
  path: string,
  reason: string,
  cause?: unknown,
): SchemaValidationError {
  return new SchemaValidationError(phase, what, [{ path, message: reason }], cause);
}
