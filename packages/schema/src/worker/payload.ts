// Payload validation on the schema worker, for schemas too large to compile on the caller's event
// loop (a JSON Schema with thousands of properties compiles for seconds). The worker keeps the
// parsed schemas it was sent, by key; the caller sends the definition only when the worker asks
// for it (first use, or after the worker was restarted).
import { errorMessage, SchemaError } from "../errors.ts";
import { type ParsedSchema, parseSchema } from "../parse.ts";
import type { ValidationIssue } from "../types.ts";

export interface PayloadTask {
  kind: "payload";
  /** Names the schema version for the worker's cache (e.g. `id/version/fingerprint`). */
  key: string;
  schemaType: string;
  /** Sent when the worker answered `MISSING` for this key; otherwise omitted. */
  definition?: string;
  payload: Uint8Array;
}

export type PayloadResult =
  | { ok: true; valid: boolean; errors: ValidationIssue[] }
  | { ok: false; code: "MISSING" | "SCHEMA_INVALID" | "INTERNAL" | string; message: string };

/** Parsed schemas held by the worker, least recently used first. */
const cache = new Map<string, ParsedSchema>();
const CACHE_SIZE = 16;

export function validatePayload(task: PayloadTask): PayloadResult {
  let parsed = cache.get(task.key);
  if (parsed) {
    cache.delete(task.key);
  } else {
    if (task.definition === undefined)
      return { ok: false, code: "MISSING", message: `schema ${task.key} not loaded` };
    try {
      parsed = parseSchema(task.schemaType, task.definition);
    } catch (err) {
      if (err instanceof SchemaError) return { ok: false, code: err.code, message: err.message };
      return { ok: false, code: "INTERNAL", message: errorMessage(err) };
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  cache.set(task.key, parsed);
  try {
    const result = parsed.validate(task.payload);
    return { ok: true, valid: result.valid, errors: result.errors };
  } catch (err) {
    return { ok: false, code: "INTERNAL", message: errorMessage(err) };
  }
}
