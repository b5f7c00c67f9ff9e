import { wrapSchemaDefinition } from "@danube-ts/protocol";
import type { VersionRecord } from "./records.ts";

/** GetSchema's `schema_definition` for a version: upstream's JSON envelope (@danube-ts/protocol). */
export function schemaEnvelope(
  version: Pick<VersionRecord, "schemaType" | "definition" | "fingerprint">,
): Uint8Array {
  return wrapSchemaDefinition(version.schemaType, version.definition, version.fingerprint);
}
