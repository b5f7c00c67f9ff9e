import {
  type handleUnaryCall,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type ServiceError,
  status,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { BrokerMetrics } from "./broker-metrics.ts";

/** Status codes as upstream's `error_code` label spells them (tonic's `Code` names). */
const CODE_NAMES = new Map<number, string>(
  Object.entries(status)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => [
      v as number,
      k.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase()),
    ]),
);
export const codeName = (code: number | undefined): string =>
  CODE_NAMES.get(code ?? status.UNKNOWN) ?? "Unknown";
export const ALL_CODE_NAMES = [...CODE_NAMES.values()];

const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

/** `/danube.ProducerService/SendMessage` → service `producer`, method `send_message` (upstream's labels). */
function labelsOf(path: string): { service: string; method: string } {
  const [, qualified = "", method = ""] = path.split("/");
  const service = qualified.slice(qualified.lastIndexOf(".") + 1).replace(/Service$/, "");
  return { service: snake(service), method: snake(method) };
}

interface SendRequest {
  msgId?: { topicName: string } | undefined;
  payload?: Uint8Array;
}

/**
 * Wraps every method of a service to count it in `danube_broker_rpc_total` and time unary calls
 * (`danube_ts_rpc_duration_seconds`); SendMessage also feeds the per-topic send series. One clock
 * read and two label lookups per call.
 */
export function timeService(
  definition: ServiceDefinition,
  implementation: UntypedServiceImplementation,
  metrics: BrokerMetrics,
): UntypedServiceImplementation {
  const timed: Record<string, UntypedHandleCall> = {};
  for (const [name, method] of Object.entries(definition)) {
    const handler = implementation[name];
    if (!handler) continue;
    const { service, method: rpc } = labelsOf(method.path);
    if (method.requestStream && !method.responseStream) {
      timed[name] = handler;
    } else if (method.responseStream) {
      timed[name] = ((call: ServerWritableStream<unknown, unknown>) => {
        let failed = false;
        call.once("error", () => {
          failed = true;
        });
        (handler as (call: ServerWritableStream<unknown, unknown>) => void)(call);
        // The stream is set up (or refused) synchronously; count it once, as upstream does.
        queueMicrotask(() => metrics.rpcDone(service, rpc, !failed, 0, false));
      }) as UntypedHandleCall;
    } else {
      const isSend = service === "producer" && rpc === "send_message";
      timed[name] = ((call: ServerUnaryCall<unknown, unknown>, callback) => {
        const started = performance.now();
        (handler as handleUnaryCall<unknown, unknown>)(call, (err, value, ...rest) => {
          const ms = performance.now() - started;
          const ok = err === null || err === undefined;
          metrics.rpcDone(service, rpc, ok, ms / 1000, true);
          if (isSend) {
            const req = call.request as SendRequest;
            const code = ok ? "OK" : codeName((err as Partial<ServiceError>).code);
            metrics.sendDone(req.msgId?.topicName ?? "", req.payload?.length ?? 0, ms, code);
          }
          callback(err, value, ...rest);
        });
      }) as handleUnaryCall<unknown, unknown>;
    }
  }
  return { ...implementation, ...timed };
}
