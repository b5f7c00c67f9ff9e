// A docs page must show an example file's code verbatim (layout aside), so the page cannot drift.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root directory. */
export const root = fileURLToPath(new URL("../../../", import.meta.url));

/** Code with layout ignored (the formatter may rewrap doc blocks differently from files). */
function squash(code: string): string {
  return code
    .replaceAll(/,(\s*[}\])])/g, "$1")
    .replaceAll(/\s+/g, " ")
    .trim();
}

/** The ```ts blocks of a markdown file. */
function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
}

/** The code between the example markers, with repository-relative imports shown as the package. */
function exampleBlock(source: string): string {
  const start = source.indexOf("// example:start\n");
  const end = source.indexOf("// example:end");
  assert.ok(start >= 0 && end > start, "example markers present");
  return source
    .slice(start + "// example:start\n".length, end)
    .trim()
    .replaceAll(/"\.\.\/\.\.\/packages\/client\/src\/(schema\/)?index\.ts"/g, '"@danube-ts/client"');
}

/** Fails unless the page shows the example's marked code; both paths are relative to the root. */
export async function assertShowsExample(page: string, example: string): Promise<void> {
  const block = squash(exampleBlock(await readFile(join(root, example), "utf8")));
  const blocks = codeBlocks(await readFile(join(root, page), "utf8")).map(squash);
  assert.ok(blocks.includes(block), `${page} does not show ${example} verbatim`);
}
