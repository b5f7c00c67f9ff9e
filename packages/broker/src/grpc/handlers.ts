import {
  type handleUnaryCall,
  Metadata,
  type MethodDefinition,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type ServiceError,
  status,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { BrokerError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { StorageError } from "../storage/index.ts";

/**
 * Longest status message sent. Messages echo names from the request, and the message travels in
 * an HTTP/2 trailer: a 1 MiB name echoed back exceeded the client's header limit, which dropped
 * the whole connection (every call on it failed) instead of answering the one bad call.
 */
export const MAX_DETAILS_LENGTH = 1024;

export function boundedDetails(details: string): string {
  if (details.length <= MAX_DETAILS_LENGTH) return details;
  const omitted = details.length - MAX_DETAILS_LENGTH;
  return `${details.slice(0, MAX_DETAILS_LENGTH)}… (${omitted} more characters)`;
}

/** Turns anything a handler threw into the status the caller sees; unexpected errors become INTERNAL. */
export function toServiceError(err: unknown, logger: Logger): Partial<ServiceError> {
  if (err instanceof BrokerError)
    return { code: err.code, details: boundedDetails(err.message), metadata: new Metadata() };
  // A storage failure (disk full, I/O error) is transient from the caller's view: retry later.
  if (err instanceof StorageError) {
    logger.warn("storage failure answered UNAVAILABLE", err);
    return { code: status.UNAVAILABLE, details: boundedDetails(err.message), metadata: new Metadata() };
  }
  logger.error("unexpected error in a gRPC handler", err);
  const message = err instanceof Error ? err.message : String(err);
  return { code: status.INTERNAL, details: boundedDetails(message), metadata: new Metadata() };
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

/** What a request deserializer returns instead of throwing: the bytes were not a valid message. */
class Malformed {
  constructor(readonly reason: string) {}
}

/** The INVALID_ARGUMENT status for a streamed frame that did not decode, else undefined. */
export function malformedFrame(frame: unknown): Partial<ServiceError> | undefined {
  return frame instanceof Malformed ? malformed(frame) : undefined;
}

/**
 * Wraps a service so that a request whose bytes do not decode answers INVALID_ARGUMENT (grpc-js
 * itself answers INTERNAL, which says the broker failed rather than the caller). Deserializers
 * return a marker instead of throwing; handlers see the marker and refuse the call.
 */
export function rejectMalformed(
  definition: ServiceDefinition,
  implementation: UntypedServiceImplementation,
): { definition: ServiceDefinition; implementation: UntypedServiceImplementation } {
  const safeDefinition: Record<string, MethodDefinition<unknown, unknown>> = {};
  const safeImplementation: Record<string, UntypedHandleCall> = {};
  for (const [name, method] of Object.entries(definition)) {
    safeDefinition[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch (err) {
          return new Malformed(err instanceof Error ? err.message : String(err));
        }
      },
    };
    const handler = implementation[name];
    if (!handler) continue;
    if (method.requestStream) {
      // Streamed requests (the danube-ts streams) arrive as frames: their handlers check each
      // frame and end the call with INVALID_ARGUMENT on the first bad one.
      safeImplementation[name] = handler;
    } else if (method.responseStream) {
      safeImplementation[name] = ((call: ServerWritableStream<unknown, unknown>) => {
        if (call.request instanceof Malformed) call.emit("error", malformed(call.request));
        else (handler as (call: ServerWritableStream<unknown, unknown>) => void)(call);
      }) as UntypedHandleCall;
    } else {
      safeImplementation[name] = ((call: ServerUnaryCall<unknown, unknown>, callback) => {
        if (call.request instanceof Malformed) callback(malformed(call.request));
        else (handler as handleUnaryCall<unknown, unknown>)(call, callback);
      }) as handleUnaryCall<unknown, unknown>;
    }
  }
  return { definition: safeDefinition, implementation: safeImplementation };
}

const malformed = (request: Malformed): Partial<ServiceError> => ({
  code: status.INVALID_ARGUMENT,
  details: boundedDetails(`The request could not be decoded: ${request.reason}`),
  metadata: new Metadata(),
});
