/**
 * Delivery from stored bytes. The reliable dispatcher reads each record as a StoredMessage
 * (stored-message.ts: its fields walked, not decoded) whose msg_id is the stored offset's; the
 * transports send the record's bytes with the msg_id field (2) replaced instead of encoding the
 * message (grpc/keep-received.ts for ReceiveMessages, grpc/delivery-frames.ts for the Consume
 * stream). Protobuf decoders accept fields in any order, so the result decodes to exactly the
 * message; fields this version does not know are passed on as stored. A record the walk does not
 * take is decoded in full and remembers its bytes (rememberStoredBytes), spliced the same way.
 */
import { danube } from "@danube-ts/protocol";
import { StoredMessage } from "./stored-message.ts";
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

/** The message stored as `bytes` at `offset` of `topicName`; throws when the bytes do not decode. */
export function readStoredMessage(bytes: Uint8Array, topicName: string, offset: bigint): StreamMessage {
  const walked = StoredMessage.walk(bytes, topicName, offset);
  if (walked) return walked;
  const message = danube.StreamMessage.decode(bytes);
  message.msgId = {
    producerId: message.msgId?.producerId ?? 0n,
    topicName,
    brokerAddr: message.msgId?.brokerAddr ?? "",
    topicOffset: offset,
  };
  rememberStoredBytes(message, bytes);
  return message;
}

/** How to write one message's encoding: `bytes` with [start, end) replaced by the msg_id field. */
export interface DeliveryPlan {
  bytes: Uint8Array;
  /** -1: `bytes` is the whole encoding (nothing stored, or bytes the splice does not handle). */
  start: number;
  end: number;
  /** The new msg_id's fields: producer_id's varint, topic_name, broker_addr (each absent when empty), topic_offset. */
  producer: Uint8Array | undefined;
  topic: Uint8Array | undefined;
  broker: Uint8Array | undefined;
  offset: bigint;
  /** Length of the encoded MsgID (the field's content). */
  idLength: number;
  /** Length of the whole encoding. */
  length: number;
}

const MSG_ID_TAG = (2 << 3) | 2; // StreamMessage.msg_id: field 2, length-delimited

/** The plan for `message`'s delivery encoding (see writeDelivery). */
export function planDelivery(message: StreamMessage): DeliveryPlan {
  if (message instanceof StoredMessage) return planStored(message);
  const bytes = (message as { [STORED]?: Uint8Array })[STORED];
  const msgId = message.msgId;
  const found = bytes && msgId ? findMsgId(bytes) : undefined;
  if (!bytes || !msgId || !found) {
    const encoded = danube.StreamMessage.encode(message).finish();
    return plan(encoded, -1, -1, undefined, undefined, undefined, 0n);
  }
  const producer = msgId.producerId === 0n ? undefined : varint64Bytes(msgId.producerId);
  const topic = msgId.topicName === "" ? undefined : utf8(msgId.topicName);
  const broker = msgId.brokerAddr === "" ? undefined : utf8(msgId.brokerAddr);
  return plan(bytes, found[0], found[1], producer, topic, broker, msgId.topicOffset);
}

/**
 * The plan for a message read from the log: the stored producer_id and broker_addr go into the
 * new msg_id as stored where that is how they would be encoded (a minimal varint of at most 64
 * bits; ASCII), else as decoded and encoded again.
 */
function planStored(message: StoredMessage): DeliveryPlan {
  const { bytes, producerStart, producerEnd, brokerStart, brokerEnd } = message;
  let producer: Uint8Array | undefined;
  if (producerStart >= 0) {
    const raw = bytes.subarray(producerStart, producerEnd);
    const last = raw[raw.length - 1]!;
    const minimal = raw.length === 1 || (last !== 0 && (raw.length < 10 || last === 1));
    if (minimal) producer = raw.length > 1 || last !== 0 ? raw : undefined;
    else {
      const id = message.msgId.producerId;
      producer = id === 0n ? undefined : varint64Bytes(id);
    }
  }
  let broker: Uint8Array | undefined;
  if (brokerStart >= 0 && brokerEnd > brokerStart) {
    broker = bytes.subarray(brokerStart, brokerEnd);
    if (!ascii(broker)) broker = utf8(message.msgId.brokerAddr);
  }
  const topic = message.topicName === "" ? undefined : utf8(message.topicName);
  return plan(bytes, message.msgIdStart, message.msgIdEnd, producer, topic, broker, message.offset);
}

function plan(
  bytes: Uint8Array,
  start: number,
  end: number,
  producer: Uint8Array | undefined,
  topic: Uint8Array | undefined,
  broker: Uint8Array | undefined,
  offset: bigint,
): DeliveryPlan {
  if (start < 0)
    return { bytes, start, end, producer, topic, broker, offset, idLength: 0, length: bytes.length };
  let idLength = 0;
  if (producer) idLength += 1 + producer.length;
  if (topic) idLength += 1 + varintSize(topic.length) + topic.length;
  if (broker) idLength += 1 + varintSize(broker.length) + broker.length;
  if (offset !== 0n) idLength += 1 + varint64Size(offset);
  const length = bytes.length - (end - start) + 1 + varintSize(idLength) + idLength;
  return { bytes, start, end, producer, topic, broker, offset, idLength, length };
}

/** Writes the planned encoding (`plan.length` bytes) into `out` at `at`; returns the position after it. */
export function writeDelivery(plan: DeliveryPlan, out: Uint8Array, at: number): number {
  const { bytes, start, end, producer } = plan;
  if (start < 0) {
    out.set(bytes, at);
    return at + bytes.length;
  }
  out.set(bytes.subarray(0, start), at);
  at += start;
  out[at++] = MSG_ID_TAG;
  at = writeVarint(out, at, plan.idLength);
  if (producer) {
    out[at++] = (1 << 3) | 0;
    for (let i = 0; i < producer.length; i++) out[at++] = producer[i]!;
  }
  at = writeString(out, at, 2, plan.topic);
  at = writeString(out, at, 3, plan.broker);
  if (plan.offset !== 0n) {
    out[at++] = (5 << 3) | 0;
    at = writeVarint64(out, at, plan.offset);
  }
  out.set(bytes.subarray(end), at);
  return at + bytes.length - end;
}

/**
 * The encoding of `message` to deliver: its stored bytes with msg_id replaced, else a fresh
 * encoding; written into `output(length)` (a new buffer unless given).
 */
export function deliveryEncoding(
  message: StreamMessage,
  output: (length: number) => Buffer = Buffer.allocUnsafe,
): Buffer {
  const planned = planDelivery(message);
  const out = output(planned.length);
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

function varint64Bytes(n: bigint): Uint8Array {
  const out = new Uint8Array(varint64Size(n));
  writeVarint64(out, 0, n);
  return out;
}

function ascii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return false;
  return true;
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
