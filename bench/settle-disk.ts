// Before each figure the bench has the kernel write out every dirty page (sync(1)). JetStream's
// default sync leaves what it stored in the page cache, and the kernel writes it back later, in
// whichever figure runs then: a system that fsyncs every receipt would wait behind that I/O in a
// figure that is not its own. Each figure starts with a disk that has nothing pending.
import { execFile } from "node:child_process";

/** Runs sync(1) and resolves when it is done (or failed, or took 2 minutes): ms taken. */
export function settleDisk(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    if (process.platform === "win32") resolve(0);
    else execFile("sync", { timeout: 120_000 }, () => resolve(performance.now() - started));
  });
}
