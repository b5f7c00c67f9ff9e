// The work a registry hands to the schema worker: parse a candidate (limits first) and check it
// against earlier versions. Pure and synchronous; runs in the worker thread (and in tests).
import { checkCompatibility } from "../compat.ts";
import { errorMessage, SchemaError, type SchemaErrorCode } from "../errors.ts";
import { type ParsedSchema, parseSchema } from "../parse.ts";
import type { CompatibilityMode, CompatibilityRules, SchemaType } from "../types.ts";

/** A stored version to compare with. */
export interface VetVersion {
  schemaType: string;
  definition: string;
}

export interface VetTask {
  schemaType: string;
  definition: Uint8Array | string;
  /** The versions the mode compares with (the latest, or every one for transitive modes), oldest first. */
  previous: VetVersion[];
  mode: CompatibilityMode;
  rules: CompatibilityRules;
  /** `type:fingerprint` of versions that make the candidate a duplicate: no check is run then. */
  known?: string[];
}

export type VetResult =
  | { ok: true; type: SchemaType; fingerprint: string; compatible: boolean; errors: string[] }
  | { ok: false; code: SchemaErrorCode | "INTERNAL"; message: string };

/** Parsed earlier versions, by type and text: the same few versions are compared again and again. */
const cache = new Map<string, ParsedSchema>();
const CACHE_SIZE = 32;

function parsedVersion(v: VetVersion): ParsedSchema {
  const key = `${v.schemaType}\u0000${v.definition}`;
  let parsed = cache.get(key);
  if (parsed) {
    cache.delete(key);
  } else {
    parsed = parseSchema(v.schemaType, v.definition);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, parsed);
  return parsed;
}

export function vetSchema(task: VetTask): VetResult {
  try {
    const candidate = parseSchema(task.schemaType, task.definition);
    const base = { ok: true as const, type: candidate.type, fingerprint: candidate.fingerprint };
    if (task.known?.includes(`${candidate.type}:${candidate.fingerprint}`)) {
      return { ...base, compatible: true, errors: [] };
    }
    let previous: ParsedSchema[];
    try {
      previous = task.previous.map(parsedVersion);
    } catch (err) {
      return {
        ok: false,
        code: "INTERNAL",
        message: `a stored version no longer parses: ${errorMessage(err)}`,
      };
    }
    const result = checkCompatibility(task.mode, previous, candidate, task.rules);
    return { ...base, ...result };
  } catch (err) {
    if (err instanceof SchemaError) return { ok: false, code: err.code, message: err.message };
    if (err instanceof RangeError)
      return { ok: false, code: "SCHEMA_INVALID", message: `Schema is nested too deeply (${err.message})` };
    return { ok: false, code: "INTERNAL", message: errorMessage(err) };
  }
}
