/**
 * Machine-readable error codes carried by every {@link DanubeError}.
 *
 * Most mirror gRPC status codes; `CLOSED` means the client, producer or consumer was used
 * after `close()`.
 */
export const ErrorCode = {
  INVALID_ARGUMENT: "INVALID_ARGUMENT",
  NOT_FOUND: "NOT_FOUND",
  ALREADY_EXISTS: "ALREADY_EXISTS",
  PERMISSION_DENIED: "PERMISSION_DENIED",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FAILED_PRECONDITION: "FAILED_PRECONDITION",
  RESOURCE_EXHAUSTED: "RESOURCE_EXHAUSTED",
  UNAVAILABLE: "UNAVAILABLE",
  DEADLINE_EXCEEDED: "DEADLINE_EXCEEDED",
  CANCELLED: "CANCELLED",
  INTERNAL: "INTERNAL",
  UNIMPLEMENTED: "UNIMPLEMENTED",
  CLOSED: "CLOSED",
  UNKNOWN: "UNKNOWN",
} as const;

/** One of the values of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const retryableCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.UNAVAILABLE,
  ErrorCode.DEADLINE_EXCEEDED,
  ErrorCode.RESOURCE_EXHAUSTED,
]);

/** Whether an operation failing with `code` may succeed when tried again. */
export function isRetryableCode(code: ErrorCode): boolean {
  return retryableCodes.has(code);
}

/** Extra fields of a {@link DanubeError}. */
export interface DanubeErrorOptions {
  /** The underlying error (a grpc-js ServiceError, an abort reason, ...). */
  cause?: unknown;
  /** The gRPC status code the broker answered with, when there was one. */
  grpcCode?: number;
}

const brand = Symbol.for("@danube-ts/client.DanubeError");

/**
 * The one error type thrown by the client.
 *
 * `instanceof DanubeError` also holds for errors created by another copy of this package.
 */
export class DanubeError extends Error {
  override readonly name = "DanubeError";
  /** What went wrong, machine readable. */
  readonly code: ErrorCode;
  /** Whether the same operation may succeed when tried again. */
  readonly retryable: boolean;
  /** The gRPC status code, when the error came from an RPC. */
  readonly grpcCode: number | undefined;

  constructor(code: ErrorCode, message: string, options: DanubeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = isRetryableCode(code);
    this.grpcCode = options.grpcCode;
    Object.defineProperty(this, brand, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && brand in value;
  }
}

/** A `DanubeError` with code `INVALID_ARGUMENT` naming the offending option. */
export function invalidArgument(option: string, problem: string): DanubeError {
  return new DanubeError(ErrorCode.INVALID_ARGUMENT, `${option} ${problem}`);
}

/** A `DanubeError` with code `CLOSED` for use after close. */
export function closedError(what: string): DanubeError {
  return new DanubeError(ErrorCode.CLOSED, `${what} is closed`);
}
