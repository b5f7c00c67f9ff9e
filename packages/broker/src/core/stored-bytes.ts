/**
 * Delivery from stored bytes. The reliable dispatcher decodes each record it reads and then only
 * stamps the message's msg_id (topic, offset); the transports send the record's bytes with the
 * msg_id field (2) replaced instead of encoding the message again (grpc/keep-received.ts for
 * ReceiveMessages, grpc/delivery-frames.ts for the Consume stream). Protobuf decoders accept
 * fields in any order, so the result decodes to exactly the message; fields this version does not
 * know are passed on as stored.
 */
import { danube } from "@danube-ts/protocol";
import type { StreamMessage } from "./types.ts";
import { WireFields } from "./wire-fields.ts";

/**
 * Where a message keeps its stored bytes: a non-enumerable property, as received-bytes.ts keeps
 * received ones (cheaper than a WeakMap entry per delivered message; a spread copy carries none).
 */
const STORED = Symbol("stored bytes");

/**
 * Records that `message` was decoded from the stored record `bytes` (which must not change) and
 * since changed only in `msgId`, so delivery can send those bytes.
 */
export function rememberStoredBytes(message: StreamMessage, bytes: Uint8Array): void {
  Object.defineProperty(message, STORED, { value: bytes, configurable: true });
}

/** How to write one message's encoding: `bytes` with [start, end) replaced by the msg_id field. */
export interface DeliveryPlan {
  bytes: Uint8Array;
  /** -1: `bytes` is the whole encoding (nothing stored, or bytes the splice does not handle). */
  start: number;
  end: number;
  msgId: danube.MsgID | undefined;
  topic: Uint8Array | undefined;
  broker: Uint8Array | undefined;
  /** Length of the encoded MsgID (the field's content). */
  idLength: number;
  /** Length of the whole encoding. */
  length: number;
}

const MSG_ID_TAG = (2 << 3) | 2; // StreamMessage.msg_id: field 2, length-delimited

/** The plan for `message`'s delivery encoding (see writeDelivery). */
export function planDelivery(message: StreamMessage): DeliveryPlan {
  const bytes = (message as { [STORED]?: Uint8Array })[STORED];
  const msgId = message.msgId;
  const found = bytes && msgId ? findMsgId(bytes) : undefined;
  if (!bytes || !msgId || !found) {
    const encoded = danube.StreamMessage.encode(message).finish();
    return plan(encoded, -1, -1, undefined, undefined, undefined, 0, encoded.length);
  }
  const topic = msgId.topicName === "" ? undefined : utf8(msgId.topicName);
  const broker = msgId.brokerAddr === "" ? undefined : utf8(msgId.brokerAddr);
  let idLength = 0;
  if (msgId.producerId !== 0n) idLength += 1 + varint64Size(msgId.producerId);
  if (topic) idLength += 1 + varintSize(topic.length) + topic.length;
  if (broker) idLength += 1 + varintSize(broker.length) + broker.length;
  if (msgId.topicOffset !== 0n) idLength += 1 + varint64Size(msgId.topicOffset);
  const [start, end] = found;
  const length = bytes.length - (end - start) + 1 + varintSize(idLength) + idLength;
  return plan(bytes, start, end, msgId, topic, broker, idLength, length);
}

function plan(
  bytes: Uint8Array,
  start: number,
  end: number,
  msgId: danube.MsgID | undefined,
  topic: Uint8Array | undefined,
  broker: Uint8Array | undefined,
  idLength: number,
  length: number,
): DeliveryPlan {
  return { bytes, start, end, msgId, topic, broker, idLength, length };
}

/** Writes the planned encoding (`plan.length` bytes) into `out` at `at`; returns the position after it. */
export function writeDelivery(plan: DeliveryPlan, out: Uint8Array, at: number): number {
  const { bytes, start, end, msgId } = plan;
  if (start < 0 || !msgId) {
    out.set(bytes, at);
    return at + bytes.length;
  }
  out.set(bytes.subarray(0, start), at);
  at += start;
  out[at++] = MSG_ID_TAG;
  at = writeVarint(out, at, plan.idLength);
  if (msgId.producerId !== 0n) {
    out[at++] = (1 << 3) | 0;
    at = writeVarint64(out, at, msgId.producerId);
  }
  at = writeString(out, at, 2, plan.topic);
  at = writeString(out, at, 3, plan.broker);
  if (msgId.topicOffset !== 0n) {
    out[at++] = (5 << 3) | 0;
    at = writeVarint64(out, at, msgId.topicOffset);
  }
  out.set(bytes.subarray(end), at);
  return at + bytes.length - end;
}

/** The encoding of `message` to deliver: its stored bytes with msg_id replaced, else a fresh encoding. */
export function deliveryEncoding(message: StreamMessage): Buffer {
  const planned = planDelivery(message);
  const out = Buffer.allocUnsafe(planned.length);
  writeDelivery(planned, out, 0);
  return out;
}

/**
 * Where the msg_id field is in `bytes` (an encoded StreamMessage): [start, end), [0, 0) when there
 * is none (the new one goes first); undefined when the bytes hold something this splice does not
 * handle (malformed or a group, wire-fields.ts; a repeated msg_id).
 */
function findMsgId(bytes: Uint8Array): [number, number] | undefined {
  const fields = new WireFields(bytes);
  let start = -1;
  let end = -1;
  while (fields.more()) {
    const fieldStart = fields.pos;
    const tag = fields.tag();
    if (tag < 0 || !fields.skip(tag & 7)) return undefined;
    if (tag === MSG_ID_TAG) {
      if (start >= 0) return undefined;
      start = fieldStart;
      end = fields.pos;
    }
  }
  return start >= 0 ? [start, end] : [0, 0];
}

export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Writes `n` (a non-negative safe integer) as a varint at `at`; returns the position after it. */
export function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function varint64Size(n: bigint): number {
  if (n >= 0n && n <= MAX_SAFE) return varintSize(Number(n));
  let size = 1;
  for (let v = BigInt.asUintN(64, n); v >= 0x80n; v >>= 7n) size++;
  return size;
}

function writeVarint64(out: Uint8Array, at: number, n: bigint): number {
  if (n >= 0n && n <= MAX_SAFE) return writeVarint(out, at, Number(n));
  let v = BigInt.asUintN(64, n);
  while (v >= 0x80n) {
    out[at++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  out[at++] = Number(v);
  return at;
}

function writeString(out: Uint8Array, at: number, field: number, value: Uint8Array | undefined): number {
  if (!value) return at;
  out[at++] = (field << 3) | 2;
  at = writeVarint(out, at, value.length);
  out.set(value, at);
  return at + value.length;
}

/** UTF-8 encodings of recent topic and broker names (a handful per broker). */
const names = new Map<string, Uint8Array>();
const MAX_NAMES = 1024;

function utf8(value: string): Uint8Array {
  let bytes = names.get(value);
  if (!bytes) {
    if (names.size >= MAX_NAMES) names.clear();
    bytes = Buffer.from(value, "utf8");
    names.set(value, bytes);
  }
  return bytes;
}
