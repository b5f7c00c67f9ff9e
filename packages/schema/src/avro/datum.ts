import type { ValidationIssue } from "../types.ts";
import { isPlainObject } from "../util/canonical-json.ts";
import { JsonFloat } from "../util/json-text.ts";
import { type AvroNode, describeAvro } from "./model.ts";

/**
 * Largest magnitude accepted for a long held in a JavaScript number: 2^52, so that the zig-zag
 * doubling stays exact in double arithmetic (the bound avsc uses). Larger longs must be bigints.
 */
const MAX_NUMBER_LONG = 2 ** 52;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function isByteString(v: unknown): v is string {
  if (typeof v !== "string") return false;
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) > 0xff) return false;
  return true;
}

function byteLength(v: unknown): number | undefined {
  if (v instanceof Uint8Array) return v.length;
  return isByteString(v) ? v.length : undefined;
}

/**
 * Checks a generic datum: JavaScript values as produced by JSON.parse (or by
 * `parseJsonKeepingFloats`), with union values unwrapped, bytes and fixed given as Uint8Array or
 * as strings whose code points 0-255 are the bytes, and longs as numbers (|n| <= 2^52) or bigints.
 */
export function validateAvroDatum(node: AvroNode, value: unknown): ValidationIssue[] {
  const errors: ValidationIssue[] = [];
  const check = (n: AvroNode, v: unknown, path: string, report: boolean): boolean => {
    const fail = (message: string): boolean => {
      if (report) errors.push({ path: path || "/", message });
      return false;
    };
    const expected = () => fail(`expected ${describeAvro(n)}, got ${describeValue(v)}`);
    switch (n.kind) {
      case "null":
        return v === null || expected();
      case "boolean":
        return typeof v === "boolean" || expected();
      case "int":
        return (typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) || expected();
      case "long":
        if (typeof v === "bigint") return (v >= INT64_MIN && v <= INT64_MAX) || expected();
        return (typeof v === "number" && Number.isInteger(v) && Math.abs(v) <= MAX_NUMBER_LONG) || expected();
      case "float":
      case "double":
        return typeof v === "number" || v instanceof JsonFloat || expected();
      case "bytes":
        return byteLength(v) !== undefined || expected();
      case "string":
        return typeof v === "string" || expected();
      case "fixed": {
        const len = byteLength(v);
        if (len === undefined) return expected();
        return len === n.size || fail(`fixed '${n.name}' needs ${n.size} byte(s), got ${len}`);
      }
      case "enum":
        if (typeof v !== "string") return expected();
        return n.symbols.includes(v) || fail(`'${v}' is not a symbol of enum '${n.name}'`);
      case "array":
        if (!Array.isArray(v)) return expected();
        return v.map((item, i) => check(n.items, item, `${path}/${i}`, report)).every(Boolean);
      case "map":
        if (!isPlainObject(v)) return expected();
        return Object.entries(v)
          .map(([k, item]) => check(n.values, item, `${path}/${k}`, report))
          .every(Boolean);
      case "record": {
        if (!isPlainObject(v)) return expected();
        return n.fields
          .map((f) => {
            const fv = f.name in v ? v[f.name] : f.hasDefault ? f.default : null;
            return check(f.type, fv, `${path}/${f.name}`, report);
          })
          .every(Boolean);
      }
      case "union":
        if (n.branches.some((b) => check(b, v, path, false))) return true;
        return fail(`${describeValue(v)} matches no branch of ${describeAvro(n)}`);
    }
  };
  check(node, value, "", true);
  return errors;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (v instanceof JsonFloat) return `number ${v.value}`;
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return "object";
  if (typeof v === "string") return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}
