import { avroReaderWriterErrors } from "./avro/compat.ts";
import { jsonReaderWriterErrors } from "./json/compat.ts";
import type { ParsedSchema } from "./parse.ts";
import { protobufReaderWriterErrors } from "./protobuf/compat.ts";
import { type CompatibilityMode, parseCompatibilityMode } from "./types.ts";

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

/**
 * Checks `candidate` against the registered versions (`previous`, oldest first) under `mode`.
 * BACKWARD: the candidate reads data written with a previous version. FORWARD: a previous version
 * reads data written with the candidate. FULL: both. Plain modes compare with the latest version,
 * `*_transitive` ones with every version. A type change is incompatible unless the mode is none.
 */
export function checkCompatibility(
  mode: CompatibilityMode | string,
  previous: readonly ParsedSchema[],
  candidate: ParsedSchema,
): CompatibilityResult {
  const m = parseCompatibilityMode(mode);
  if (m === "none" || previous.length === 0) return { compatible: true, errors: [] };
  const transitive = m.endsWith("_transitive");
  const base = m.replace("_transitive", "");
  const backward = base === "backward" || base === "full";
  const forward = base === "forward" || base === "full";
  const targets = transitive
    ? previous.map((p, i) => ({ p, i }))
    : [{ p: previous.at(-1)!, i: previous.length - 1 }];
  const errors: string[] = [];
  for (const { p, i } of targets.reverse()) {
    const prefix = transitive && previous.length > 1 ? `version #${i + 1} of ${previous.length}: ` : "";
    const found = [
      ...(backward ? readerWriterErrors(candidate, p).map((e) => (forward ? `backward: ${e}` : e)) : []),
      ...(forward ? readerWriterErrors(p, candidate).map((e) => (backward ? `forward: ${e}` : e)) : []),
    ];
    errors.push(...found.map((e) => prefix + e));
  }
  return { compatible: errors.length === 0, errors };
}
