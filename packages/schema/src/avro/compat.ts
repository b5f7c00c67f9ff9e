import { checkWithLimits, PairChecker } from "../util/pair-check.ts";
import {
  type AvroEnum,
  type AvroNamed,
  type AvroNode,
  type AvroRecord,
  describeAvro,
  shortName,
} from "./model.ts";

/** Writer types that each reader primitive can read through Avro's promotion rules. */
const promotions: Record<string, readonly string[]> = {
  long: ["int"],
  float: ["int", "long"],
  double: ["int", "long", "float"],
  bytes: ["string"],
  string: ["bytes"],
};

/**
 * Apache Avro schema resolution: can `reader` read every datum written with `writer`?
 * Returns readable incompatibilities, each prefixed with its location in the reader schema.
 */
export function avroReaderWriterErrors(reader: AvroNode, writer: AvroNode): string[] {
  // Finished pairs are memoised whatever their result; a pair already under check (recursive
  // types) is assumed compatible, as Avro does. Work and depth are bounded.
  const pairs = new PairChecker<AvroNode, AvroNode>();
  const check = (r: AvroNode, w: AvroNode, at: string): string[] =>
    pairs.pair(r, w, at, () => checkPair(r, w, at));

  const loc = (at: string) => at || "/";

  const checkPair = (r: AvroNode, w: AvroNode, at: string): string[] => {
    if (w.kind === "union" && r.kind !== "union") {
      return w.branches.flatMap((b) => check(r, b, at));
    }
    switch (r.kind) {
      case "union": {
        if (w.kind === "union") return w.branches.flatMap((b) => check(r, b, at));
        if (r.branches.some((b) => check(b, w, at).length === 0)) return [];
        return [`${loc(at)}: reader union has no branch that can read writer type ${describeAvro(w)}`];
      }
      case "record":
        if (w.kind !== "record") return [mismatch(r, w, at)];
        return nameErrors(r, w, at) ?? recordErrors(r, w, at);
      case "enum":
        if (w.kind !== "enum") return [mismatch(r, w, at)];
        return nameErrors(r, w, at) ?? enumErrors(r, w, at);
      case "fixed":
        if (w.kind !== "fixed") return [mismatch(r, w, at)];
        return (
          nameErrors(r, w, at) ??
          (r.size === w.size
            ? []
            : [`${loc(at)}: fixed '${r.name}' has size ${r.size} in the reader but ${w.size} in the writer`])
        );
      case "array":
        return w.kind === "array" ? check(r.items, w.items, `${at}/items`) : [mismatch(r, w, at)];
      case "map":
        return w.kind === "map" ? check(r.values, w.values, `${at}/values`) : [mismatch(r, w, at)];
      default:
        if (r.kind === w.kind || promotions[r.kind]?.includes(w.kind)) return [];
        return [mismatch(r, w, at)];
    }
  };

  const mismatch = (r: AvroNode, w: AvroNode, at: string) =>
    `${loc(at)}: reader type ${describeAvro(r)} cannot read writer type ${describeAvro(w)}`;

  // Avro compares unqualified names, or the reader's aliases against the writer's full name.
  const nameErrors = (r: AvroNamed, w: AvroNamed, at: string): string[] | undefined => {
    if (shortName(r.name) === shortName(w.name) || r.aliases.includes(w.name)) return undefined;
    return [`${loc(at)}: reader ${r.kind} name '${r.name}' does not match writer name '${w.name}'`];
  };

  const enumErrors = (r: AvroEnum, w: AvroEnum, at: string): string[] => {
    const missing = w.symbols.filter((s) => !r.symbols.includes(s));
    if (missing.length === 0 || r.default !== undefined) return [];
    return [
      `${loc(at)}: reader enum '${r.name}' lacks writer symbols [${missing.join(", ")}] and has no default`,
    ];
  };

  const recordErrors = (r: AvroRecord, w: AvroRecord, at: string): string[] => {
    const errors: string[] = [];
    for (const rf of r.fields) {
      const fat = `${at}/fields/${rf.name}`;
      const wf =
        w.fields.find((f) => f.name === rf.name) ?? w.fields.find((f) => rf.aliases.includes(f.name));
      if (!wf) {
        if (!rf.hasDefault) {
          errors.push(`${fat}: reader field '${rf.name}' has no default and is missing in writer`);
        }
        continue;
      }
      errors.push(...check(rf.type, wf.type, fat));
    }
    return errors;
  };

  return checkWithLimits(() => check(reader, writer, ""));
}
