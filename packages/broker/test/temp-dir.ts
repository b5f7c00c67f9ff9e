// A fresh temp dir per test, removed only after what uses it has closed.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";

type After = Pick<TestContext, "after">;

/** Per test: closes not run yet, and how many removals wait for them. */
interface Cleanup {
  closes: Array<() => unknown>;
  removals: number;
}
const cleanups = new WeakMap<After, Cleanup>();

function cleanupOf(t: After): Cleanup {
  let cleanup = cleanups.get(t);
  if (cleanup === undefined) {
    const created: Cleanup = { closes: [], removals: 0 };
    cleanups.set(t, created);
    // A test without removals still closes; with removals, the first of them closes everything.
    t.after(() => (created.removals === 0 ? runCloses(created) : undefined));
    cleanup = created;
  }
  return cleanup;
}

/** Runs the pending closes, last registered first; all run, the first failure is rethrown. */
async function runCloses(cleanup: Cleanup): Promise<void> {
  const failures: unknown[] = [];
  for (const close of cleanup.closes.splice(0).reverse()) {
    try {
      await close();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}

/**
 * Runs `close` after the test, before any removal registered with removeAfterClosing (every
 * tempDir), whether `close` was registered before or after it. node:test runs after-hooks in the
 * order they were added, so a plain `t.after(close)` added after `tempDir(t)` would run once the
 * dir is already gone.
 */
export function closeBeforeRemoval(t: After, close: () => unknown): void {
  cleanupOf(t).closes.push(close);
}

/** After the test, runs what closeBeforeRemoval registered, then `remove` (also if a close failed). */
export function removeAfterClosing(t: After, remove: () => Promise<unknown>): void {
  const cleanup = cleanupOf(t);
  cleanup.removals++;
  t.after(async () => {
    try {
      await runCloses(cleanup);
    } finally {
      await remove();
    }
  });
}

/**
 * A fresh temp dir, removed after the test once `cleanup` and everything registered with
 * closeBeforeRemoval have run (close what uses the dir there).
 */
export async function tempDir(t: After, cleanup?: () => Promise<unknown> | unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "danube-test-"));
  if (cleanup) closeBeforeRemoval(t, cleanup);
  removeAfterClosing(t, () => rm(dir, { recursive: true, force: true }));
  return dir;
}
