import { danube, type publishStream } from "@danube-ts/protocol";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { rememberReceivedBytes } from "../core/received-bytes.ts";
import { deliveryEncoding } from "../core/stored-bytes.ts";
import type { StreamMessage } from "../core/types.ts";

/**
 * The service with `method`'s decoded requests (StreamMessage) remembering the bytes they came in,
 * so the reliable publish path stores those bytes instead of encoding the message again.
 */
export function keepReceivedBytes(definition: ServiceDefinition, method: string): ServiceDefinition {
  const original = definition[method] as MethodDefinition<StreamMessage, unknown> | undefined;
  if (!original) throw new Error(`no method ${method} in the service definition`);
  const wrapped: MethodDefinition<StreamMessage, unknown> = {
    ...original,
    requestDeserialize: (bytes: Buffer) => {
      const message = original.requestDeserialize(bytes);
      rememberReceivedBytes(message, bytes);
      return message;
    },
  };
  return { ...definition, [method]: wrapped };
}

/**
 * The service with `method`'s responses (StreamMessage) serialized from their stored bytes where
 * the reliable dispatcher kept them (msg_id replaced), else encoded as usual.
 */
export function serveStoredBytes(definition: ServiceDefinition, method: string): ServiceDefinition {
  const original = definition[method] as MethodDefinition<unknown, StreamMessage> | undefined;
  if (!original) throw new Error(`no method ${method} in the service definition`);
  const wrapped: MethodDefinition<unknown, StreamMessage> = {
    ...original,
    responseSerialize: (message: StreamMessage) => deliveryEncoding(message),
  };
  return { ...definition, [method]: wrapped };
}

/**
 * The publish stream's service with each streamed message (a StreamMessage inside a PublishBatch
 * frame) remembering the sub-slice of the frame it was decoded from, as {@link keepReceivedBytes}
 * does for SendMessage.
 */
export function keepPublishedBytes(definition: ServiceDefinition, method: string): ServiceDefinition {
  const original = definition[method] as MethodDefinition<publishStream.PublishRequest, unknown> | undefined;
  if (!original) throw new Error(`no method ${method} in the service definition`);
  const wrapped: MethodDefinition<publishStream.PublishRequest, unknown> = {
    ...original,
    requestDeserialize: (bytes: Buffer) => decodeBatchFrame(bytes) ?? original.requestDeserialize(bytes),
  };
  return { ...definition, [method]: wrapped };
}

const BATCH_TAG = (2 << 3) | 2; // PublishRequest.batch: field 2, length-delimited
const MESSAGES_TAG = (1 << 3) | 2; // PublishBatch.messages: field 1, length-delimited
const AFTER_TAG = 2 << 3; // PublishBatch.after: field 2, varint

/**
 * A PublishRequest holding a batch, decoded as the generated decoder would, each message
 * remembering its bytes; undefined for anything else (an `open` frame, groups, truncation, a
 * field number 0, overlong varints): the generated decoder then decodes the frame and nothing is
 * remembered.
 */
export function decodeBatchFrame(bytes: Uint8Array): publishStream.PublishRequest | undefined {
  const frame = new Fields(bytes, 0, bytes.length);
  let batch: Fields | undefined;
  while (frame.more()) {
    const tag = frame.tag();
    // A later batch field replaces an earlier one, as in the generated decoder; an `open` field
    // would replace it: leave such frames to the generated decoder.
    if (tag === BATCH_TAG) batch = frame.lengthDelimited();
    else if (tag < 0 || tag >>> 3 === 1 || !frame.skip(tag & 7)) return undefined;
  }
  if (batch === undefined || frame.broken) return undefined;
  const messages: danube.StreamMessage[] = [];
  let after: bigint | undefined;
  while (batch.more()) {
    const tag = batch.tag();
    if (tag === MESSAGES_TAG) {
      const field = batch.lengthDelimited();
      if (field === undefined) return undefined;
      const slice = bytes.subarray(field.pos, field.end);
      const message = danube.StreamMessage.decode(slice);
      rememberReceivedBytes(message, slice);
      messages.push(message);
    } else if (tag === AFTER_TAG) {
      after = batch.uint64();
      if (after === undefined) return undefined;
    } else if (tag < 0 || !batch.skip(tag & 7)) {
      return undefined;
    }
  }
  if (batch.broken) return undefined;
  return { frame: { $case: "batch", value: { messages, after } } };
}

/** Walks the protobuf fields of `bytes[pos, end)`; any malformation sets `broken`. */
class Fields {
  broken = false;

  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  more(): boolean {
    return !this.broken && this.pos < this.end;
  }

  /** The next tag (a varint of at most 32 bits, field number not 0), else -1 (and broken). */
  tag(): number {
    const tag = this.varint32();
    if (tag >>> 3 === 0) this.broken = true;
    return this.broken ? -1 : tag;
  }

  /** The next length-delimited value's bytes (the walker moves past them). */
  lengthDelimited(): Fields | undefined {
    const length = this.varint32();
    const start = this.pos;
    this.pos += length;
    if (this.broken || this.pos > this.end) {
      this.broken = true;
      return undefined;
    }
    return new Fields(this.bytes, start, this.pos);
  }

  /** The next varint as a uint64 of at most 63 bits (9 bytes), else undefined (and broken). */
  uint64(): bigint | undefined {
    let value = 0n;
    for (let i = 0; i < 9; i++) {
      const byte = this.bytes[this.pos + i];
      if (byte === undefined || this.pos + i >= this.end) break;
      value |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if (byte < 0x80) {
        this.pos += i + 1;
        return value;
      }
    }
    this.broken = true;
    return undefined;
  }

  /** Moves past a value of `wireType`; false for groups (left to the generated decoder). */
  skip(wireType: number): boolean {
    switch (wireType) {
      case 0:
        this.uint64();
        break;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.lengthDelimited();
        break;
      case 5:
        this.pos += 4;
        break;
      default:
        this.broken = true;
    }
    if (this.pos > this.end) this.broken = true;
    return !this.broken;
  }

  /** A varint of at most 32 bits (5 bytes); else broken. */
  private varint32(): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const byte = this.bytes[this.pos + i];
      if (byte === undefined || this.pos + i >= this.end) break;
      value += (byte & 0x7f) * 2 ** (7 * i);
      if (byte < 0x80) {
        this.pos += i + 1;
        if (value > 0xffffffff) break;
        return value;
      }
    }
    this.broken = true;
    return 0;
  }
}
