/**
 * `npm run conformance [-- --list]`: agreement of this engine with the schema-cases corpus, per
 * file and per source (owner/repo), under both rule sets: `strict` against the corpus's own
 * verdicts, `upstream` against upstream Danube 0.15.1's verdicts for JSON Schema (Avro and
 * Protobuf are judged the same under both). `--list` also prints every disagreement.
 */
import { CompatibilityRules } from "../src/index.ts";
import { agrees, corpusFiles, percent, runCorpusFile, tally } from "./corpus.ts";

const list = process.argv.includes("--list");
const fmt = (t: { agree: number; total: number }) =>
  `${String(t.agree).padStart(4)}/${String(t.total).padEnd(4)} ${percent(t).toFixed(1).padStart(5)}%`;

const runs = [
  ...corpusFiles.map((file) => ({ file, rules: CompatibilityRules.Strict, label: "strict rules" })),
  {
    file: "compat/jsonschema.jsonl" as const,
    rules: CompatibilityRules.Upstream,
    label: "upstream rules, expected = Danube 0.15.1's verdict",
  },
];
for (const { file, rules, label } of runs) {
  const outcomes = runCorpusFile(file, rules);
  const all = tally(outcomes, () => "all").get("all")!;
  console.log(`${`${file} (${file.startsWith("compat/") ? label : "payloads"})`.padEnd(40)} ${fmt(all)}`);
  for (const [source, t] of [...tally(outcomes, (o) => o.source)].sort()) {
    console.log(`  ${source.padEnd(38)} ${fmt(t)}`);
  }
  if (list) {
    for (const o of outcomes.filter((x) => !agrees(x))) {
      console.log(`    DISAGREE ${o.id}: expected ${o.expected}, got ${o.actual}  ${o.detail.slice(0, 300)}`);
    }
  }
}
