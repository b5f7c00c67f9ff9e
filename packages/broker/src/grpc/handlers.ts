import {
  type handleUnaryCall,
  Metadata,
  type ServerUnaryCall,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { BrokerError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { StorageError } from "../storage/index.ts";

/** Turns anything a handler threw into the status the caller sees; unexpected errors become INTERNAL. */
export function toServiceError(err: unknown, logger: Logger): Partial<ServiceError> {
  if (err instanceof BrokerError) return { code: err.code, details: err.message, metadata: new Metadata() };
  // A storage failure (disk full, I/O error) is transient from the caller's view: retry later.
  if (err instanceof StorageError) {
    logger.warn("storage failure answered UNAVAILABLE", err);
    return { code: status.UNAVAILABLE, details: err.message, metadata: new Metadata() };
  }
  logger.error("unexpected error in a gRPC handler", err);
  const message = err instanceof Error ? err.message : String(err);
  return { code: status.INTERNAL, details: message, metadata: new Metadata() };
}

/** Adapts an async function to a grpc-js unary handler, mapping thrown errors to statuses. */
export function unary<Req, Res>(
  logger: Logger,
  fn: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res> | Res,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    let result: Promise<Res> | Res;
    try {
      result = fn(call.request, call);
    } catch (err) {
      callback(toServiceError(err, logger));
      return;
    }
    Promise.resolve(result).then(
      (response) => callback(null, response),
      (err: unknown) => callback(toServiceError(err, logger)),
    );
  };
}

/** Handler for RPCs that have no meaning on a single standalone broker. */
export function notInStandalone<Req, Res>(what: string): handleUnaryCall<Req, Res> {
  return (_call, callback) =>
    callback({ code: status.UNIMPLEMENTED, details: `${what} not available in standalone/edge mode` });
}
