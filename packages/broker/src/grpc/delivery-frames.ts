// The Consume stream's delivery frames serialized from the messages' stored bytes (msg_id
// spliced, core/stored-bytes.ts) instead of encoding every message again, as
// serveStoredBytes does for the unary ReceiveMessages. Other frames are encoded as generated.
import type { consumeStream } from "@danube-ts/protocol";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import {
  type DeliveryPlan,
  planDelivery,
  varintSize,
  writeDelivery,
  writeVarint,
} from "../core/stored-bytes.ts";
import type { StreamMessage } from "../core/types.ts";
import { serializeScratch } from "./serialize-scratch.ts";

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
        ? encodeDelivery(response.frame.value.messages, serializeScratch)
        : original.responseSerialize(response),
  };
  return { ...definition, [method]: wrapped };
}

/**
 * ConsumeResponse{delivery: ConsumeDelivery{messages}}, each message as core/stored-bytes.ts plans
 * it, written into `output(length)` (a new buffer unless given).
 */
export function encodeDelivery(
  messages: readonly StreamMessage[],
  output: (length: number) => Buffer = Buffer.allocUnsafe,
): Buffer {
  const plans = new Array<DeliveryPlan>(messages.length);
  let inner = 0;
  for (let i = 0; i < messages.length; i++) {
    const plan = planDelivery(messages[i]!);
    plans[i] = plan;
    inner += 1 + varintSize(plan.length) + plan.length;
  }
  const out = output(1 + varintSize(inner) + inner);
  out[0] = FIELD_1_LEN;
  let at = writeVarint(out, 1, inner);
  for (const plan of plans) {
    out[at++] = FIELD_1_LEN;
    at = writeVarint(out, at, plan.length);
    at = writeDelivery(plan, out, at);
  }
  return out;
}
