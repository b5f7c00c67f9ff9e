// Schema-aware payloads: a serde for a registered schema or a schema file, values parsed from the
// text a user types, and decoded values shown as JSON.
import type { ResolvedSchema, SchemaType, Serde } from "@danube-ts/client";
import { DanubeError, serdes } from "@danube-ts/client";

/** The schema types a user can name (upstream's names). */
export const schemaTypes: readonly SchemaType[] = [
  "bytes",
  "string",
  "number",
  "avro",
  "json_schema",
  "protobuf",
];

/** A serde for schema text of `type` (the first message of a .proto file for protobuf). */
export function serdeFor(type: SchemaType, definition: string): Serde<unknown> {
  switch (type) {
    case "json_schema":
      return serdes.json(definition);
    case "avro":
      return serdes.avro(definition);
    case "protobuf":
      return serdes.protobuf(definition);
    case "string":
      return serdes.string() as Serde<unknown>;
    case "number":
      return serdes.number() as Serde<unknown>;
    case "bytes":
      return serdes.bytes() as Serde<unknown>;
  }
}

/** A serde for a registered schema version. */
export function serdeForSchema(schema: ResolvedSchema): Serde<unknown> {
  return serdeFor(schema.schemaType, schema.definition);
}

/**
 * The value a serde encodes, from the payload a user gave: JSON text for json_schema, avro and
 * protobuf, the text for string, a number for number, the bytes for bytes.
 */
export function valueFromPayload(type: SchemaType, payload: Uint8Array): unknown {
  if (type === "bytes") return payload;
  const text = new TextDecoder().decode(payload);
  if (type === "string") return text;
  if (type === "number") {
    const value = Number(text.trim());
    if (text.trim() === "" || !Number.isFinite(value)) {
      throw new DanubeError(
        "INVALID_ARGUMENT",
        `a number schema needs a number payload, got "${text.slice(0, 40)}"`,
      );
    }
    return value;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DanubeError(
      "INVALID_ARGUMENT",
      `payloads for a ${type} schema are JSON text (${err instanceof Error ? err.message : String(err)}): "${text.slice(0, 60)}"`,
    );
  }
}
