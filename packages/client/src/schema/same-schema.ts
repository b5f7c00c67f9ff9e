// Whether a registered schema version is the schema a serde encodes with.
import { type ParsedSchema, parseSchema } from "@danube-ts/schema";
import type { ResolvedSchema } from "./types.ts";

function protobufShape(parsed: ParsedSchema): string {
  if (parsed.type !== "protobuf") return parsed.canonical;
  return JSON.stringify(parsed.root.toJSON());
}

/**
 * True when `registered` has the serde's type and the same schema: the same canonical form for
 * Avro and JSON Schema (key order and whitespace do not matter), the same declarations for
 * Protobuf (comments and layout do not matter). bytes, string and number compare by type.
 */
export function isSameSchema(serdeSchema: ParsedSchema, registered: ResolvedSchema): boolean {
  if (serdeSchema.type !== registered.schemaType) return false;
  if (serdeSchema.type === "bytes" || serdeSchema.type === "string" || serdeSchema.type === "number") {
    return true;
  }
  if (registered.fingerprint === serdeSchema.fingerprint) return true;
  let other: ParsedSchema;
  try {
    other = parseSchema(registered.schemaType, registered.definition);
  } catch {
    return false;
  }
  if (other.canonical === serdeSchema.canonical) return true;
  return serdeSchema.type === "protobuf" && protobufShape(other) === protobufShape(serdeSchema);
}
