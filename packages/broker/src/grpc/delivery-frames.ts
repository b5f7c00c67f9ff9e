// The Consume stream's delivery frames serialized from the messages' stored bytes (msg_id
// spliced, core/received-bytes.ts deliveryEncoding) instead of encoding every message again, as
// serveStoredBytes does for the unary ReceiveMessages. Other frames are encoded as generated.
import type { consumeStream } from "@danube-ts/protocol";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { deliveryEncoding } from "../core/received-bytes.ts";
import type { StreamMessage } from "../core/types.ts";

type Response = consumeStream.ConsumeResponse;

/** Tag of a length-delimited field 1: ConsumeResponse.delivery and ConsumeDelivery.messages. */
const FIELD_1_LEN = (1 << 3) | 2;

/** The Consume method of `definition` with delivery frames built from stored bytes. */
export function serveStoredDeliveries(definition: ServiceDefinition, method: string): ServiceDefinition {
  const original = definition[method] as MethodDefinition<unknown, Response> | undefined;
  if (!original) throw new Error(`no method ${method} in the service definition`);
  const wrapped: MethodDefinition<unknown, Response> = {
    ...original,
    responseSerialize: (response: Response) =>
      response.frame?.$case === "delivery"
        ? encodeDelivery(response.frame.value.messages)
        : original.responseSerialize(response),
  };
  return { ...definition, [method]: wrapped };
}

/** ConsumeResponse{delivery: ConsumeDelivery{messages}} with each message as deliveryEncoding gives it. */
export function encodeDelivery(messages: readonly StreamMessage[]): Buffer {
  const encoded = new Array<Uint8Array>(messages.length);
  let inner = 0;
  for (let i = 0; i < messages.length; i++) {
    const bytes = deliveryEncoding(messages[i]!);
    encoded[i] = bytes;
    inner += 1 + varintSize(bytes.length) + bytes.length;
  }
  const out = Buffer.allocUnsafe(1 + varintSize(inner) + inner);
  out[0] = FIELD_1_LEN;
  let at = writeVarint(out, 1, inner);
  for (const bytes of encoded) {
    out[at++] = FIELD_1_LEN;
    at = writeVarint(out, at, bytes.length);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Writes `n` (a non-negative safe integer) as a varint at `at`; returns the position after it. */
function writeVarint(out: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}
