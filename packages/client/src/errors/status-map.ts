// The one place where gRPC statuses and other thrown values become DanubeErrors.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { DanubeError, ErrorCode } from "../errors.ts";

const byStatus: ReadonlyMap<number, ErrorCode> = new Map<number, ErrorCode>([
  [GrpcStatus.CANCELLED, ErrorCode.CANCELLED],
  [GrpcStatus.UNKNOWN, ErrorCode.UNKNOWN],
  [GrpcStatus.INVALID_ARGUMENT, ErrorCode.INVALID_ARGUMENT],
  [GrpcStatus.DEADLINE_EXCEEDED, ErrorCode.DEADLINE_EXCEEDED],
  [GrpcStatus.NOT_FOUND, ErrorCode.NOT_FOUND],
  [GrpcStatus.ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS],
  [GrpcStatus.PERMISSION_DENIED, ErrorCode.PERMISSION_DENIED],
  [GrpcStatus.RESOURCE_EXHAUSTED, ErrorCode.RESOURCE_EXHAUSTED],
  [GrpcStatus.FAILED_PRECONDITION, ErrorCode.FAILED_PRECONDITION],
  [GrpcStatus.ABORTED, ErrorCode.FAILED_PRECONDITION],
  [GrpcStatus.OUT_OF_RANGE, ErrorCode.INVALID_ARGUMENT],
  [GrpcStatus.UNIMPLEMENTED, ErrorCode.UNIMPLEMENTED],
  [GrpcStatus.INTERNAL, ErrorCode.INTERNAL],
  [GrpcStatus.UNAVAILABLE, ErrorCode.UNAVAILABLE],
  [GrpcStatus.DATA_LOSS, ErrorCode.INTERNAL],
  [GrpcStatus.UNAUTHENTICATED, ErrorCode.UNAUTHENTICATED],
]);

/** The client error code for a gRPC status code (transport failures arrive as UNAVAILABLE). */
export function codeFromGrpcStatus(grpcCode: number): ErrorCode {
  return byStatus.get(grpcCode) ?? ErrorCode.UNKNOWN;
}

/** The shape of a grpc-js `ServiceError` that the mapping needs. */
interface StatusLike {
  code: number;
  details?: string;
  message?: string;
}

function isStatusLike(value: unknown): value is StatusLike {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { code?: unknown }).code === "number" &&
    ("details" in value || "metadata" in value)
  );
}

/**
 * RESOURCE_EXHAUSTED for a message over a gRPC size limit (grpc-js: "Received message larger than
 * max", "Sent message larger than max"; tonic: "message length too large"). Retrying the same
 * bytes can never succeed, so it maps to INVALID_ARGUMENT (not retryable), like the client's own
 * maxMessageBytes check; other RESOURCE_EXHAUSTED (a busy broker) stays retryable.
 */
const oversized = /message larger than max|message length too large/i;

/** Converts a grpc-js ServiceError into a DanubeError; `operation` prefixes the message. */
export function fromServiceError(error: StatusLike, operation: string): DanubeError {
  const detail = error.details || error.message || GrpcStatus[error.code] || "unknown error";
  const code =
    error.code === GrpcStatus.RESOURCE_EXHAUSTED && oversized.test(detail)
      ? ErrorCode.INVALID_ARGUMENT
      : codeFromGrpcStatus(error.code);
  return new DanubeError(code, `${operation}: ${detail}`, { cause: error, grpcCode: error.code });
}

/** The error for an operation stopped through an AbortSignal or by close(). */
export function cancelledError(operation: string, reason?: unknown): DanubeError {
  const why = reason instanceof Error && reason.message ? ` (${reason.message})` : "";
  return new DanubeError(ErrorCode.CANCELLED, `${operation}: cancelled${why}`, { cause: reason });
}

/** The error for an operation whose deadline (timeoutMs) elapsed. */
export function deadlineError(operation: string): DanubeError {
  return new DanubeError(ErrorCode.DEADLINE_EXCEEDED, `${operation}: deadline exceeded`);
}

/** Converts anything thrown into a DanubeError, keeping DanubeErrors as they are. */
export function toDanubeError(error: unknown, operation: string): DanubeError {
  if (error instanceof DanubeError) return error;
  if (isStatusLike(error)) return fromServiceError(error, operation);
  if (error instanceof Error && error.name === "AbortError") return cancelledError(operation, error);
  if (error instanceof Error && error.name === "TimeoutError") return deadlineError(operation);
  const message = error instanceof Error ? error.message : String(error);
  return new DanubeError(ErrorCode.UNKNOWN, `${operation}: ${message}`, { cause: error });
}
