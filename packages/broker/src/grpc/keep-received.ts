import { danube, type publishStream } from "@danube-ts/protocol";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { rememberReceivedBytes } from "../core/received-bytes.ts";
import { deliveryEncoding } from "../core/stored-bytes.ts";
import type { StreamMessage } from "../core/types.ts";
import { WireFields } from "../core/wire-fields.ts";
import { serializeScratch } from "./serialize-scratch.ts";

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
    responseSerialize: (message: StreamMessage) => deliveryEncoding(message, serializeScratch),
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
  const frame = new WireFields(bytes);
  let batchStart = -1;
  let batchEnd = -1;
  while (frame.more()) {
    const tag = frame.tag();
    // A later batch field replaces an earlier one, as in the generated decoder; an `open` field
    // would replace it: leave such frames to the generated decoder.
    if (tag === BATCH_TAG) {
      batchStart = frame.lengthDelimited();
      batchEnd = frame.pos;
    } else if (tag < 0 || tag >>> 3 === 1 || !frame.skip(tag & 7)) return undefined;
  }
  if (batchStart < 0 || frame.error !== undefined) return undefined;
  const batch = frame.reset(batchStart, batchEnd);
  const messages: danube.StreamMessage[] = [];
  let after: bigint | undefined;
  while (batch.more()) {
    const tag = batch.tag();
    if (tag === MESSAGES_TAG) {
      const start = batch.lengthDelimited();
      if (start < 0) return undefined;
      const slice = bytes.subarray(start, batch.pos);
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
  if (batch.error !== undefined) return undefined;
  return { frame: { $case: "batch", value: { messages, after } } };
}
