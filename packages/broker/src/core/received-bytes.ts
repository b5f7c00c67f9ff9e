/**
 * The bytes a message arrived in, kept beside the decoded message so the reliable publish path
 * stores them as received instead of encoding the message again. The transport that decoded the
 * message records them (grpc/handlers.ts for SendMessage); anything that builds or changes a
 * message itself (dead-lettering) records nothing, and the message is encoded as before.
 */
import { danube } from "@danube-ts/protocol";
import type { StreamMessage } from "./types.ts";

/**
 * Where a message keeps its received bytes: a non-enumerable property (a fraction of a WeakMap
 * entry's cost per message), so a copy made by spreading the message does not carry them.
 */
const RECEIVED = Symbol("received bytes");

/** Records that `message` was decoded from exactly `bytes` (which must not change afterwards). */
export function rememberReceivedBytes(message: StreamMessage, bytes: Uint8Array): void {
  Object.defineProperty(message, RECEIVED, { value: bytes });
}

/** The encoding of `message` to store: the bytes it was received in, else a fresh encoding. */
export function storedEncoding(message: StreamMessage): Uint8Array {
  const bytes = (message as { [RECEIVED]?: Uint8Array })[RECEIVED];
  return bytes ?? danube.StreamMessage.encode(message).finish();
}
