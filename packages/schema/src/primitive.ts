import type { ParsedSchemaBase, ValidationIssue } from "./types.ts";
import { validationResult } from "./types.ts";
import { decodeUtf8 } from "./util/canonical-json.ts";

/** A bytes, string or number schema: no definition, fingerprint is the type name. */
export interface PrimitiveParsedSchema extends ParsedSchemaBase {
  readonly type: "bytes" | "string" | "number";
}

const checks: Record<PrimitiveParsedSchema["type"], (p: Uint8Array) => ValidationIssue[]> = {
  bytes: () => [],
  string: (p) => (decodeUtf8(p) === undefined ? [{ path: "/", message: "payload is not valid UTF-8" }] : []),
  number: (p) =>
    p.length === 4 || p.length === 8
      ? []
      : [{ path: "/", message: `a number payload must be 4 or 8 bytes, got ${p.length}` }],
};

/** The schema for a primitive type. Any definition text is ignored, as upstream does. */
export function primitiveSchema(type: PrimitiveParsedSchema["type"]): PrimitiveParsedSchema {
  const check = checks[type];
  return { type, canonical: type, fingerprint: type, validate: (p) => validationResult(check(p)) };
}
