import { type AvroParsedSchema, parseAvroSchema } from "./avro/schema.ts";
import { SchemaError } from "./errors.ts";
import { type JsonParsedSchema, parseJsonSchema } from "./json/schema.ts";
import { checkSchemaLimits, defaultSchemaLimits } from "./limits.ts";
import { type PrimitiveParsedSchema, primitiveSchema } from "./primitive.ts";
import { type ProtobufParsedSchema, parseProtobufSchema } from "./protobuf/schema.ts";
import { type ParseOptions, parseSchemaType, type SchemaType } from "./types.ts";
import { definitionText } from "./util/canonical-json.ts";

/** A parsed schema of any type; narrow on `type` to reach the type-specific handles. */
export type ParsedSchema = PrimitiveParsedSchema | AvroParsedSchema | JsonParsedSchema | ProtobufParsedSchema;

/**
 * Parses a schema definition of the given type (canonical name or alias, any case).
 * Bytes, string and number ignore the definition. Throws SchemaError: UNKNOWN_SCHEMA_TYPE or
 * SCHEMA_INVALID (with a readable reason), also for a definition beyond `options.limits`
 * (default {@link defaultSchemaLimits}), checked before any parser runs.
 */
export function parseSchema(
  type: SchemaType | string,
  definition: string | Uint8Array,
  options: ParseOptions = {},
): ParsedSchema {
  const t = parseSchemaType(type);
  if (t === "bytes" || t === "string" || t === "number") return primitiveSchema(t);
  const byteLength = typeof definition === "string" ? undefined : definition.byteLength;
  const limits = options.limits ?? defaultSchemaLimits;
  if (byteLength !== undefined && byteLength > limits.maxBytes) checkSchemaLimits(t, "", limits, byteLength);
  const text = definitionText(definition);
  if (text === undefined) throw new SchemaError("SCHEMA_INVALID", "Schema definition is not valid UTF-8");
  checkSchemaLimits(t, text, limits, byteLength);
  for (const ref of options.references ?? []) checkSchemaLimits(t, ref.text, limits);
  try {
    switch (t) {
      case "avro":
        return parseAvroSchema(text);
      case "json_schema":
        return parseJsonSchema(text);
      case "protobuf":
        return parseProtobufSchema(text, options);
    }
  } catch (err) {
    // Absurdly deep nesting overflows the parsers' recursion: a clean error, not a crash.
    if (err instanceof RangeError)
      throw new SchemaError("SCHEMA_INVALID", `Schema is nested too deeply (${err.message})`);
    throw err;
  }
}
