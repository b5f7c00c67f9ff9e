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

const stored = new WeakMap<StreamMessage, Uint8Array>();

/**
 * Records that `message` was decoded from the stored record `bytes` and since changed only in
 * `msgId` (the reliable dispatcher stamps topic and offset), so delivery can send those bytes.
 */
export function rememberStoredBytes(message: StreamMessage, bytes: Uint8Array): void {
  stored.set(message, bytes);
}

/**
 * The encoding of `message` to deliver: its stored bytes with the `msg_id` field (2) replaced by
 * the message's current one, else a fresh encoding. Protobuf decoders accept fields in any
 * order; the result decodes to exactly the message.
 */
export function deliveryEncoding(message: StreamMessage): Uint8Array {
  const bytes = stored.get(message);
  const spliced = bytes && message.msgId ? replaceMsgId(bytes, message.msgId) : undefined;
  return spliced ?? danube.StreamMessage.encode(message).finish();
}

const MSG_ID_TAG = (2 << 3) | 2; // field 2, length-delimited

/**
 * `bytes` (an encoded StreamMessage) with its msg_id field replaced by `msgId`; undefined when the
 * bytes hold something this splice does not handle (groups, a repeated msg_id, truncation).
 */
export function replaceMsgId(bytes: Uint8Array, msgId: danube.MsgID): Uint8Array | undefined {
  let start = -1;
  let end = -1;
  let pos = 0;
  while (pos < bytes.length) {
    const fieldStart = pos;
    const tag = readVarint(bytes, pos);
    if (tag === undefined) return undefined;
    pos = tag.next;
    switch (tag.value & 7) {
      case 0: {
        const value = readVarint(bytes, pos);
        if (value === undefined) return undefined;
        pos = value.next;
        break;
      }
      case 1:
        pos += 8;
        break;
      case 2: {
        const length = readVarint(bytes, pos);
        if (length === undefined) return undefined;
        pos = length.next + length.value;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        return undefined;
    }
    if (pos > bytes.length) return undefined;
    if (tag.value === MSG_ID_TAG) {
      if (start >= 0) return undefined;
      start = fieldStart;
      end = pos;
    }
  }
  const id = danube.MsgID.encode(msgId).finish();
  let header = 2; // the tag and the first byte of the length
  for (let n = id.length; n >= 0x80; n = Math.floor(n / 128)) header++;
  const before = Math.max(start, 0);
  const after = start >= 0 ? end : 0;
  const out = Buffer.allocUnsafe(before + header + id.length + bytes.length - after);
  out.set(bytes.subarray(0, before), 0);
  let at = before;
  out[at++] = MSG_ID_TAG;
  for (let n = id.length; ; n = Math.floor(n / 128)) {
    if (n < 0x80) {
      out[at++] = n;
      break;
    }
    out[at++] = (n & 0x7f) | 0x80;
  }
  out.set(id, at);
  out.set(bytes.subarray(after), at + id.length);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** A base-128 varint at `pos` as a number (exact up to 2^53), or undefined when truncated or too long. */
function readVarint(bytes: Uint8Array, pos: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    const byte = bytes[pos + i];
    if (byte === undefined) return undefined;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) return { value, next: pos + i + 1 };
  }
  return undefined;
}
