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
  /**
   * A `$ref`. `target` is undefined for a remote ref (outside the document) and for a `broken`
   * one: a ref into the document that leads nowhere.
   */
  | { kind: "ref"; ref: string; target: unknown; broken: boolean }
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

/**
 * Context for classifying nodes: the document root, the index of its `$id`s and anchors, and the
 * nodes already classified (so that one subschema is always the same node).
 */
export interface JsonDoc {
  root: unknown;
  index: DocIndex;
  nodes: WeakMap<object, JsonNode>;
}

/** Where `$ref`s of a document lead. */
interface DocIndex {
  /** Base URI in effect inside each schema object (its own `$id` applied). */
  baseOf: WeakMap<object, string>;
  /** Schema resources by absolute URI (no fragment): the root and every `$id`. */
  resources: Map<string, unknown>;
  /** Plain-name fragments (`$anchor`, `$dynamicAnchor`, `$id: "#x"`) by absolute URI. */
  anchors: Map<string, unknown>;
}

/** Base URI of a document without `$id`; it only serves to resolve relative references. */
const DEFAULT_BASE = "https://schema.danube.invalid/root.json";
/** Keywords whose value is a map from names to schemas. */
const schemaMaps = new Set([
  "properties",
  "patternProperties",
  "$defs",
  "definitions",
  "dependentSchemas",
  "dependencies",
]);
/** Keywords holding instance data, never schemas. */
const dataKeywords = new Set(["enum", "const", "default", "examples"]);

function parseUri(ref: string, base: string): URL | undefined {
  try {
    return new URL(ref, base);
  } catch {
    return undefined;
  }
}

/** Indexes every `$id` and anchor of a document, each resolved against its base URI. */
function indexDocument(root: unknown): DocIndex {
  const index: DocIndex = { baseOf: new WeakMap(), resources: new Map(), anchors: new Map() };
  index.resources.set(DEFAULT_BASE, root);
  const walk = (node: unknown, base: string, depth: number): void => {
    if (depth > 10_000) return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item, base, depth + 1);
      return;
    }
    if (!isPlainObject(node)) return;
    let own = base;
    const id = typeof node.$id === "string" ? parseUri(node.$id, base) : undefined;
    if (id) {
      if (id.hash.length > 1) {
        index.anchors.set(id.href, node); // draft-07 `$id: "#name"` or `$id: "uri#name"`
        if (!(node.$id as string).startsWith("#")) {
          id.hash = "";
          own = id.href;
          if (!index.resources.has(own)) index.resources.set(own, node);
        }
      } else {
        id.hash = "";
        own = id.href;
        if (!index.resources.has(own)) index.resources.set(own, node);
      }
    }
    for (const key of ["$anchor", "$dynamicAnchor"]) {
      const anchor = node[key];
      if (typeof anchor !== "string") continue;
      const uri = parseUri(`#${anchor}`, own);
      if (uri && !index.anchors.has(uri.href)) index.anchors.set(uri.href, node);
    }
    index.baseOf.set(node, own);
    for (const [key, value] of Object.entries(node)) {
      if (dataKeywords.has(key)) continue;
      if (schemaMaps.has(key) && isPlainObject(value)) {
        for (const sub of Object.values(value)) walk(sub, own, depth + 1);
      } else {
        walk(value, own, depth + 1);
      }
    }
  };
  walk(root, DEFAULT_BASE, 0);
  return index;
}

/** A document to classify nodes in. */
export function jsonDoc(root: unknown): JsonDoc {
  return { root, index: indexDocument(root), nodes: new WeakMap() };
}

/**
 * Resolves `ref`, found in the schema object `from`, against the base URI in effect there.
 * Returns `remote` for a ref outside the document, or the target (undefined when a ref into the
 * document leads nowhere).
 */
export function resolveRef(doc: JsonDoc, ref: string, from?: object): { remote: boolean; target: unknown } {
  const base = (from && doc.index.baseOf.get(from)) ?? DEFAULT_BASE;
  const uri = parseUri(ref, base);
  if (!uri) return { remote: !ref.startsWith("#"), target: undefined };
  const fragment = uri.hash;
  const withFragment = uri.href;
  uri.hash = "";
  const resource = doc.index.resources.get(uri.href);
  if (resource === undefined) return { remote: true, target: undefined };
  if (fragment.length <= 1) return { remote: false, target: resource };
  if (fragment[1] !== "/") return { remote: false, target: doc.index.anchors.get(withFragment) };
  let pointer: string;
  try {
    pointer = decodeURIComponent(fragment.slice(2));
  } catch {
    return { remote: false, target: undefined };
  }
  let cur: unknown = resource;
  for (const raw of pointer.split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) cur = /^(0|[1-9][0-9]*)$/.test(key) ? cur[Number(key)] : undefined;
    else if (isPlainObject(cur)) cur = Object.hasOwn(cur, key) ? cur[key] : undefined;
    else return { remote: false, target: undefined };
  }
  return { remote: false, target: cur };
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

const EMPTY: JsonNode = { kind: "empty" };
const FALSE: JsonNode = { kind: "false" };

/** Classifies one schema level; one subschema of a document is always classified to the same node. */
export function classify(doc: JsonDoc, schema: unknown): JsonNode {
  if (schema === false) return FALSE;
  if (!isPlainObject(schema)) return EMPTY;
  let node = doc.nodes.get(schema);
  if (!node) {
    node = classifyObject(doc, schema);
    doc.nodes.set(schema, node);
  }
  return node;
}

function classifyObject(doc: JsonDoc, schema: Obj): JsonNode {
  const parts: JsonNode[] = [];
  if (typeof schema.$ref === "string") {
    const { remote, target } = resolveRef(doc, schema.$ref, schema);
    parts.push({ kind: "ref", ref: schema.$ref, target, broken: !remote && target === undefined });
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
  if (parts.length === 0) return EMPTY;
  if (parts.length === 1) return parts[0]!;
  return { kind: "combined", criterion: "allOf", subs: parts };
}
