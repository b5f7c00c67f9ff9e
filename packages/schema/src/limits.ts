// Bounds on a schema definition, checked by a linear scan of the text before any parser runs, so a
// hostile definition is refused in milliseconds instead of stalling the parsers for seconds.
import { SchemaError } from "./errors.ts";
import type { SchemaType } from "./types.ts";

/** Limits on a schema definition (Avro and JSON Schema are scanned as JSON, Protobuf as `.proto`). */
export interface SchemaLimits {
  /** Bytes of the definition (UTF-8). */
  maxBytes: number;
  /** Nesting of JSON objects and arrays, or of `{ }` blocks in a `.proto` file. */
  maxDepth: number;
  /**
   * Members of one JSON object or items of one array (JSON Schema `properties`, `enum`, Avro record
   * fields and enum symbols, ...), or statements in one `.proto` block (fields, enum values, ...).
   */
  maxMembers: number;
  /** JSON values in the whole document, or statements in the whole `.proto` file. */
  maxNodes: number;
}

export const defaultSchemaLimits: Readonly<SchemaLimits> = Object.freeze({
  maxBytes: 1024 * 1024,
  maxDepth: 128,
  maxMembers: 10_000,
  maxNodes: 200_000,
});

function tooBig(what: string, limit: number, name: keyof SchemaLimits): never {
  throw new SchemaError(
    "SCHEMA_INVALID",
    `Schema is too large: ${what} exceeds the limit of ${limit} (${name}); the limits are listed in docs/schema-compatibility.md`,
  );
}

/** Bounds of a JSON document (no value is built). Malformed JSON is left for the parser to report. */
function scanJson(text: string, limits: SchemaLimits): void {
  const commas: number[] = []; // commas seen so far in each open container
  let nodes = 0;
  let prev = 0x2c; // last significant character outside strings; a value may start after `,` `:` `[`
  const node = () => {
    if (++nodes > limits.maxNodes)
      tooBig("the number of JSON tokens (values and keys)", limits.maxNodes, "maxNodes");
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    if (c === 0x22) {
      node();
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      node();
      if (commas.length >= limits.maxDepth) tooBig("the nesting depth", limits.maxDepth, "maxDepth");
      commas.push(0);
    } else if (c === 0x7d || c === 0x5d) {
      commas.pop();
    } else if (c === 0x2c) {
      const depth = commas.length - 1;
      // After the k-th comma the container holds at least k + 1 members.
      if (depth >= 0 && ++commas[depth]! + 1 > limits.maxMembers) {
        tooBig("the members of one JSON object or array", limits.maxMembers, "maxMembers");
      }
    } else if (c !== 0x3a && (prev === 0x2c || prev === 0x3a || prev === 0x5b)) {
      node(); // a literal: number, true, false or null
    }
    prev = c;
  }
}

/** Bounds of a `.proto` file: block nesting, statements per block and in the file. */
function scanProto(text: string, limits: SchemaLimits): void {
  const statements: number[] = [0];
  let total = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x27) {
      // a string literal: skip to its closing quote
      for (i++; i < text.length && text.charCodeAt(i) !== c; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2f) {
      while (i < text.length && text.charCodeAt(i) !== 0x0a) i++;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a) {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === 0x7b) {
      if (statements.length > limits.maxDepth) tooBig("the nesting of blocks", limits.maxDepth, "maxDepth");
      statements.push(0);
    } else if (c === 0x7d) {
      if (statements.length > 1) statements.pop();
    } else if (c === 0x3b) {
      const depth = statements.length - 1;
      if (++statements[depth]! > limits.maxMembers) {
        tooBig("the statements (fields, values) in one block", limits.maxMembers, "maxMembers");
      }
      if (++total > limits.maxNodes) tooBig("the statements in the file", limits.maxNodes, "maxNodes");
    }
  }
}

/**
 * Refuses a definition beyond `limits` with SchemaError SCHEMA_INVALID naming the limit. Linear in
 * the text, allocation-free: safe to run on the event loop before the (much slower) parsers.
 * `byteLength` is the definition's size in bytes when known (it is checked before anything else).
 */
export function checkSchemaLimits(
  type: SchemaType,
  text: string,
  limits: SchemaLimits = defaultSchemaLimits,
  byteLength = Buffer.byteLength(text, "utf8"),
): void {
  if (byteLength > limits.maxBytes)
    tooBig(`the definition's ${byteLength} bytes`, limits.maxBytes, "maxBytes");
  if (type === "avro" || type === "json_schema") scanJson(text, limits);
  else if (type === "protobuf") scanProto(text, limits);
}
