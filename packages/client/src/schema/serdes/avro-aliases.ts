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
 * A copy of `writer` where each named type whose unqualified name matches exactly one reader type
 * of another full name carries that reader name (names are not part of Avro binary data, so the
 * writer reads the same); undefined when nothing needs renaming.
 */
export function writerWithReaderNames(reader: Json, writer: Json): Json | undefined {
  const readerNames = new Map<string, Set<string>>();
  walk(reader, undefined, (_def, full) => {
    const short = shortName(full);
    const names = readerNames.get(short) ?? new Set<string>();
    names.add(full);
    readerNames.set(short, names);
  });
  const copy = structuredClone(writer);
  let changed = false;
  walk(copy, undefined, (def, full) => {
    const candidates = [...(readerNames.get(shortName(full)) ?? [])];
    if (candidates.length !== 1 || candidates[0] === full) return;
    const target = candidates[0]!;
    def.name = target;
    // An explicit empty namespace keeps a reader name without one from inheriting the enclosing one.
    if (target.includes(".")) delete def.namespace;
    else def.namespace = "";
    changed = true;
  });
  return changed ? copy : undefined;
}
