import { canonicalJson, jsonEqual } from "../util/canonical-json.ts";
import { checkWithLimits, PairChecker } from "../util/pair-check.ts";
import { compareArrays, compareObjects } from "./compat-structures.ts";
import { classify, type JsonDoc, type JsonNode, jsonDoc, type Obj } from "./model.ts";
import type { JsonParsedSchema } from "./schema.ts";

/** One side of a comparison: a classified node and the document its `$ref`s resolve in. */
export interface Side {
  doc: JsonDoc;
  node: JsonNode;
}

/**
 * Compares an original schema with an update, reporting every change that lets the update reject
 * a document the original accepted (Confluent's SchemaDiff rules under its default STRICT policy).
 * Node pairs are memoised (classified nodes are shared, so equal subschemas compare once), and a
 * check that needs too much work or nests too deep is abandoned as incompatible.
 */
export class JsonDiff {
  private readonly pairs = new PairChecker<JsonNode, JsonNode>();

  /** Compares raw child schemas of the two documents. */
  raw(oDoc: JsonDoc, o: unknown, uDoc: JsonDoc, u: unknown, at: string): string[] {
    return this.compare({ doc: oDoc, node: classify(oDoc, o) }, { doc: uDoc, node: classify(uDoc, u) }, at);
  }

  /** Is `u` at least as permissive as `o`? */
  compatible(o: Side, u: Side): boolean {
    return this.compare(o, u, "").length === 0;
  }

  compare(o: Side, u: Side, at: string): string[] {
    // A recursive reference pair already under comparison is assumed compatible. Pairs are keyed
    // before and after resolving refs, so distinct refs to one definition meet as one pair.
    return this.pairs.pair(o.node, u.node, at, () => {
      const ro = resolve(o);
      const ru = resolve(u);
      if (ro === o && ru === u) return this.compareResolved(o, u, at);
      return this.pairs.pair(ro.node, ru.node, at, () => this.compareResolved(ro, ru, at));
    });
  }

  private compareResolved(o: Side, u: Side, at: string): string[] {
    const loc = at || "/";
    const on = o.node;
    const un = u.node;
    if (on.kind === "ref" || un.kind === "ref") {
      // Only refs into the document that lead nowhere are left after `resolve`.
      if (on.kind === "ref" && un.kind === "ref" && on.ref === un.ref) return [];
      const broken = on.kind === "ref" ? on : (un as Extract<JsonNode, { kind: "ref" }>);
      return [`${loc}: $ref '${broken.ref}' cannot be resolved`];
    }
    if (on.kind !== "combined" && un.kind === "combined") {
      if (un.subs.length === 1) return this.compare(o, { doc: u.doc, node: un.subs[0]! }, at);
      // A sum type that contains a compatible branch extends the original.
      if (un.criterion !== "allOf" && un.subs.some((s) => this.compatible(o, { doc: u.doc, node: s })))
        return [];
    } else if (on.kind === "combined" && un.kind !== "combined") {
      if (on.subs.length === 1) return this.compare({ doc: o.doc, node: on.subs[0]! }, u, at);
      // Dropping all but one member of an allOf only relaxes the schema.
      if (on.criterion === "allOf" && on.subs.some((s) => this.compatible({ doc: o.doc, node: s }, u)))
        return [];
    }
    if (on.kind !== un.kind) {
      if (on.kind === "false" || un.kind === "empty") return [];
      return [`${loc}: type changed from ${describe(on)} to ${describe(un)}`];
    }
    switch (on.kind) {
      case "string":
        return compareBounds(on.raw, (un as typeof on).raw, stringBounds, at).concat(
          comparePattern(on.raw, (un as typeof on).raw, at),
        );
      case "number":
        return compareNumbers(on, un as typeof on, at);
      case "enum": {
        const removed = on.values.filter((v) => !(un as typeof on).values.some((w) => jsonEqual(v, w)));
        return removed.length === 0
          ? []
          : [`${loc}: enum no longer allows ${removed.map((v) => canonicalJson(v)).join(", ")}`];
      }
      case "not":
        // not(A) -> not(B) accepts more when B accepts less than A.
        return this.raw(u.doc, (un as typeof on).schema, o.doc, on.schema, `${at}/not`).length === 0
          ? []
          : [`${loc}/not: the excluded schema was extended`];
      case "combined":
        return this.compareCombined(o.doc, on, u.doc, un as typeof on, at);
      case "object":
        return compareObjects(this, o.doc, on.raw, u.doc, (un as typeof on).raw, at);
      case "array":
        return compareArrays(this, o.doc, on.raw, u.doc, (un as typeof on).raw, at);
      case "conditional": {
        const ur = (un as typeof on).raw;
        if (!jsonEqual(on.raw.if, ur.if)) return [`${at}/if: condition changed`];
        return [
          ...this.raw(o.doc, on.raw.then, u.doc, ur.then, `${at}/then`),
          ...this.raw(o.doc, on.raw.else, u.doc, ur.else, `${at}/else`),
        ];
      }
      default:
        return [];
    }
  }

