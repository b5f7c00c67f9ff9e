/**
 * Conformance corpus runner over ../shared/schema-cases (see its README): compatibility and
 * payload-validation cases from other registries' test suites, compared with this engine.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CompatibilityRules,
  checkCompatibility,
  type ParsedSchema,
  parseSchema,
  type SchemaReferenceFile,
} from "../src/index.ts";

export const repoRoot = resolve(fileURLToPath(import.meta.url), "../../../..");
export const corpusDir = resolve(repoRoot, "../shared/schema-cases");

export const corpusFiles = [
  "compat/avro.jsonl",
  "compat/jsonschema.jsonl",
  "compat/protobuf.jsonl",
  "compat/protobuf-with-references.jsonl",
  "validate/avro.jsonl",
  "validate/jsonschema.jsonl",
] as const;

export interface CaseOutcome {
  file: string;
  id: string;
  /** `owner/repo` of the case's source. */
  source: string;
  expected: boolean;
  actual: boolean | "error";
  detail: string;
  note: string;
}

interface CompatCase {
  id: string;
  source: string;
  type: string;
  mode: string;
  previous: string[];
  candidate: string;
  compatible: boolean;
  note?: string;
  previous_references?: Record<string, string>;
  candidate_references?: Record<string, string>;
}

interface ValidateCase {
  id: string;
  source: string;
  type: string;
  schema: string;
  payload: string | null;
  payload_hex?: string | null;
  valid: boolean;
  note?: string;
}

const refs = (r: Record<string, string> | undefined): SchemaReferenceFile[] =>
  Object.entries(r ?? {}).map(([name, text]) => ({ name, text }));

const ownerRepo = (source: string) => source.split("/").slice(0, 2).join("/");

/** The verdict a Python restatement of upstream Danube 0.15.1's rules gives, when it differs from the case's. */
const danubeVerdict = (note: string | undefined): boolean | undefined => {
  const m = /\[Danube 0\.15\.1 rules would say (true|false)\]/.exec(note ?? "");
  return m ? m[1] === "true" : undefined;
};

/**
 * The verdict expected under `rules`: the case's own (Confluent STRICT for Confluent's JSON cases)
 * under strict rules; under upstream rules, for JSON Schema, upstream Danube's verdict (the case's
 * unless the corpus notes that Danube's rules say otherwise). Avro and Protobuf are judged the same
 * under both rule sets, so their expectations do not change.
 */
function expectedVerdict(c: CompatCase, rules: CompatibilityRules): boolean {
  if (rules === "strict" || c.type !== "json_schema") return c.compatible;
  return danubeVerdict(c.note) ?? c.compatible;
}

function runCompat(file: string, c: CompatCase, rules: CompatibilityRules): CaseOutcome {
  const expected = expectedVerdict(c, rules);
  const base = { file, id: c.id, source: ownerRepo(c.source), expected, note: c.note ?? "" };
  let previous: ParsedSchema[];
  let candidate: ParsedSchema;
  try {
    previous = c.previous.map((p) => parseSchema(c.type, p, { references: refs(c.previous_references) }));
    candidate = parseSchema(c.type, c.candidate, { references: refs(c.candidate_references) });
  } catch (e) {
    return { ...base, actual: "error", detail: e instanceof Error ? e.message : String(e) };
  }
  const result = checkCompatibility(c.mode, previous, candidate, rules);
  return { ...base, actual: result.compatible, detail: result.errors.join("; ") };
}

function runValidate(file: string, c: ValidateCase): CaseOutcome {
  const base = { file, id: c.id, source: ownerRepo(c.source), expected: c.valid, note: c.note ?? "" };
  let schema: ParsedSchema;
  try {
    schema = parseSchema(c.type, c.schema);
  } catch (e) {
    return { ...base, actual: "error", detail: e instanceof Error ? e.message : String(e) };
  }
  const problems: string[] = [];
  if (schema.type === "avro") {
    if (c.payload_hex != null) {
      const r = schema.validate(Buffer.from(c.payload_hex, "hex"));
      problems.push(...r.errors.map((e) => `binary ${e.path}: ${e.message}`));
    }
    // Without a binary form, the payload is the datum itself (JSON null included).
    if (c.payload !== null || c.payload_hex == null) {
      const r = schema.validateDatumJson(c.payload ?? "null");
      problems.push(...r.errors.map((e) => `datum ${e.path}: ${e.message}`));
    }
  } else {
    const r = schema.validate(new TextEncoder().encode(c.payload ?? ""));
    problems.push(...r.errors.map((e) => `${e.path}: ${e.message}`));
  }
  return { ...base, actual: problems.length === 0, detail: problems.join("; ") };
}

/** Runs one corpus file; compatibility cases under `rules` (default strict, the corpus's own verdicts). */
export function runCorpusFile(
  file: string,
  rules: CompatibilityRules = CompatibilityRules.Strict,
): CaseOutcome[] {
  const lines = readFileSync(join(corpusDir, file), "utf8").split("\n").filter(Boolean);
  return lines.map((line) => {
    const c = JSON.parse(line) as CompatCase & ValidateCase;
    return file.startsWith("compat/") ? runCompat(file, c, rules) : runValidate(file, c);
  });
}

export interface Tally {
  agree: number;
  total: number;
}

export const agrees = (o: CaseOutcome) => o.actual === o.expected;

/** Agreement counts grouped by a key. */
export function tally(outcomes: CaseOutcome[], key: (o: CaseOutcome) => string): Map<string, Tally> {
  const out = new Map<string, Tally>();
  for (const o of outcomes) {
    const t = out.get(key(o)) ?? { agree: 0, total: 0 };
    t.total++;
    if (agrees(o)) t.agree++;
    out.set(key(o), t);
  }
  return out;
}

export const percent = (t: Tally) => (t.total === 0 ? 100 : (100 * t.agree) / t.total);
