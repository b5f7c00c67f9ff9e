/** Machine-readable reason attached to every {@link SchemaError}. */
export type SchemaErrorCode =
  /** The schema type string is not one of the known types or aliases. */
  | "UNKNOWN_SCHEMA_TYPE"
  /** The compatibility mode string is not one of the seven modes. */
  | "UNKNOWN_COMPATIBILITY_MODE"
  /** The compatibility rule set is neither `upstream` nor `strict`. */
  | "UNKNOWN_COMPATIBILITY_RULES"
  /** The schema definition does not parse or compile. */
  | "SCHEMA_INVALID"
  /** The schema is valid but the requested operation is not available for it. */
  | "SCHEMA_UNSUPPORTED";

/** Error thrown by the schema engine; `message` is readable and meant for end users. */
export class SchemaError extends Error {
  readonly code: SchemaErrorCode;

  constructor(code: SchemaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SchemaError";
    this.code = code;
  }
}

/** The message of an unknown thrown value. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
