import { canonicalJson, isPlainObject } from "../util/canonical-json.ts";

/**
 * One level of a JSON Schema, classified the way Confluent's checker (on the everit loader) sees
 * it: a schema mixing several kinds of constraint becomes a synthetic `allOf` of its parts, a
 * `type` array becomes an `anyOf` of typed schemas. Children stay raw JSON and are classified on
 * demand, so recursive `$ref`s are fine.
 */
export type JsonNode =
  | { kind: "empty" }
  | { kind: "false" }
  | { kind: "string"; raw: Obj }
  | { kind: "number"; integer: boolean; raw: Obj }
  | { kind: "boolean" }
  | { kind: "null" }
  | { kind: "object"; raw: Obj }
  | { kind: "array"; raw: Obj }
  | { kind: "enum"; values: unknown[] }
  | { kind: "not"; schema: unknown }
  | { kind: "combined"; criterion: Criterion; subs: JsonNode[] }
  | { kind: "ref"; ref: string; target: unknown }
  | { kind: "conditional"; raw: Obj };

export type Criterion = "allOf" | "anyOf" | "oneOf";
export type Obj = Record<string, unknown>;

const families: Record<"string" | "number" | "object" | "array", readonly string[]> = {
  string: ["minLength", "maxLength", "pattern", "format"],
  number: ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"],
  object: [
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "minProperties",
    "maxProperties",
    "dependencies",
    "dependentRequired",
    "dependentSchemas",
    "propertyNames",
    "unevaluatedProperties",
  ],
  array: [
    "items",
    "prefixItems",
    "additionalItems",
    "minItems",
    "maxItems",
    "uniqueItems",
    "contains",
    "minContains",
    "maxContains",
    "unevaluatedItems",
  ],
};

/** Context for classifying nodes: the document root, for local `$ref`s. */
export interface JsonDoc {
  root: unknown;
}

function typed(type: string, raw: Obj): JsonNode | undefined {
  switch (type) {
    case "string":
    case "object":
    case "array":
      return { kind: type, raw };
    case "number":
    case "integer":
      return { kind: "number", integer: type === "integer", raw };
    case "boolean":
    case "null":
      return { kind: type };
    default:
      return undefined;
  }
}

/** Resolves a local JSON pointer reference (`#`, `#/definitions/x`, `#/$defs/x`). */
export function resolveRef(doc: JsonDoc, ref: string): unknown {
  if (!ref.startsWith("#")) return undefined;
  if (ref.length > 1 && ref[1] !== "/") return findAnchor(doc.root, ref);
  const pointer = decodeURIComponent(ref.slice(1));
  if (pointer === "") return doc.root;
  let cur: unknown = doc.root;
  for (const raw of pointer.replace(/^\//, "").split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (isPlainObject(cur)) cur = cur[key];
    else return undefined;
  }
  return cur;
}

/** Finds the subschema named by a plain-name fragment (`$id: "#x"` or `$anchor: "x"`). */
function findAnchor(node: unknown, ref: string): unknown {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findAnchor(item, ref);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isPlainObject(node)) return undefined;
  if (node.$id === ref || node.$anchor === ref.slice(1)) return node;
  for (const value of Object.values(node)) {
    const found = findAnchor(value, ref);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Classifies one schema level. */
export function classify(doc: JsonDoc, schema: unknown): JsonNode {
  if (schema === true || schema === undefined) return { kind: "empty" };
  if (schema === false) return { kind: "false" };
  if (!isPlainObject(schema)) return { kind: "empty" };
  const parts: JsonNode[] = [];
  if (typeof schema.$ref === "string") {
    parts.push({ kind: "ref", ref: schema.$ref, target: resolveRef(doc, schema.$ref) });
  }
  const type = schema.type;
  if (typeof type === "string") {
    const t = typed(type, schema);
    if (t) parts.push(t);
  } else if (Array.isArray(type)) {
    const subs = type.flatMap((t) => (typeof t === "string" ? (typed(t, schema) ?? []) : []));
    if (subs.length === 1) parts.push(subs[0]!);
    else if (subs.length > 1) parts.push({ kind: "combined", criterion: "anyOf", subs });
  } else {
    for (const [family, keywords] of Object.entries(families)) {
      if (keywords.some((k) => k in schema)) {
        parts.push(
          family === "number" ? { kind: "number", integer: false, raw: schema } : typed(family, schema)!,
        );
      }
    }
  }
  if (Array.isArray(schema.enum)) parts.push({ kind: "enum", values: schema.enum });
  // `const: x` is treated as `enum: [x]`, so const <-> enum changes compare value sets.
  if ("const" in schema) parts.push({ kind: "enum", values: [schema.const] });
  if ("not" in schema) parts.push({ kind: "not", schema: schema.not });
  for (const criterion of ["allOf", "anyOf", "oneOf"] as const) {
    const subs = schema[criterion];
    if (Array.isArray(subs)) {
      // Identical subschemas count once.
      const unique = [...new Map(subs.map((s) => [canonicalJson(s), s])).values()];
      parts.push({ kind: "combined", criterion, subs: unique.map((s) => classify(doc, s)) });
    }
  }
  if ("if" in schema) parts.push({ kind: "conditional", raw: schema });
  if (parts.length === 0) return { kind: "empty" };
  if (parts.length === 1) return parts[0]!;
  return { kind: "combined", criterion: "allOf", subs: parts };
}