  private compareCombined(
    oDoc: JsonDoc,
    o: Extract<JsonNode, { kind: "combined" }>,
    uDoc: JsonDoc,
    u: Extract<JsonNode, { kind: "combined" }>,
    at: string,
  ): string[] {
    const loc = at || "/";
    const errors: string[] = [];
    // A criterion change relaxes when it moves to anyOf, away from allOf, or away from a singleton.
    const singleton = o.subs.length === 1 && (u.subs.length === 1 || u.criterion !== "allOf");
    if (o.criterion !== u.criterion && !(u.criterion === "anyOf" || o.criterion === "allOf" || singleton)) {
      return [`${loc}: combination changed from ${o.criterion} to ${u.criterion}`];
    }
    if (o.subs.length < u.subs.length && u.criterion === "allOf") {
      errors.push(`${loc}: allOf gained ${u.subs.length - o.subs.length} subschema(s)`);
    } else if (o.subs.length > u.subs.length && o.criterion !== "allOf") {
      errors.push(`${loc}: ${o.criterion} lost ${o.subs.length - u.subs.length} subschema(s)`);
    }
    const edges = o.subs.map((os) =>
      u.subs.map((us) => this.compatible({ doc: oDoc, node: os }, { doc: uDoc, node: us })),
    );
    if (maxMatching(edges, u.subs.length) < Math.min(o.subs.length, u.subs.length)) {
      errors.push(`${loc}: ${u.criterion} subschemas changed incompatibly`);
    }
    return errors;
  }
}

/**
 * Follows `$ref`s. A remote ref, and a chain of refs that never reaches a schema, become `{}`; a
 * ref into the document that leads nowhere stays, to be reported.
 */
function resolve(s: Side): Side {
  let node = s.node;
  for (let i = 0; node.kind === "ref" && !node.broken && node.target !== undefined && i < 32; i++) {
    node = classify(s.doc, node.target);
  }
  if (node.kind === "ref" && !node.broken) node = classify(s.doc, true);
  return node === s.node ? s : { doc: s.doc, node };
}

/** Size of a maximum bipartite matching (Kuhn's algorithm). */
function maxMatching(edges: boolean[][], right: number): number {
  const matchOfRight = new Array<number>(right).fill(-1);
  const tryAssign = (l: number, seen: boolean[]): boolean => {
    for (let r = 0; r < right; r++) {
      if (!edges[l]![r] || seen[r]) continue;
      seen[r] = true;
      if (matchOfRight[r] === -1 || tryAssign(matchOfRight[r]!, seen)) {
        matchOfRight[r] = l;
        return true;
      }
    }
    return false;
  };
  let count = 0;
  for (let l = 0; l < edges.length; l++) if (tryAssign(l, new Array<boolean>(right).fill(false))) count++;
  return count;
}

export function describe(n: JsonNode): string {
  switch (n.kind) {
    case "number":
      return n.integer ? "integer" : "number";
    case "combined":
      return n.criterion;
    case "empty":
      return "any (empty schema)";
    case "false":
      return "nothing (false schema)";
    default:
      return n.kind;
  }
}

/** Bound keywords: `upper` ones may grow or be removed, lower ones may shrink or be removed. */
export interface Bound {
  key: string;
  upper: boolean;
}
const stringBounds: Bound[] = [
  { key: "maxLength", upper: true },
  { key: "minLength", upper: false },
];

