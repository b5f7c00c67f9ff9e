import type { VersionRecord } from "./records.ts";

const encoder = new TextEncoder();

/**
 * GetSchema's `schema_definition` as upstream sends it: not the raw schema but the JSON form of
 * upstream's internal `SchemaDefinition` enum (serde's externally tagged layout, compact, fields in
 * declaration order). Upstream clients (the CLI, danube-iceberg) unwrap it, so we send the same bytes.
 * Protobuf's `message_name` is always `DefaultMessage` upstream; we keep it for byte parity.
 */
export function schemaEnvelope(
  version: Pick<VersionRecord, "schemaType" | "definition" | "fingerprint">,
): Uint8Array {
  const { definition: raw, fingerprint } = version;
  let value: unknown;
  switch (version.schemaType) {
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
