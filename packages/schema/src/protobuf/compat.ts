import protobuf from "protobufjs";
import type { ProtobufParsedSchema } from "./schema.ts";

/** Scalar types that share a wire encoding; a change within one group keeps old data readable. */
const wireGroups: Record<string, string> = {
  int32: "varint",
  int64: "varint",
  uint32: "varint",
  uint64: "varint",
  bool: "varint",
  enum: "varint",
  sint32: "zigzag",
  sint64: "zigzag",
  string: "length-delimited",
  bytes: "length-delimited",
  fixed32: "fixed32",
  sfixed32: "fixed32",
  fixed64: "fixed64",
  sfixed64: "fixed64",
  float: "float",
  double: "double",
};

type Named = protobuf.Type | protobuf.Enum;

/** A oneof the user wrote (not the synthetic one protobufjs makes for a proto3 `optional`). */
function realOneof(f: protobuf.Field): string | undefined {
  const o = f.partOf;
  if (!o || f.options?.proto3_optional) return undefined;
  return o.name;
}

interface TypeRef {
  kind: "scalar" | "message";
  scalar?: string;
  message?: protobuf.Type;
}

function typeRef(typeName: string, resolved: protobuf.ReflectionObject | null): TypeRef {
  if (resolved instanceof protobuf.Type) return { kind: "message", message: resolved };
  if (resolved instanceof protobuf.Enum) return { kind: "scalar", scalar: "enum" };
  return { kind: "scalar", scalar: typeName };
}

/**
 * Confluent's Protobuf rules: types are matched by name relative to their file's package, fields
 * by number. Adding or removing optional fields, renaming fields, enum changes and moving types are
 * compatible; package changes, removed messages, kind or wire-group changes, numeric label changes,
 * proto2 required fields added or removed, `required` labels changed, and incompatible oneof moves
 * are not.
 */
class ProtoDiff {
  readonly errors = new Set<string>();
  private readonly compared = new Set<string>();

  constructor(
    private readonly original: ProtobufParsedSchema,
    private readonly update: ProtobufParsedSchema,
  ) {}

  relName(t: Named, side: ProtobufParsedSchema): string {
    const full = t.fullName.slice(1);
    const pkg = side.packageOf.get(t) ?? "";
    return pkg && full.startsWith(`${pkg}.`) ? full.slice(pkg.length + 1) : full;
  }

  run(): void {
    if (this.original.packageName !== this.update.packageName) {
      this.errors.add(
        `/: package changed from '${this.original.packageName}' to '${this.update.packageName}'`,
      );
    }
    const updated = new Map<string, Named>();
    for (const t of this.update.mainTypes) updated.set(this.relName(t, this.update), t);
    for (const t of this.original.mainTypes) {
      const name = this.relName(t, this.original);
      const u = updated.get(name);
      if (!(t instanceof protobuf.Type)) continue; // enum changes are always compatible
      if (!(u instanceof protobuf.Type)) this.errors.add(`/${name}: message '${name}' removed`);
      else this.message(t, u, `/${name}`);
    }
  }

  message(o: protobuf.Type, u: protobuf.Type, at: string): void {
    const key = `${o.fullName}|${u.fullName}`;
    if (this.compared.has(key)) return;
    this.compared.add(key);
    const uById = new Map(u.fieldsArray.map((f) => [f.id, f]));
    const oById = new Map(o.fieldsArray.map((f) => [f.id, f]));
    for (const of of o.fieldsArray) {
      const uf = uById.get(of.id);
      const fat = `${at}/${of.id}`;
      if (!uf) {
        if (of.required) this.errors.add(`${fat}: required field '${of.name}' removed`);
        else if (realOneof(of))
          this.errors.add(`${fat}: field '${of.name}' removed from oneof '${realOneof(of)}'`);
        continue;
      }
      this.field(of, uf, fat);
    }
    for (const uf of u.fieldsArray) {
      if (!oById.has(uf.id) && uf.required)
        this.errors.add(`${at}/${uf.id}: required field '${uf.name}' added`);
    }
    this.oneofs(o, u, oById, at);
  }

