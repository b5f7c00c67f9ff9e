import { SchemaError } from "../errors.ts";
import { isPlainObject } from "../util/canonical-json.ts";

/** Avro primitive type names. */
export type AvroPrimitiveName = "null" | "boolean" | "int" | "long" | "float" | "double" | "bytes" | "string";

export interface AvroPrimitive {
  kind: AvroPrimitiveName;
  logicalType?: string;
}
export interface AvroField {
  name: string;
  aliases: string[];
  type: AvroNode;
  hasDefault: boolean;
  default?: unknown;
}
export interface AvroRecord {
  kind: "record";
  /** Full name (`namespace.name`). */
  name: string;
  /** Full names of the aliases. */
  aliases: string[];
  fields: AvroField[];
}
export interface AvroEnum {
  kind: "enum";
  name: string;
  aliases: string[];
  symbols: string[];
  /** The enum default, only when it is one of the symbols. */
  default?: string;
}
export interface AvroFixed {
  kind: "fixed";
  name: string;
  aliases: string[];
  size: number;
}
export interface AvroArray {
  kind: "array";
  items: AvroNode;
}
export interface AvroMap {
  kind: "map";
  values: AvroNode;
}
export interface AvroUnion {
  kind: "union";
  branches: AvroNode[];
}
export type AvroNamed = AvroRecord | AvroEnum | AvroFixed;
/** A parsed Avro schema. Named types referenced twice are the same object, so the graph may be cyclic. */
export type AvroNode = AvroPrimitive | AvroNamed | AvroArray | AvroMap | AvroUnion;

const primitives = new Set<string>(["null", "boolean", "int", "long", "float", "double", "bytes", "string"]);
const nameRe = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Unqualified part of a full name. */
export function shortName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf(".") + 1);
}

/** A readable name for a node, used in error messages. */
export function describeAvro(node: AvroNode): string {
  switch (node.kind) {
    case "record":
    case "enum":
    case "fixed":
      return `${node.kind} '${node.name}'`;
    case "array":
      return `array<${describeAvro(node.items)}>`;
    case "map":
      return `map<${describeAvro(node.values)}>`;
    case "union":
      return `union [${node.branches.map(describeAvro).join(", ")}]`;
    default:
      return node.kind;
  }
}

/** The branch key that Avro uses to tell union members apart: the type name, or the full name. */
function unionKey(node: AvroNode): string {
  return node.kind === "record" || node.kind === "enum" || node.kind === "fixed" ? node.name : node.kind;
}

function invalid(path: string, message: string): never {
  throw new SchemaError("SCHEMA_INVALID", `Invalid Avro schema at ${path || "/"}: ${message}`);
}

function validFullName(full: string, path: string): string {
  const parts = full.split(".");
  if (!parts.every((p) => nameRe.test(p))) invalid(path, `invalid name '${full}'`);
  return full;
}

