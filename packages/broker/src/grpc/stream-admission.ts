// Security for bidirectional streams: the call is authenticated when it opens (secure.ts); each
// frame is then admitted as the unary RPC it stands for (e.g. an ack frame as ConsumerService/Ack),
// with that RPC's rule, so a stream never allows more than the unary calls would.
import type { ServerDuplexStream } from "@grpc/grpc-js";

/** Admits one frame as a call to the unary RPC `path` with `request`; throws BrokerError when refused. */
export type FrameAdmission = (path: string, request: unknown) => void;

const admissions = new WeakMap<object, FrameAdmission>();

/** Set by the security wrapper when security is on. */
export function setFrameAdmission(call: ServerDuplexStream<unknown, unknown>, admit: FrameAdmission): void {
  admissions.set(call, admit);
}

/** The call's frame admission; with security off every frame is admitted. */
export function frameAdmission(call: ServerDuplexStream<unknown, unknown>): FrameAdmission {
  return admissions.get(call) ?? allowAll;
}

const allowAll: FrameAdmission = () => {};
