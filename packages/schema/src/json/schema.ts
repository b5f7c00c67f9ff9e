import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import draft06 from "ajv/dist/refs/json-schema-draft-06.json" with { type: "json" };
import { errorMessage, SchemaError } from "../errors.ts";
import {
  type ParsedSchemaBase,
  type ValidationIssue,
  type ValidationResult,
  validationResult,
} from "../types.ts";
import { canonicalJson, decodeUtf8, isPlainObject, sha256Fingerprint } from "../util/canonical-json.ts";
import { linearRegExp } from "./safe-regexp.ts";

/** JSON Schema drafts understood by the validator. */
export type JsonSchemaDraft = "draft-07" | "2019-09" | "2020-12";

/** A parsed JSON Schema. */
export interface JsonParsedSchema extends ParsedSchemaBase {
  readonly type: "json_schema";
  /** The schema as a JSON value (draft-04 boolean exclusive bounds rewritten in draft-06+ form). */
  readonly json: unknown;
  /** The draft used for validation, from `$schema` (draft-04/06/07 use draft-07 rules; absent: draft-07). */
  readonly draft: JsonSchemaDraft;
  /** The compiled ajv validator (for serdes). */
  readonly validator: ValidateFunction;
  /** Validates a payload: UTF-8 JSON text. */
  validate(payload: Uint8Array): ValidationResult;
  /** Validates an already-parsed JSON value. */
  validateValue(value: unknown): ValidationResult;
}

const options = {
  strict: false,
  allErrors: true,
  // `format` is an annotation only (no format plugin is bundled); 2020-12 makes that the default.
  validateFormats: false,
  logger: false,
  // Several versions of one subject often share an `$id`; never register compiled schemas by id.
  addUsedSchema: false,
  // `pattern` and `patternProperties` match in linear time (no catastrophic backtracking).
  code: { regExp: linearRegExp },
} as const;

type AjvLike = { compile(schema: AnySchema): ValidateFunction; removeSchema(schema: AnySchema): unknown };
const instances = new Map<JsonSchemaDraft, AjvLike>();

function ajvFor(draft: JsonSchemaDraft): AjvLike {
  let ajv = instances.get(draft);
  if (!ajv) {
    if (draft === "2020-12") ajv = new Ajv2020(options);
    else if (draft === "2019-09") ajv = new Ajv2019(options);
    else {
      const a = new Ajv(options);
      a.addMetaSchema(draft06);
      ajv = a;
    }
    instances.set(draft, ajv);
  }
  return ajv;
}

/**
 * Builds the validator instances of every draft and compiles one small schema with each. The first
 * compile per draft is the slow one (ajv compiles its meta-schemas): a long-lived process that
 * validates payloads on its event loop calls this once at start instead of stalling on first use.
 */
export function warmUpJsonSchemaValidators(): void {
  for (const draft of ["draft-07", "2019-09", "2020-12"] as const) {
    const ajv = ajvFor(draft);
    const schema = { type: "object", properties: { a: { type: "string", pattern: "^a" } } };
    ajv.compile(schema);
    ajv.removeSchema(schema);
  }
}

/** The draft named by a `$schema` URI. */
export function draftOf(json: unknown): JsonSchemaDraft {
  const uri = isPlainObject(json) && typeof json.$schema === "string" ? json.$schema : "";
  if (uri.includes("2020-12")) return "2020-12";
  if (uri.includes("2019-09")) return "2019-09";
  return "draft-07";
}

/** Converts ajv errors to readable issues. */
export function ajvIssues(errors: ErrorObject[] | null | undefined): ValidationIssue[] {
  return (errors ?? []).map((e) => ({
    path: e.instancePath || "/",
    message: `${e.message ?? "is invalid"}${e.keyword === "additionalProperties" ? ` ('${String(e.params.additionalProperty)}')` : ""}`,
  }));
}

/**
 * Rewrites draft-04 boolean `exclusiveMinimum`/`exclusiveMaximum` (modifiers of minimum/maximum)
 * into the numeric form of later drafts, everywhere in the document.
 */
function upgradeDraft04(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(upgradeDraft04);
  if (!isPlainObject(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = upgradeDraft04(v);
  for (const [flag, bound] of [
    ["exclusiveMinimum", "minimum"],
    ["exclusiveMaximum", "maximum"],
  ] as const) {
    if (typeof out[flag] !== "boolean") continue;
    if (out[flag] === true && typeof out[bound] === "number") {
      out[flag] = out[bound];
      delete out[bound];
    } else {
      delete out[flag];
    }
  }
  return out;
}

/** Parses and compiles JSON Schema text. Throws SchemaError SCHEMA_INVALID. */
export function parseJsonSchema(text: string): JsonParsedSchema {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SchemaError("SCHEMA_INVALID", `Invalid JSON Schema: not JSON: ${errorMessage(e)}`);
  }
  if (typeof json !== "boolean" && !isPlainObject(json)) {
    throw new SchemaError("SCHEMA_INVALID", "Invalid JSON Schema: must be an object or a boolean");
  }
  const draft = draftOf(json);
  const normalized = upgradeDraft04(json);
  const canonical = canonicalJson(json);
  const fingerprint = sha256Fingerprint(canonical);
  let schemaForAjv = normalized;
  if (isPlainObject(normalized)) {
    // Draft-04 (and its root `id`) is validated with draft-07 rules; ajv has no draft-04 meta-schema.
    const { $schema, id, ...rest } = normalized;
    schemaForAjv = {
      ...(typeof $schema === "string" && !$schema.includes("draft-04") ? { $schema } : {}),
      ...(id !== undefined && typeof id !== "string" ? { id } : {}),
      // Without a root `$id`, ajv (addUsedSchema: false) cannot resolve `"$ref": "#"`; a synthetic,
      // unique one is given to ajv only, so the canonical form and fingerprint stay as they are.
      ...(typeof rest.$id === "string" ? {} : { $id: `urn:danube:${fingerprint.replace(/^sha256:/, "")}` }),
      ...rest,
    };
  }
  let validator: ValidateFunction;
  try {
    const ajv = ajvFor(draft);
    validator = ajv.compile(schemaForAjv as AnySchema);
    // Drop ajv's cache entry (keyed by the schema object) so long-lived processes do not grow.
    if (isPlainObject(schemaForAjv)) ajv.removeSchema(schemaForAjv);
  } catch (e) {
    throw new SchemaError("SCHEMA_INVALID", `Invalid JSON Schema: ${errorMessage(e)}`);
  }
  const validateValue = (value: unknown): ValidationResult =>
    validationResult(validator(value) ? [] : ajvIssues(validator.errors));
  return {
    type: "json_schema",
    canonical,
    fingerprint,
    json: normalized,
    draft,
    validator,
    validateValue,
    validate(payload) {
      const text = decodeUtf8(payload);
      if (text === undefined) return validationResult([{ path: "/", message: "payload is not valid UTF-8" }]);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        return validationResult([{ path: "/", message: `payload is not JSON: ${errorMessage(e)}` }]);
      }
      return validateValue(value);
    },
  };
}
