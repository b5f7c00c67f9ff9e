import { isPlainObject } from "../util/canonical-json.ts";
import { type Bound, compareBounds, type JsonDiff } from "./compat.ts";
import type { JsonDoc, Obj } from "./model.ts";

const objectBounds: Bound[] = [
  { key: "maxProperties", upper: true },
  { key: "minProperties", upper: false },
];
const arrayBounds: Bound[] = [
  { key: "maxItems", upper: true },
  { key: "minItems", upper: false },
  { key: "maxContains", upper: true },
  { key: "minContains", upper: false },
];

const schemaOf = (v: unknown): Obj | undefined => (isPlainObject(v) ? v : undefined);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
const hasDefault = (s: unknown) => isPlainObject(s) && "default" in s;
const isEmptySchema = (s: unknown) => s === true || (isPlainObject(s) && Object.keys(s).length === 0);

/**
 * Compares an "additional" slot (additionalProperties, unevaluatedProperties, additionalItems):
 * false -> true or a schema, and schema -> absent, relax; the reverse restricts.
 */
function compareAdditional(
  diff: JsonDiff,
  oDoc: JsonDoc,
  o: unknown,
  uDoc: JsonDoc,
  u: unknown,
  at: string,
): string[] {
  const oPermits = o !== false;
  const uPermits = u !== false;
  if (oPermits !== uPermits) return oPermits ? [`${at}: no longer allowed (was open)`] : [];
  const os = schemaOf(o);
  const us = schemaOf(u);
  if (!os && us) return [`${at}: a schema was added, narrowing what is allowed`];
  if (!os || !us) return [];
  return diff.raw(oDoc, os, uDoc, us, at);
}

/** Content model of an object: open (anything else allowed), closed, or partially open. */
function isOpenObject(s: Obj): boolean {
  const patterns = schemaOf(s.patternProperties);
  return (
    (s.additionalProperties === undefined || s.additionalProperties === true) &&
    (!patterns || Object.keys(patterns).length === 0) &&
    (s.unevaluatedProperties === undefined || s.unevaluatedProperties === true)
  );
}

/**
 * Does `pattern` match `name`? Patterns are user input and may backtrack for ages, so none is ever
 * run here: only a plain literal, optionally anchored with `^` and/or `$`, is decided; for any
 * other pattern the answer is undefined (unknown).
 */
export function literalPatternMatch(pattern: string, name: string): boolean | undefined {
  const m = /^(\^?)([^\\^$.|?*+()[\]{}]*)(\$?)$/.exec(pattern);
  if (!m) return undefined;
  const [, start, literal = "", end] = m;
  if (start && end) return name === literal;
  if (start) return name.startsWith(literal);
  if (end) return name.endsWith(literal);
  return name.includes(literal);
}

/**
 * The schemas a partially open object may apply to an undeclared property `name`: every pattern
 * property that matches it, or may (see `literalPatternMatch`), and, unless a pattern surely
 * matches, the additional schema (`true` when there is none). `uncovered` is set when the property
 * may fall through to `additionalProperties: false`.
 */
function coveringSchemas(s: Obj, name: string): { schemas: unknown[]; uncovered: boolean } {
  const schemas: unknown[] = [];
  let matched = false;
  for (const [pattern, schema] of Object.entries(schemaOf(s.patternProperties) ?? {})) {
    const match = literalPatternMatch(pattern, name);
    if (match === false) continue;
    schemas.push(schema);
    if (match) matched = true;
  }
  let uncovered = false;
  if (!matched) {
    const fallback = schemaOf(s.additionalProperties) ?? schemaOf(s.unevaluatedProperties);
    if (fallback !== undefined) schemas.push(fallback);
    else if (s.additionalProperties === false || s.unevaluatedProperties === false) uncovered = true;
    else schemas.push(true); // the property falls through to "anything goes"
  }
  return { schemas, uncovered };
}

