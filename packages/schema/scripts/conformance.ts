/**
 * `npm run conformance [-- --list]`: agreement of this engine with the schema-cases corpus, per
 * file and per source (owner/repo). `--list` also prints every disagreement.
 */
import { agrees, corpusFiles, percent, runCorpusFile, tally } from "./corpus.ts";

const list = process.argv.includes("--list");
const fmt = (t: { agree: number; total: number }) =>
  `${String(t.agree).padStart(4)}/${String(t.total).padEnd(4)} ${percent(t).toFixed(1).padStart(5)}%`;

for (const file of corpusFiles) {
  const outcomes = runCorpusFile(file);
  const all = tally(outcomes, () => "all").get("all")!;
  console.log(`${file.padEnd(40)} ${fmt(all)}`);
  for (const [source, t] of [...tally(outcomes, (o) => o.source)].sort()) {
    console.log(`  ${source.padEnd(38)} ${fmt(t)}`);
  }
  if (list) {
    for (const o of outcomes.filter((x) => !agrees(x))) {
      console.log(`    DISAGREE ${o.id}: expected ${o.expected}, got ${o.actual}  ${o.detail.slice(0, 300)}`);
    }
  }
}
