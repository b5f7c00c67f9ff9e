import { avroReaderWriterErrors } from "./avro/compat.ts";
import { jsonReaderWriterErrors } from "./json/compat.ts";
import { upstreamJsonBackward, upstreamJsonForward, upstreamJsonFull } from "./json/upstream-compat.ts";
import type { ParsedSchema } from "./parse.ts";
import { protobufReaderWriterErrors } from "./protobuf/compat.ts";
import {
  type CompatibilityMode,
  CompatibilityRules,
  parseCompatibilityMode,
  parseCompatibilityRules,
} from "./types.ts";

/** Outcome of a compatibility check; `errors` are readable, each with a location. */
export interface CompatibilityResult {
  compatible: boolean;
  errors: string[];
}

/** Can `reader` read data written with `writer`? Both must have the same type. */
function readerWriterErrors(reader: ParsedSchema, writer: ParsedSchema): string[] {
  if (reader.type !== writer.type) {
    return [`schema type changed from '${writer.type}' to '${reader.type}'`];
  }
  switch (reader.type) {
    case "avro":
      return avroReaderWriterErrors(reader.model, (writer as typeof reader).model);
    case "json_schema":
      return jsonReaderWriterErrors(reader, writer as typeof reader);
    case "protobuf":
      return protobufReaderWriterErrors(reader, writer as typeof reader);
    default:
      return [];
  }
}

type Base = "backward" | "forward" | "full";

/** The strict rules for one earlier version: reader/writer checks in each direction. */
function strictErrors(base: Base, previous: ParsedSchema, candidate: ParsedSchema): string[] {
  const backward = base !== "forward";
  const forward = base !== "backward";
  return [
    ...(backward ? readerWriterErrors(candidate, previous).map((e) => (forward ? `backward: ${e}` : e)) : []),
    ...(forward ? readerWriterErrors(previous, candidate).map((e) => (backward ? `forward: ${e}` : e)) : []),
  ];
}

/** The text of a JSON Schema as registered (before draft-04 normalisation). */
const rawJson = (schema: ParsedSchema & { type: "json_schema" }): unknown => JSON.parse(schema.canonical);

/**
 * The upstream rules for one earlier version: upstream's own message when the type changes, and
 * upstream's JSON Schema checker. Avro and Protobuf keep the strict (reader/writer) checks; their
 * differences from upstream's checkers are documented in docs/schema-compatibility.md.
 */
function upstreamErrors(base: Base, previous: ParsedSchema, candidate: ParsedSchema): string[] {
  if (previous.type !== candidate.type) {
    return ["Schema types must match (cannot change from Avro to JSON, etc.)"];
  }
  if (previous.type !== "json_schema" || candidate.type !== "json_schema") {
    return strictErrors(base, previous, candidate);
  }
  const check = { backward: upstreamJsonBackward, forward: upstreamJsonForward, full: upstreamJsonFull }[
    base
  ];
  return check(rawJson(previous), rawJson(candidate));
}

/**
 * Checks `candidate` against the registered versions (`previous`, oldest first) under `mode`.
 * BACKWARD: the candidate reads data written with a previous version. FORWARD: a previous version
 * reads data written with the candidate. FULL: both. Plain modes compare with the latest version,
 * `*_transitive` ones with every version. A type change is incompatible unless the mode is none.
 *
 * `rules` picks the rule set: `upstream` (default) judges JSON Schema exactly as upstream Danube
 * v0.15.1 does; `strict` uses Confluent's JSON Schema rules. Avro and Protobuf are the same in both.
 */
export function checkCompatibility(
  mode: CompatibilityMode | string,
  previous: readonly ParsedSchema[],
  candidate: ParsedSchema,
  rules: CompatibilityRules | string = CompatibilityRules.Upstream,
): CompatibilityResult {
  const m = parseCompatibilityMode(mode);
  const ruleSet = parseCompatibilityRules(rules);
  if (m === "none" || previous.length === 0) return { compatible: true, errors: [] };
  const transitive = m.endsWith("_transitive");
  const base = m.replace("_transitive", "") as Base;
  const targets = transitive
    ? previous.map((p, i) => ({ p, i }))
    : [{ p: previous.at(-1)!, i: previous.length - 1 }];
  const check = ruleSet === "strict" ? strictErrors : upstreamErrors;
  const errors: string[] = [];
  for (const { p, i } of targets.reverse()) {
    const prefix = transitive && previous.length > 1 ? `version #${i + 1} of ${previous.length}: ` : "";
    errors.push(...check(base, p, candidate).map((e) => prefix + e));
  }
  return { compatible: errors.length === 0, errors };
}