/** Parses an Avro schema given as a JSON value (the result of JSON.parse on the schema text). */
export function parseAvroModel(json: unknown): AvroNode {
  const named = new Map<string, AvroNamed>();

  const qualify = (name: string, ns: string | undefined): string =>
    name.includes(".") || !ns ? name : `${ns}.${name}`;

  const lookup = (ref: string, ns: string | undefined, path: string): AvroNode => {
    if (primitives.has(ref)) return { kind: ref as AvroPrimitiveName };
    const found = named.get(qualify(ref, ns)) ?? named.get(ref);
    if (!found) invalid(path, `unknown type '${ref}'`);
    return found;
  };

  const defineNamed = (
    obj: Record<string, unknown>,
    ns: string | undefined,
    path: string,
  ): { full: string; ns: string | undefined; aliases: string[] } => {
    const name = obj.name;
    if (typeof name !== "string" || name === "") invalid(path, "a named type needs a 'name'");
    let own = ns;
    if (typeof obj.namespace === "string") own = obj.namespace === "" ? undefined : obj.namespace;
    const full = validFullName(qualify(name, own), `${path}/name`);
    if (primitives.has(full)) invalid(path, `'${full}' redefines a primitive type`);
    if (named.has(full)) invalid(path, `type '${full}' is defined twice`);
    const fullNs = full.includes(".") ? full.slice(0, full.lastIndexOf(".")) : undefined;
    const rawAliases = obj.aliases ?? [];
    if (!Array.isArray(rawAliases) || !rawAliases.every((a) => typeof a === "string")) {
      invalid(`${path}/aliases`, "aliases must be an array of strings");
    }
    const aliases = rawAliases.map((a) => validFullName(qualify(a, fullNs), `${path}/aliases`));
    return { full, ns: fullNs, aliases };
  };

  const parse = (schema: unknown, ns: string | undefined, path: string): AvroNode => {
    if (typeof schema === "string") return lookup(schema, ns, path);
    if (Array.isArray(schema)) {
      const branches = schema.map((b, i) => parse(b, ns, `${path}/${i}`));
      const seen = new Set<string>();
      branches.forEach((b, i) => {
        if (b.kind === "union") invalid(`${path}/${i}`, "a union may not directly contain a union");
        const key = unionKey(b);
        if (seen.has(key)) invalid(`${path}/${i}`, `duplicate '${key}' in union`);
        seen.add(key);
      });
      return { kind: "union", branches };
    }
    if (!isPlainObject(schema)) return invalid(path, "expected a type name, an array or an object");
    const type = schema.type;
    if (typeof type !== "string") {
      if (type !== undefined && (Array.isArray(type) || isPlainObject(type))) {
        return parse(type, ns, `${path}/type`);
      }
      return invalid(path, "missing 'type'");
    }
    switch (type) {
      case "record":
      case "error": {
        const n = defineNamed(schema, ns, path);
        const rec: AvroRecord = { kind: "record", name: n.full, aliases: n.aliases, fields: [] };
        named.set(n.full, rec);
        if (!Array.isArray(schema.fields)) invalid(path, "a record needs a 'fields' array");
        const names = new Set<string>();
        schema.fields.forEach((f: unknown, i: number) => {
          const fp = `${path}/fields/${i}`;
          if (!isPlainObject(f) || typeof f.name !== "string" || !nameRe.test(f.name)) {
            invalid(fp, "a field needs a valid 'name'");
          }
          if (names.has(f.name)) invalid(fp, `duplicate field '${f.name}'`);
          names.add(f.name);
          if (f.type === undefined) invalid(fp, `field '${f.name}' has no 'type'`);
          const aliases = Array.isArray(f.aliases) ? f.aliases.filter((a) => typeof a === "string") : [];
          const field: AvroField = {
            name: f.name,
            aliases,
            type: parse(f.type, n.ns, `${fp}/type`),
            hasDefault: "default" in f,
          };
          if ("default" in f) field.default = f.default;
          rec.fields.push(field);
        });
        return rec;
      }
      case "enum": {
        const n = defineNamed(schema, ns, path);
        const symbols = schema.symbols;
        if (!Array.isArray(symbols) || !symbols.every((s) => typeof s === "string" && nameRe.test(s))) {
          invalid(`${path}/symbols`, "an enum needs an array of valid symbol names");
        }
        if (new Set(symbols).size !== symbols.length) invalid(`${path}/symbols`, "duplicate enum symbol");
        const en: AvroEnum = { kind: "enum", name: n.full, aliases: n.aliases, symbols };
        // A default that is not a symbol is ignored (Karapace accepts such schemas; it can never apply).
        if (typeof schema.default === "string" && symbols.includes(schema.default))
          en.default = schema.default;
        named.set(n.full, en);
        return en;
      }
      case "fixed": {
        const n = defineNamed(schema, ns, path);
        const size = schema.size;
        if (typeof size !== "number" || !Number.isInteger(size) || size < 0) {
          invalid(`${path}/size`, "a fixed needs a non-negative integer 'size'");
        }
        const fx: AvroFixed = { kind: "fixed", name: n.full, aliases: n.aliases, size };
        named.set(n.full, fx);
        return fx;
      }
      case "array":
        if (schema.items === undefined) invalid(path, "an array needs 'items'");
        return { kind: "array", items: parse(schema.items, ns, `${path}/items`) };
      case "map":
        if (schema.values === undefined) invalid(path, "a map needs 'values'");
        return { kind: "map", values: parse(schema.values, ns, `${path}/values`) };
      default: {
        if (primitives.has(type)) {
          const p: AvroPrimitive = { kind: type as AvroPrimitiveName };
          if (typeof schema.logicalType === "string") p.logicalType = schema.logicalType;
          return p;
        }
        return lookup(type, ns, path);
      }
    }
  };

  return parse(json, undefined, "");
}
