// The broker answers GetSchema with upstream's internal JSON envelope around the schema text;
// this turns it back into the raw schema text.
import type { SchemaType } from "@danube-ts/schema";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Envelope tags and the field holding the raw text. */
const tagged: ReadonlyArray<readonly [tag: string, field: string]> = [
  ["JsonSchema", "raw_schema"],
  ["Avro", "raw_schema"],
  ["Protobuf", "raw_proto"],
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The raw schema text of a GetSchema `schema_definition`.
 *
 * Upstream wraps it: `{"JsonSchema":{"raw_schema":"..."}}`, `{"Avro":{"raw_schema":"..."}}`,
 * `{"Protobuf":{"raw_proto":"..."}}`, or the JSON strings `"Bytes"`, `"String"`, `"Number"`.
 * A bare schema (what other registries send) is returned as is. Bytes, string and number have no
 * definition and give "".
 */
export function unwrapSchemaDefinition(definition: Uint8Array, schemaType: SchemaType): string {
  if (schemaType === "bytes" || schemaType === "string" || schemaType === "number") return "";
  let text: string;
  try {
    text = utf8.decode(definition);
  } catch {
    return Buffer.from(definition).toString("latin1");
  }
  const trimmed = text.trimStart();
  if (!trimmed.startsWith("{")) return text; // .proto source, or a bare Avro name / union
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return text;
  }
  if (!isRecord(parsed)) return text;
  const keys = Object.keys(parsed);
  if (keys.length !== 1) return text;
  for (const [tag, field] of tagged) {
    const inner = parsed[tag];
    if (isRecord(inner) && typeof inner[field] === "string") return inner[field];
  }
  return text;
}
