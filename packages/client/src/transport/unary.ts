// The adapter every unary RPC of the client runs through: the call context's deadline becomes the
// gRPC deadline, its abort becomes call.cancel() (or the owner's CallStop cancels it), and a failed
// status becomes a DanubeError.
import type { ClientUnaryCall, CallOptions as GrpcCallOptions, ServiceError } from "@grpc/grpc-js";
import { abortError, type CallContext, grpcCallOptions, onAbort, throwIfStopped } from "../call-context.ts";
import { fromServiceError } from "../errors/status-map.ts";

/** The callback-style invocation of one unary RPC. */
export type UnaryInvoker<Res> = (
  options: Partial<GrpcCallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** Runs one unary RPC under `ctx`: deadline as gRPC deadline, abort as call.cancel(). */
export function unaryCall<Res>(ctx: CallContext, rpc: string, invoke: UnaryInvoker<Res>): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    try {
      throwIfStopped(ctx);
    } catch (error) {
      reject(error);
      return;
    }
    const stop = ctx.stop;
    let call: ClientUnaryCall | undefined;
    // The owner's stop replaces a per-call listener and grpc-js's per-call deadline timer.
    const unsubscribe = stop === undefined ? onAbort(ctx, () => call?.cancel()) : noop;
    call = invoke(stop === undefined ? grpcCallOptions(ctx) : {}, (error, response) => {
      unsubscribe();
      stop?.onStop(undefined);
      if (error === null) {
        resolve(response);
        return;
      }
      reject(abortError(ctx) ?? fromServiceError(error, `${ctx.operation} (${rpc})`));
    });
    stop?.onStop(() => call?.cancel());
  });
}

const noop = (): void => {};