/** Object rules: content models, properties, required, dependencies and bounds. */
export function compareObjects(
  diff: JsonDiff,
  oDoc: JsonDoc,
  o: Obj,
  uDoc: JsonDoc,
  u: Obj,
  at: string,
): string[] {
  const errors: string[] = [];
  errors.push(
    ...compareAdditional(
      diff,
      oDoc,
      o.additionalProperties,
      uDoc,
      u.additionalProperties,
      `${at}/additionalProperties`,
    ),
    ...compareAdditional(
      diff,
      oDoc,
      o.unevaluatedProperties,
      uDoc,
      u.unevaluatedProperties,
      `${at}/unevaluatedProperties`,
    ),
  );
  // Pattern properties: shared patterns are compared; a new one must accept what old data could hold.
  const oPatterns = schemaOf(o.patternProperties) ?? {};
  const uPatterns = schemaOf(u.patternProperties) ?? {};
  for (const [pattern, ups] of Object.entries(uPatterns)) {
    const pat = `${at}/patternProperties/${pattern}`;
    if (pattern in oPatterns) errors.push(...diff.raw(oDoc, oPatterns[pattern], uDoc, ups, pat));
    else if (schemaOf(o.additionalProperties))
      errors.push(...diff.raw(oDoc, o.additionalProperties, uDoc, ups, pat));
    else if (o.additionalProperties !== false && !isEmptySchema(ups)) {
      errors.push(`${pat}: pattern property '${pattern}' added to an open content model`);
    }
  }
  for (const [pattern, ops] of Object.entries(oPatterns)) {
    if (pattern in uPatterns) continue;
    const cover = u.additionalProperties;
    const pat = `${at}/patternProperties/${pattern}`;
    if (cover === false)
      errors.push(`${pat}: pattern property '${pattern}' removed from a closed content model`);
    else if (schemaOf(cover) && diff.raw(oDoc, ops, uDoc, cover, pat).length > 0) {
      errors.push(`${pat}: removed pattern property '${pattern}' is not covered by additionalProperties`);
    }
  }
  // Dependencies: property arrays may shrink or disappear, dependency schemas may disappear.
  const deps = (s: Obj) => ({
    ...schemaOf(s.dependencies),
    ...schemaOf(s.dependentRequired),
    ...schemaOf(s.dependentSchemas),
  });
  const oDeps = deps(o);
  const uDeps = deps(u);
  for (const [name, ud] of Object.entries(uDeps)) {
    const od = oDeps[name];
    const dat = `${at}/dependencies/${name}`;
    if (Array.isArray(ud)) {
      const extra = strings(ud).filter((p) => !(Array.isArray(od) && strings(od).includes(p)));
      if (od === undefined || !Array.isArray(od)) errors.push(`${dat}: dependency on '${name}' added`);
      else if (extra.length > 0)
        errors.push(`${dat}: dependency of '${name}' extended with ${extra.join(", ")}`);
    } else if (od === undefined || Array.isArray(od)) {
      errors.push(`${dat}: dependency schema for '${name}' added`);
    } else {
      errors.push(...diff.raw(oDoc, od, uDoc, ud, dat));
    }
  }
  // Required.
  const oReq = strings(o.required);
  const uReq = strings(u.required);
  const oProps = schemaOf(o.properties) ?? {};
  const uProps = schemaOf(u.properties) ?? {};
  for (const name of uReq) {
    if (!oReq.includes(name) && name in oProps && !hasDefault(uProps[name])) {
      errors.push(`${at}/required/${name}: property '${name}' became required`);
    }
  }
  // Properties removed by the update.
  for (const [name, os] of Object.entries(oProps)) {
    const pat = `${at}/properties/${name}`;
    if (name in uProps) {
      errors.push(...diff.raw(oDoc, os, uDoc, uProps[name], pat));
      continue;
    }
    if (isOpenObject(u)) continue;
    const cover = coveringSchemas(u, name);
    if (cover.uncovered && os !== false) {
      errors.push(`${pat}: property '${name}' removed from a closed content model`);
    } else if (cover.schemas.some((c) => diff.raw(oDoc, os, uDoc, c, pat).length > 0)) {
      errors.push(
        `${pat}: removed property '${name}' is not covered by the new additional/pattern properties`,
      );
    }
  }
  // Properties added by the update.
  for (const [name, us] of Object.entries(uProps)) {
    if (name in oProps) continue;
    const pat = `${at}/properties/${name}`;
    const required = uReq.includes(name);
    if (isOpenObject(o)) {
      if (isEmptySchema(us)) continue;
      errors.push(
        required
          ? `${pat}: required property '${name}' added to an open content model`
          : `${pat}: property '${name}' added to an open content model (old data may hold any value under that name)`,
      );
      continue;
    }
    const cover = coveringSchemas(o, name);
    if (cover.schemas.some((c) => diff.raw(oDoc, c, uDoc, us, pat).length > 0)) {
      errors.push(`${pat}: added property '${name}' is not covered by the old additional/pattern properties`);
    }
    if (required && !hasDefault(us))
      errors.push(`${pat}: required property '${name}' added without a default`);
  }
  if (u.propertyNames !== undefined) {
    if (o.propertyNames === undefined) errors.push(`${at}/propertyNames: propertyNames added`);
    else errors.push(...diff.raw(oDoc, o.propertyNames, uDoc, u.propertyNames, `${at}/propertyNames`));
  }
  return errors.concat(compareBounds(o, u, objectBounds, at));
}

