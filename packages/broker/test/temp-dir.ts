// A fresh temp dir per test.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";

/**
 * A fresh temp dir. After the test, `cleanup` runs (close what uses the dir there), then the dir
 * is removed: node:test runs after-hooks in the order they were added, so a removal registered
 * on its own before a close would run while the dir is still in use.
 */
export async function tempDir(
  t: Pick<TestContext, "after">,
  cleanup?: () => Promise<unknown> | unknown,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "danube-test-"));
  t.after(async () => {
    try {
      await cleanup?.();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  return dir;
}
