import { status } from "@grpc/grpc-js";

/** The gRPC status codes the broker answers with (numeric values of grpc's `status`). */
export const Status = {
  InvalidArgument: status.INVALID_ARGUMENT,
  NotFound: status.NOT_FOUND,
  AlreadyExists: status.ALREADY_EXISTS,
  PermissionDenied: status.PERMISSION_DENIED,
  FailedPrecondition: status.FAILED_PRECONDITION,
  ResourceExhausted: status.RESOURCE_EXHAUSTED,
  Unavailable: status.UNAVAILABLE,
  Internal: status.INTERNAL,
  Unimplemented: status.UNIMPLEMENTED,
  Unauthenticated: status.UNAUTHENTICATED,
} as const;
export type StatusCode = (typeof Status)[keyof typeof Status];

/**
 * A failure the broker reports to a caller. Core logic throws these with the status code and
 * message upstream Danube uses; the gRPC layer turns them into call statuses unchanged.
 */
export class BrokerError extends Error {
  override readonly name = "BrokerError";
  constructor(
    readonly code: StatusCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const invalidArgument = (message: string) => new BrokerError(Status.InvalidArgument, message);
export const notFound = (message: string) => new BrokerError(Status.NotFound, message);
export const alreadyExists = (message: string) => new BrokerError(Status.AlreadyExists, message);
export const permissionDenied = (message: string) => new BrokerError(Status.PermissionDenied, message);
export const failedPrecondition = (message: string) => new BrokerError(Status.FailedPrecondition, message);
export const unavailable = (message: string) => new BrokerError(Status.Unavailable, message);
export const internal = (message: string) => new BrokerError(Status.Internal, message);
