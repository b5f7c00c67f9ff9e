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
