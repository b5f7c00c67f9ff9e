// The one place every RPC of every service passes through authentication and authorization.
import {
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import type { Logger } from "../logger.ts";
import type { Principal } from "../security/authenticate.ts";
import type { Security } from "../security/security.ts";
import { toServiceError } from "./handlers.ts";
import { setFrameAdmission } from "./stream-admission.ts";

type Handler = (...args: unknown[]) => unknown;

/** The principal a bidirectional stream was opened by (set only when security is enabled). */
export const streamPrincipals = new WeakMap<object, Principal>();

function unimplemented(path: string): Handler {
  return (_call: unknown, callback?: unknown) => {
    const error = { code: status.UNIMPLEMENTED, details: `${path} is not implemented` };
    if (typeof callback === "function") callback(error);
    else (_call as ServerWritableStream<unknown, unknown>).emit("error", error);
  };
}

/**
 * Wraps every method of `implementation` (methods it lacks answer UNIMPLEMENTED, after the
 * checks) so that the call is admitted by `security` before its handler runs.
 */
export function secureService(
  definition: ServiceDefinition,
  implementation: object,
  security: Security,
  logger: Logger,
): object {
  const impl = implementation as Record<string, Handler | undefined>;
  const out: Record<string, Handler> = {};
  for (const [name, method] of Object.entries(definition)) {
    const inner = impl[name] ?? unimplemented(method.path);
    if (!method.requestStream && !method.responseStream) {
      out[name] = (call: unknown, callback: unknown) => {
        const unaryCall = call as ServerUnaryCall<unknown, unknown>;
        const done = callback as sendUnaryData<unknown>;
        let admission: ReturnType<Security["admit"]>;
        try {
          admission = security.admit(
            method.path,
            unaryCall.metadata,
            unaryCall.getAuthContext(),
            unaryCall.request,
          );
        } catch (err) {
          done(toServiceError(err, logger));
          return;
        }
        const after = admission.after;
        if (!after) return inner(call, callback);
        const observed: sendUnaryData<unknown> = (err, value, ...rest) => {
          if (err) return done(err, value, ...rest);
          Promise.resolve()
            .then(() => after(value as Record<string, unknown>))
            .then(
              () => done(null, value, ...rest),
              (e: unknown) => done(toServiceError(e, logger)),
            );
        };
        return inner(call, observed);
      };
    } else if (!method.requestStream) {
      out[name] = (call: unknown) => {
        const stream = call as ServerWritableStream<unknown, unknown>;
        try {
          security.admit(method.path, stream.metadata, stream.getAuthContext(), stream.request);
        } catch (err) {
          stream.emit("error", toServiceError(err, logger));
          return;
        }
        return inner(call);
      };
    } else if (method.responseStream) {
      // Bidirectional (the danube-ts streams): authenticated once when opened. Each frame is then
      // admitted by its handler as the unary RPC it stands for: the publish stream through
      // `security.admitAs` with the principal kept here, the consume stream through the frame
      // admission set here (stream-admission.ts).
      out[name] = (call: unknown) => {
        const stream = call as ServerDuplexStream<unknown, unknown>;
        try {
          const principal = security.authenticator.authenticate(stream.metadata, stream.getAuthContext());
          streamPrincipals.set(stream, principal);
        } catch (err) {
          stream.emit("error", toServiceError(err, logger));
          return;
        }
        setFrameAdmission(stream, (path, request) => {
          security.admit(path, stream.metadata, stream.getAuthContext(), request);
        });
        return inner(call);
      };
    } else {
      // No client-streaming RPC exists in the danube protocols; refuse rather than pass unchecked.
      out[name] = (call: unknown, callback?: unknown) => {
        const error = { code: status.UNIMPLEMENTED, details: `${method.path} is not supported` };
        if (typeof callback === "function") callback(error);
        else (call as ServerWritableStream<unknown, unknown>).emit("error", error);
      };
    }
  }
  return out;
}
