// The publish stream's batch frame (proto/danube_ts/publish.proto), encoded by hand: sizes first,
// then one buffer, each payload copied once. The generated encoder grows a chunk list and copies
// every payload into it and again into the joined result, which cost about a quarter of the
// client's CPU per streamed send. The bytes are exactly those of `PublishRequest.encode`
// (publish-frame.test.ts compares them); other frames use the generated encoder.
import { type danube, publishStream } from "@danube-ts/protocol";
import { makeGenericClientConstructor } from "@grpc/grpc-js";

const maxUint64 = (1n << 64n) - 1n;

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** A uint64 as a number when that is exact, else the bigint (range-checked like the generated code). */
function u64(value: bigint, field: string): number | bigint {
  // Number() of a bigint above 2^53 - 1 rounds to at least 2^53: the range check keeps it exact.
  const n = Number(value);
  if (n >= 0 && n <= Number.MAX_SAFE_INTEGER) return n;
  if (value < 0n || value > maxUint64)
    throw new Error(`value provided for field ${field} of type uint64 too large`);
  return value;
}

function u64Size(value: number | bigint): number {
  if (typeof value === "number") return varintSize(value);
  let size = 1;
  while (value >= 0x80n) {
    value >>= 7n;
    size++;
  }
  return size;
}

