// Upstream Danube v0.15.1's JSON Schema compatibility rules (danube-schema's JSON checker),
// restated: the default rule set of the danube-ts registry.
import { isPlainObject, jsonEqual } from "../util/canonical-json.ts";

/**
 * Upstream looks at the top level of the two documents only:
 * - `required`: the string entries of a top-level `required` array, in order (others are skipped);
 * - `properties`: the top-level `properties` object; each property's `type` value.
 * Nested objects, `additionalProperties`, `enum`, `const`, bounds, combinators and `$ref` are not
 * looked at, and there is no notion of an open or closed content model.
 */
interface TopLevel {
  required: string[];
  properties: Record<string, unknown> | undefined;
}

function topLevel(schema: unknown): TopLevel {
  if (!isPlainObject(schema)) return { required: [], properties: undefined };
  const required = Array.isArray(schema.required)
    ? schema.required.filter((r): r is string => typeof r === "string")
    : [];
  const properties = isPlainObject(schema.properties) ? schema.properties : undefined;
  return { required, properties };
}

const has = (props: Record<string, unknown> | undefined, name: string) =>
  props !== undefined && Object.hasOwn(props, name);

/**
 * Two property schemas have compatible types unless both carry a `type` keyword and the values
 * differ (`"integer"` to `"number"` counts as a change; so does `["string","null"]` to `"string"`).
 */
function sameType(a: unknown, b: unknown): boolean {
  if (!isPlainObject(a) || !isPlainObject(b)) return true;
  if (!Object.hasOwn(a, "type") || !Object.hasOwn(b, "type")) return true;
  return jsonEqual(a.type, b.type);
}

/** Property names in the order upstream reports them (serde_json's map: sorted by UTF-8 bytes). */
function sortedNames(props: Record<string, unknown>): string[] {
  return Object.keys(props).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
}

function typeChanges(old: TopLevel, cand: TopLevel, label: string): string[] {
  if (old.properties === undefined || cand.properties === undefined) return [];
  const errors: string[] = [];
  for (const name of sortedNames(old.properties)) {
    if (has(cand.properties, name) && !sameType(old.properties[name], cand.properties[name])) {
      errors.push(`${label} incompatible: changed type of field '${name}'`);
    }
  }
  return errors;
}

/**
 * BACKWARD (the new schema reads what the old one wrote), as upstream judges it: a field required
 * by the old schema must still be a property of the new one; a property the old schema had as
 * optional must not become required; a common property must keep its `type`. Adding properties,
 * required or not, is accepted.
 */
export function upstreamJsonBackward(oldSchema: unknown, newSchema: unknown): string[] {
  const old = topLevel(oldSchema);
  const cand = topLevel(newSchema);
  const errors: string[] = [];
  for (const name of old.required) {
    if (!has(cand.properties, name)) errors.push(`Backward incompatible: removed required field '${name}'`);
  }
  for (const name of cand.required) {
    if (has(old.properties, name) && !old.required.includes(name)) {
      errors.push(`Backward incompatible: made optional field '${name}' required`);
    }
  }
  errors.push(...typeChanges(old, cand, "Backward"));
  return errors;
}

/**
 * FORWARD (the old schema reads what the new one writes), as upstream judges it: a field the new
 * schema requires must have been a property of the old one; a common property must keep its
 * `type`. Removing properties, required or not, is accepted.
 */
export function upstreamJsonForward(oldSchema: unknown, newSchema: unknown): string[] {
  const old = topLevel(oldSchema);
  const cand = topLevel(newSchema);
  const errors: string[] = [];
  for (const name of cand.required) {
    if (!has(old.properties, name)) errors.push(`Forward incompatible: added new required field '${name}'`);
  }
  errors.push(...typeChanges(old, cand, "Forward"));
  return errors;
}

/** FULL as upstream: the backward errors when there are any, else the forward ones. */
export function upstreamJsonFull(oldSchema: unknown, newSchema: unknown): string[] {
  const backward = upstreamJsonBackward(oldSchema, newSchema);
  return backward.length > 0 ? backward : upstreamJsonForward(oldSchema, newSchema);
}
