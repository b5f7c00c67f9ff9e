// Before each figure the node children the bench measures (the broker, the raw grpc-js server) run
// a full garbage collection: each preloads gc-on-signal.mjs, and the bench signals it. A figure
// then starts from a collected server heap and pays for its own garbage only. Without this, what
// the unary figures left in the broker's old generation was collected by full collections
// (15-40 ms) inside the stream figures that ran next, so their latency tail measured the order of
// the figures (docs/benchmarks.md).
//
// The bench process itself (the client side) is not collected: there a forced collection sets
// V8's old-generation limit from the live size, and the next figure then ran a full collection
// every 0.5 s (stream p99 at 5,000 msgs/s 18-22 ms, against 4-6 ms without it).
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Node flags that preload the child's SIGUSR2 handler. */
export const GC_PRELOAD_FLAGS = ["--import", fileURLToPath(new URL("./gc-on-signal.mjs", import.meta.url))];

const GC_DONE = /^danube-bench: gc done/m;

/**
 * Returns a function that has `child` (started with GC_PRELOAD_FLAGS, stderr piped as utf8) run a
 * full collection and resolves when it reports it done, or after `timeoutMs` (false: no report).
 * `forward` gets every other stderr chunk.
 */
export function childGarbageCollector(
  child: ChildProcess,
  forward?: (chunk: string) => void,
  timeoutMs = 10_000,
): () => Promise<boolean> {
  let waiting: ((done: boolean) => void) | undefined;
  child.stderr!.on("data", (chunk: string) => {
    if (GC_DONE.test(chunk)) {
      waiting?.(true);
      waiting = undefined;
      const rest = chunk.replace(/^danube-bench: gc done.*\n?/gm, "");
      if (rest !== "") forward?.(rest);
    } else forward?.(chunk);
  });
  return () => {
    if (process.platform === "win32" || child.exitCode !== null || child.signalCode !== null)
      return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        waiting = undefined;
        resolve(false);
      }, timeoutMs);
      waiting = (done) => {
        clearTimeout(timer);
        resolve(done);
      };
      child.kill("SIGUSR2");
    });
  };
}