/** One buffer being written front to back. */
class Out {
  readonly buf: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  varint(n: number): void {
    const buf = this.buf;
    while (n >= 0x80) {
      buf[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    buf[this.pos++] = n;
  }

  u64(value: number | bigint): void {
    if (typeof value === "number") {
      this.varint(value);
      return;
    }
    while (value >= 0x80n) {
      this.buf[this.pos++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.buf[this.pos++] = Number(value);
  }

  /** A length-delimited string whose UTF-8 length is `length`. */
  string(value: string, length: number): void {
    this.varint(length);
    this.pos += this.buf.write(value, this.pos, length, "utf8");
  }

  bytes(value: Uint8Array): void {
    this.varint(value.byteLength);
    this.buf.set(value, this.pos);
    this.pos += value.byteLength;
  }
}

/** UTF-8 lengths of the strings every message of a producer repeats, looked up once per frame. */
class Lengths {
  #last: string | undefined;
  #lastLength = 0;
  #other: string | undefined;
  #otherLength = 0;

  of(value: string): number {
    if (value === this.#last) return this.#lastLength;
    if (value === this.#other) return this.#otherLength;
    const length = Buffer.byteLength(value);
    this.#other = this.#last;
    this.#otherLength = this.#lastLength;
    this.#last = value;
    this.#lastLength = length;
    return length;
  }
}

/** The sizes of one message, from the sizing pass. */
interface Sized {
  requestId: number | bigint;
  publishTime: number | bigint;
  producerId: number | bigint;
  topicOffset: number | bigint;
  msgIdSize: number;
  topicLength: number;
  brokerLength: number;
  producerLength: number;
  subscriptionLength: number;
  routingKeyLength: number;
  size: number;
}

function sizeOf(message: danube.StreamMessage, lengths: Lengths): Sized {
  const requestId = u64(message.requestId, "message.requestId");
  const publishTime = u64(message.publishTime, "message.publishTime");
  let size = 0;
  if (requestId !== 0) size += 1 + u64Size(requestId);
  const msgId = message.msgId;
  let msgIdSize = 0;
  let producerId: number | bigint = 0;
  let topicOffset: number | bigint = 0;
  let topicLength = 0;
  let brokerLength = 0;
  if (msgId !== undefined) {
    producerId = u64(msgId.producerId, "message.producerId");
    topicOffset = u64(msgId.topicOffset, "message.topicOffset");
    if (producerId !== 0) msgIdSize += 1 + u64Size(producerId);
    if (msgId.topicName !== "") {
      topicLength = lengths.of(msgId.topicName);
      msgIdSize += 1 + varintSize(topicLength) + topicLength;
    }
    if (msgId.brokerAddr !== "") {
      brokerLength = lengths.of(msgId.brokerAddr);
      msgIdSize += 1 + varintSize(brokerLength) + brokerLength;
    }
    if (topicOffset !== 0) msgIdSize += 1 + u64Size(topicOffset);
    size += 1 + varintSize(msgIdSize) + msgIdSize;
  }
  const payloadLength = message.payload.byteLength;
  if (payloadLength !== 0) size += 1 + varintSize(payloadLength) + payloadLength;
  if (publishTime !== 0) size += 1 + u64Size(publishTime);
  let producerLength = 0;
  if (message.producerName !== "") {
    producerLength = lengths.of(message.producerName);
    size += 1 + varintSize(producerLength) + producerLength;
  }
  let subscriptionLength = 0;
  if (message.subscriptionName !== "") {
    subscriptionLength = Buffer.byteLength(message.subscriptionName);
    size += 1 + varintSize(subscriptionLength) + subscriptionLength;
  }
  const attributes = message.attributes;
  for (const key in attributes) {
    const entry = entrySize(key, attributes[key]!);
    size += 1 + varintSize(entry) + entry;
  }
  if (message.schemaId !== undefined) size += 1 + u64Size(u64(message.schemaId, "message.schemaId"));
  if (message.schemaVersion !== undefined) size += 1 + varintSize(message.schemaVersion >>> 0);
  let routingKeyLength = 0;
  if (message.routingKey !== undefined) {
    routingKeyLength = Buffer.byteLength(message.routingKey);
    size += 1 + varintSize(routingKeyLength) + routingKeyLength;
  }
  return {
    requestId,
    publishTime,
    producerId,
    topicOffset,
    msgIdSize,
    topicLength,
    brokerLength,
    producerLength,
    subscriptionLength,
    routingKeyLength,
    size,
  };
}

function entrySize(key: string, value: string): number {
  let size = 0;
  if (key !== "") {
    const length = Buffer.byteLength(key);
    size += 1 + varintSize(length) + length;
  }
  if (value !== "") {
    const length = Buffer.byteLength(value);
    size += 1 + varintSize(length) + length;
  }
  return size;
}

function writeMessage(out: Out, message: danube.StreamMessage, sized: Sized): void {
  if (sized.requestId !== 0) {
    out.buf[out.pos++] = 8;
    out.u64(sized.requestId);
  }
  const msgId = message.msgId;
  if (msgId !== undefined) {
    out.buf[out.pos++] = 18;
    out.varint(sized.msgIdSize);
    if (sized.producerId !== 0) {
      out.buf[out.pos++] = 8;
      out.u64(sized.producerId);
    }
    if (msgId.topicName !== "") {
      out.buf[out.pos++] = 18;
      out.string(msgId.topicName, sized.topicLength);
    }
    if (msgId.brokerAddr !== "") {
      out.buf[out.pos++] = 26;
      out.string(msgId.brokerAddr, sized.brokerLength);
    }
    if (sized.topicOffset !== 0) {
      out.buf[out.pos++] = 40;
      out.u64(sized.topicOffset);
    }
  }
  if (message.payload.byteLength !== 0) {
    out.buf[out.pos++] = 26;
    out.bytes(message.payload);
  }
  if (sized.publishTime !== 0) {
    out.buf[out.pos++] = 32;
    out.u64(sized.publishTime);
  }
  if (message.producerName !== "") {
    out.buf[out.pos++] = 42;
    out.string(message.producerName, sized.producerLength);
  }
  if (message.subscriptionName !== "") {
    out.buf[out.pos++] = 50;
    out.string(message.subscriptionName, sized.subscriptionLength);
  }
  const attributes = message.attributes;
  for (const key in attributes) {
    const value = attributes[key]!;
    out.buf[out.pos++] = 58;
    out.varint(entrySize(key, value));
    if (key !== "") {
      out.buf[out.pos++] = 10;
      out.string(key, Buffer.byteLength(key));
    }
    if (value !== "") {
      out.buf[out.pos++] = 18;
      out.string(value, Buffer.byteLength(value));
    }
  }
  if (message.schemaId !== undefined) {
    out.buf[out.pos++] = 64;
    out.u64(u64(message.schemaId, "message.schemaId"));
  }
  if (message.schemaVersion !== undefined) {
    out.buf[out.pos++] = 72;
    out.varint(message.schemaVersion >>> 0);
  }
  if (message.routingKey !== undefined) {
    out.buf[out.pos++] = 82;
    out.string(message.routingKey, sized.routingKeyLength);
  }
}

/** Encodes a PublishRequest: batch frames by hand, others with the generated encoder. */
export function encodePublishRequest(request: publishStream.PublishRequest): Buffer {
  const frame = request.frame;
  if (frame?.$case !== "batch") return Buffer.from(publishStream.PublishRequest.encode(request).finish());
  const { messages, after } = frame.value;
  const lengths = new Lengths();
  const sized: Sized[] = new Array(messages.length);
  let batchSize = 0;
  for (let i = 0; i < messages.length; i++) {
    const s = sizeOf(messages[i]!, lengths);
    sized[i] = s;
    batchSize += 1 + varintSize(s.size) + s.size;
  }
  const afterValue = after === undefined ? undefined : u64(after, "message.after");
  if (afterValue !== undefined) batchSize += 1 + u64Size(afterValue);
  const out = new Out(1 + varintSize(batchSize) + batchSize);
  out.buf[out.pos++] = 18; // PublishRequest.batch
  out.varint(batchSize);
  for (let i = 0; i < messages.length; i++) {
    const s = sized[i]!;
    out.buf[out.pos++] = 10; // PublishBatch.messages
    out.varint(s.size);
    writeMessage(out, messages[i]!, s);
  }
  if (afterValue !== undefined) {
    out.buf[out.pos++] = 16; // PublishBatch.after
    out.u64(afterValue);
  }
  if (out.pos !== out.buf.length)
    throw new Error(`publish frame: wrote ${out.pos} of ${out.buf.length} bytes`);
  return out.buf;
}

/** The generated PublishStream client, with batch frames encoded by {@link encodePublishRequest}. */
export const PublishStreamClient = makeGenericClientConstructor(
  {
    publish: { ...publishStream.PublishStreamService.publish, requestSerialize: encodePublishRequest },
  },
  "danube_ts.stream.PublishStream",
) as unknown as typeof publishStream.PublishStreamClient;