  /** Fields that end up in one oneof must come from a single place: one old oneof, or one old field. */
  private oneofs(o: protobuf.Type, u: protobuf.Type, oById: Map<number, protobuf.Field>, at: string): void {
    const oldOneofs = new Set(o.fieldsArray.map(realOneof).filter((n) => n !== undefined));
    const sources = new Map<string, Set<string>>();
    for (const uf of u.fieldsArray) {
      const group = realOneof(uf);
      const of = oById.get(uf.id);
      if (!group || !of) continue;
      const oldGroup = realOneof(of);
      const set = sources.get(group) ?? new Set();
      set.add(oldGroup ? `oneof:${oldGroup}` : `field:${of.id}`);
      sources.set(group, set);
    }
    for (const [group, from] of sources) {
      const incompatible = oldOneofs.has(group)
        ? [...from].some((s) => s !== `oneof:${group}`)
        : from.size > 1;
      if (incompatible) this.errors.add(`${at}/${group}: existing fields moved into oneof '${group}'`);
    }
  }

  private field(of: protobuf.Field, uf: protobuf.Field, at: string): void {
    const label = `field '${uf.name}'`;
    const oMap = of instanceof protobuf.MapField;
    const uMap = uf instanceof protobuf.MapField;
    if (oMap !== uMap) {
      this.errors.add(`${at}: ${label} changed between map and ${oMap ? "non-map" : "map"}`);
      return;
    }
    if (of instanceof protobuf.MapField && uf instanceof protobuf.MapField) {
      this.types(typeRef(of.keyType, null), typeRef(uf.keyType, null), `${at}/key`, `${label} key`);
    }
    if (of.required !== uf.required) {
      // A reader that requires the field rejects data without it; a writer that may omit it breaks
      // readers that require it. Either way one side cannot parse the other's messages.
      this.errors.add(
        `${at}: ${label} changed from ${of.required ? "required" : "optional"} to ${uf.required ? "required" : "optional"}`,
      );
    }
    const ot = typeRef(of.type, of.resolvedType);
    const ut = typeRef(uf.type, uf.resolvedType);
    if (!this.types(ot, ut, at, label)) return;
    if (
      of.repeated !== uf.repeated &&
      !oMap &&
      ot.kind === "scalar" &&
      ot.scalar !== "string" &&
      ot.scalar !== "bytes"
    ) {
      this.errors.add(`${at}: ${label} changed between repeated and singular (numeric encoding differs)`);
    }
  }

  /** Compares two field types; false when already reported as a different kind. */
  private types(o: TypeRef, u: TypeRef, at: string, label: string): boolean {
    if (o.kind !== u.kind) {
      this.errors.add(`${at}: ${label} changed from ${o.kind} to ${u.kind}`);
      return false;
    }
    if (o.kind === "scalar") {
      if (wireGroups[o.scalar!] !== wireGroups[u.scalar!]) {
        this.errors.add(`${at}: ${label} changed from ${o.scalar} to ${u.scalar} (different wire encoding)`);
      }
      return true;
    }
    const on = this.relName(o.message!, this.original);
    const un = this.relName(u.message!, this.update);
    if (on !== un) {
      this.errors.add(`${at}: ${label} changed message type from '${on}' to '${un}'`);
      return true;
    }
    const before = this.errors.size;
    this.message(o.message!, u.message!, `/${on}`);
    if (this.errors.size > before)
      this.errors.add(`${at}: ${label} message type '${on}' changed incompatibly`);
    return true;
  }
}

/** Backward check for the mode layer: can `reader` (the update) read data written with `writer`? */
export function protobufReaderWriterErrors(
  reader: ProtobufParsedSchema,
  writer: ProtobufParsedSchema,
): string[] {
  const diff = new ProtoDiff(writer, reader);
  diff.run();
  return [...diff.errors];
}