/** Reports bounds that were added or tightened. */
export function compareBounds(o: Obj, u: Obj, bounds: Bound[], at: string): string[] {
  const errors: string[] = [];
  for (const { key, upper } of bounds) {
    const ov = typeof o[key] === "number" ? (o[key] as number) : undefined;
    const uv = typeof u[key] === "number" ? (u[key] as number) : undefined;
    if (uv === undefined) continue;
    if (ov === undefined) errors.push(`${at}/${key}: ${key} ${uv} added`);
    else if (upper ? uv < ov : uv > ov)
      errors.push(`${at}/${key}: ${key} ${upper ? "decreased" : "increased"} from ${ov} to ${uv}`);
  }
  return errors;
}

function comparePattern(o: Obj, u: Obj, at: string): string[] {
  if (u.pattern === undefined || u.pattern === o.pattern) return [];
  return [`${at}/pattern: pattern ${o.pattern === undefined ? "added" : "changed"} (${String(u.pattern)})`];
}

function compareNumbers(
  o: Extract<JsonNode, { kind: "number" }>,
  u: Extract<JsonNode, { kind: "number" }>,
  at: string,
): string[] {
  const errors = [...compareLimit(o.raw, u.raw, "maximum", at), ...compareLimit(o.raw, u.raw, "minimum", at)];
  if (!o.integer && u.integer) errors.push(`${at || "/"}: type narrowed from number to integer`);
  const om = typeof o.raw.multipleOf === "number" ? o.raw.multipleOf : undefined;
  const um = typeof u.raw.multipleOf === "number" ? u.raw.multipleOf : undefined;
  if (um !== undefined && om === undefined) errors.push(`${at}/multipleOf: multipleOf ${um} added`);
  else if (um !== undefined && om !== undefined && om !== um && !isMultiple(om, um)) {
    errors.push(`${at}/multipleOf: multipleOf changed from ${om} to ${um}`);
  }
  return errors;
}

/** The effective numeric limit on one side: `minimum`/`exclusiveMinimum` (or the maximum pair) combined. */
function limit(s: Obj, side: "maximum" | "minimum"): { value: number; exclusive: boolean } | undefined {
  const excl = side === "maximum" ? "exclusiveMaximum" : "exclusiveMinimum";
  const inclusive = typeof s[side] === "number" ? { value: s[side] as number, exclusive: false } : undefined;
  const exclusive = typeof s[excl] === "number" ? { value: s[excl] as number, exclusive: true } : undefined;
  if (!inclusive || !exclusive) return inclusive ?? exclusive;
  const tighter =
    side === "maximum" ? exclusive.value <= inclusive.value : exclusive.value >= inclusive.value;
  return tighter ? exclusive : inclusive;
}

/** A numeric limit may be removed or relaxed, not added or tightened. */
function compareLimit(o: Obj, u: Obj, side: "maximum" | "minimum", at: string): string[] {
  const ol = limit(o, side);
  const ul = limit(u, side);
  if (!ul) return [];
  const show = (l: { value: number; exclusive: boolean }) =>
    `${l.exclusive ? "exclusive " : ""}${side} ${l.value}`;
  if (!ol) return [`${at}/${side}: ${show(ul)} added`];
  const relaxed = side === "maximum" ? ul.value > ol.value : ul.value < ol.value;
  if (relaxed || (ul.value === ol.value && (!ul.exclusive || ol.exclusive))) return [];
  return [`${at}/${side}: ${show(ol)} tightened to ${show(ul)}`];
}

function isMultiple(value: number, divisor: number): boolean {
  const q = value / divisor;
  return Math.abs(q - Math.round(q)) < 1e-9;
}

/** Backward check for the mode layer: can `reader` (the update) accept whatever `writer` accepted? */
export function jsonReaderWriterErrors(reader: JsonParsedSchema, writer: JsonParsedSchema): string[] {
  return checkWithLimits(() =>
    new JsonDiff().raw(jsonDoc(writer.json), writer.json, jsonDoc(reader.json), reader.json, ""),
  );
}