interface ArrayShape {
  tuple: unknown[];
  all: unknown;
  additional: unknown;
}

function arrayShape(s: Obj): ArrayShape {
  if (Array.isArray(s.prefixItems)) {
    return { tuple: s.prefixItems, all: undefined, additional: s.items ?? s.unevaluatedItems };
  }
  if (Array.isArray(s.items))
    return { tuple: s.items, all: undefined, additional: s.additionalItems ?? s.unevaluatedItems };
  return { tuple: [], all: s.items, additional: s.additionalItems };
}

/** Array rules: items, tuples with open/closed/partially open content models, bounds, uniqueItems, contains. */
export function compareArrays(
  diff: JsonDiff,
  oDoc: JsonDoc,
  o: Obj,
  uDoc: JsonDoc,
  u: Obj,
  at: string,
): string[] {
  const errors: string[] = [];
  const os = arrayShape(o);
  const us = arrayShape(u);
  const addAt = `${at}/${Array.isArray(u.prefixItems) ? "items" : "additionalItems"}`;
  errors.push(...compareAdditional(diff, oDoc, os.additional, uDoc, us.additional, addAt));
  if (us.all !== undefined && os.all === undefined) errors.push(`${at}/items: items schema added`);
  else if (us.all !== undefined) errors.push(...diff.raw(oDoc, os.all, uDoc, us.all, `${at}/items`));
  const open = (s: ArrayShape) => s.additional === undefined || s.additional === true;
  const tupleKey = Array.isArray(u.prefixItems) ? "prefixItems" : "items";
  for (let i = 0; i < Math.max(os.tuple.length, us.tuple.length); i++) {
    const iat = `${at}/${tupleKey}/${i}`;
    if (i < os.tuple.length && i < us.tuple.length) {
      errors.push(...diff.raw(oDoc, os.tuple[i], uDoc, us.tuple[i], iat));
    } else if (i < os.tuple.length) {
      if (open(us)) continue;
      const cover = schemaOf(us.additional);
      if (cover) {
        if (diff.raw(oDoc, os.tuple[i], uDoc, cover, iat).length > 0)
          errors.push(`${iat}: removed item not covered by additional items`);
      } else if (os.tuple[i] !== false) {
        errors.push(`${iat}: item removed from a closed tuple`);
      }
    } else if (open(os)) {
      if (!isEmptySchema(us.tuple[i])) errors.push(`${iat}: item added to an open tuple`);
    } else {
      const cover = schemaOf(os.additional);
      if (cover && diff.raw(oDoc, cover, uDoc, us.tuple[i], iat).length > 0) {
        errors.push(`${iat}: added item not covered by the old additional items`);
      }
    }
  }
  if (u.uniqueItems === true && o.uniqueItems !== true) errors.push(`${at}/uniqueItems: uniqueItems added`);
  if (u.contains !== undefined) {
    if (o.contains === undefined) errors.push(`${at}/contains: contains added`);
    else errors.push(...diff.raw(oDoc, o.contains, uDoc, u.contains, `${at}/contains`));
  }
  return errors.concat(compareBounds(o, u, arrayBounds, at));
}
