// Avro schema resolution matches named types by full name (or the reader's aliases). Registries
// (and the Avro specification's compatibility rules) compare unqualified names, so a namespace
// change is compatible there: give the reader's named types the writer's full names as aliases.

type Json = unknown;
const NAMED = new Set(["record", "error", "enum", "fixed"]);

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fullName(name: string, namespace: string | undefined): string {
  return name.includes(".") || !namespace ? name : `${namespace}.${name}`;
}

function shortName(full: string): string {
  return full.slice(full.lastIndexOf(".") + 1);
}

/** Calls `visit` for every named type definition in `schema`, with its full name. */
function walk(
  schema: Json,
  namespace: string | undefined,
  visit: (def: Record<string, Json>, full: string) => void,
): void {
  if (Array.isArray(schema)) {
    for (const branch of schema) walk(branch, namespace, visit);
    return;
  }
  if (!isObject(schema)) return;
  let inner = namespace;
  if (typeof schema.type === "string" && NAMED.has(schema.type) && typeof schema.name === "string") {
    const ns = typeof schema.namespace === "string" ? schema.namespace : namespace;
    const full = fullName(schema.name, ns);
    visit(schema, full);
    inner = full.includes(".") ? full.slice(0, full.lastIndexOf(".")) : ns;
  }
  if (Array.isArray(schema.fields)) {
    for (const field of schema.fields) if (isObject(field)) walk(field.type, inner, visit);
  }
  if (schema.items !== undefined) walk(schema.items, inner, visit);
  if (schema.values !== undefined) walk(schema.values, inner, visit);
  if (isObject(schema.type) || Array.isArray(schema.type)) walk(schema.type, inner, visit);
}

/**
 * A copy of `reader` where each named type whose unqualified name matches a writer type of
 * another full name lists that full name in its aliases; undefined when nothing needs adding.
 */
export function readerWithWriterAliases(reader: Json, writer: Json): Json | undefined {
  const writerNames = new Map<string, Set<string>>();
  walk(writer, undefined, (_def, full) => {
    const short = shortName(full);
    const names = writerNames.get(short) ?? new Set<string>();
    names.add(full);
    writerNames.set(short, names);
  });
  const copy = structuredClone(reader);
  let changed = false;
  walk(copy, undefined, (def, full) => {
    const others = [...(writerNames.get(shortName(full)) ?? [])].filter((name) => name !== full);
    if (others.length === 0) return;
    const aliases = Array.isArray(def.aliases)
      ? def.aliases.filter((a): a is string => typeof a === "string")
      : [];
    def.aliases = [...new Set([...aliases, ...others])];
    changed = true;
  });
  return changed ? copy : undefined;
}
