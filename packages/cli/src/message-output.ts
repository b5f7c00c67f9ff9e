// How `danube consume` prints a message: a safe line (default), the raw payload, or one JSON object.
import type { Message, ResolvedSchema } from "@danube-ts/client";
import { toJson } from "./output.ts";
import { escapeText, safePayload, utf8OrUndefined } from "./payload-format.ts";

export const consumeOutputs = ["text", "raw", "json"] as const;
export type ConsumeOutput = (typeof consumeOutputs)[number];

/** A message's value decoded with its writer schema, when it has one and decoding worked. */
export interface Decoded {
  schema: ResolvedSchema;
  value: unknown;
}

/** One line per message: fields first, the payload (escaped, cut) or decoded value last. */
export function textLine(
  msg: Message,
  index: number,
  decoded: Decoded | undefined,
  maxChars: number,
): string {
  const parts = [`#${index}`, `topic=${msg.topic}`, `offset=${msg.id.topicOffset}`];
  parts.push(`publish_time=${msg.publishTime}`);
  if (msg.routingKey !== undefined && msg.routingKey !== "") parts.push(`key=${escapeText(msg.routingKey)}`);
  if (Object.keys(msg.attributes).length > 0)
    parts.push(`attrs=${escapeText(JSON.stringify(msg.attributes))}`);
  if (decoded !== undefined) {
    parts.push(`schema=${decoded.schema.subject}@v${decoded.schema.version}`);
    const text = escapeText(toJson(decoded.value));
    const shown = maxChars > 0 && text.length > maxChars ? `${text.slice(0, maxChars)}…[cut]` : text;
    return `${parts.join(" ")} value=${shown}`;
  }
  return `${parts.join(" ")} payload=${safePayload(msg.payload, maxChars)}`;
}

/** One JSON object per message, for piping (64-bit numbers as strings, never cut). */
export function jsonLine(msg: Message, decoded: Decoded | undefined): string {
  const text = utf8OrUndefined(msg.payload);
  return toJson({
    topic: msg.topic,
    offset: msg.id.topicOffset,
    producer_id: msg.id.producerId,
    producer_name: msg.producerName,
    request_id: msg.requestId,
    publish_time: msg.publishTime,
    key: msg.routingKey ?? null,
    attributes: msg.attributes,
    schema_id: msg.schemaId ?? null,
    schema_version: msg.schemaVersion ?? null,
    size: msg.payload.length,
    ...(text === undefined ? { payload_base64: msg.payload } : { payload: text }),
    ...(decoded === undefined
      ? {}
      : {
          schema_subject: decoded.schema.subject,
          schema_type: decoded.schema.schemaType,
          value: decoded.value,
        }),
  });
}
