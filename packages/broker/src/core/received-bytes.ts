/**
 * The bytes a message arrived in, kept beside the decoded message so the reliable publish path
 * stores them as received instead of encoding the message again. The transport that decoded the
 * message records them (grpc/handlers.ts for SendMessage); anything that builds or changes a
 * message itself (dead-lettering) records nothing, and the message is encoded as before.
 */
import { danube } from "@danube-ts/protocol";
import type { StreamMessage } from "./types.ts";

const received = new WeakMap<StreamMessage, Uint8Array>();

/** Records that `message` was decoded from exactly `bytes` (which must not change afterwards). */
export function rememberReceivedBytes(message: StreamMessage, bytes: Uint8Array): void {
  received.set(message, bytes);
}

/** The encoding of `message` to store: the bytes it was received in, else a fresh encoding. */
export function storedEncoding(message: StreamMessage): Uint8Array {
  return received.get(message) ?? danube.StreamMessage.encode(message).finish();
}
