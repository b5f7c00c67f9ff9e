// GetSchema's `schema_definition` is not the raw schema text: upstream sends the JSON form of its
// internal `SchemaDefinition` enum (serde's externally tagged layout, compact, fields in declaration
// order), and its clients unwrap it. The broker wraps with these bytes; the client unwraps them.

/** The schema types of the Danube registry, as spelled by @danube-ts/schema. */
export type EnvelopeSchemaType = "bytes" | "string" | "number" | "avro" | "json_schema" | "protobuf";

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Envelope tags of the types with a definition, and the field that holds its text. */
const tagged: ReadonlyArray<readonly [tag: string, field: string]> = [
  ["JsonSchema", "raw_schema"],
  ["Avro", "raw_schema"],
  ["Protobuf", "raw_proto"],
];

/**
 * Upstream's envelope bytes for a schema version. Protobuf's `message_name` is always
 * `DefaultMessage` upstream; it is kept for byte parity.
 */
export function wrapSchemaDefinition(
  schemaType: EnvelopeSchemaType,
  raw: string,
  fingerprint: string,
): Uint8Array {
  let value: unknown;
  switch (schemaType) {
    case "bytes":
      value = "Bytes";
      break;
    case "string":
      value = "String";
      break;
    case "number":
      value = "Number";
      break;
    case "avro":
      value = { Avro: { raw_schema: raw, fingerprint } };
      break;
    case "json_schema":
      value = { JsonSchema: { raw_schema: raw, fingerprint } };
      break;
    case "protobuf":
      value = { Protobuf: { raw_proto: raw, message_name: "DefaultMessage", fingerprint } };
      break;
  }
  return encoder.encode(JSON.stringify(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The raw schema text of a GetSchema `schema_definition`.
 *
 * Unwraps upstream's envelope (`{"JsonSchema":{"raw_schema":"..."}}`, `{"Avro":{"raw_schema":"..."}}`,
 * `{"Protobuf":{"raw_proto":"..."}}`). A bare schema (what other registries send) is returned as is.
 * Bytes, string and number have no definition and give "".
 */
export function unwrapSchemaDefinition(definition: Uint8Array, schemaType: EnvelopeSchemaType): string {
  if (schemaType === "bytes" || schemaType === "string" || schemaType === "number") return "";
  let text: string;
  try {
    text = strictUtf8.decode(definition);
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
  if (!isRecord(parsed) || Object.keys(parsed).length !== 1) return text;
  for (const [tag, field] of tagged) {
    const inner = parsed[tag];
    if (isRecord(inner) && typeof inner[field] === "string") return inner[field];
  }
  return text;
}
