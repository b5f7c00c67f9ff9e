// Preloaded (--import) into the node children the bench measures (the broker, the raw grpc-js
// server), never into a broker users run: on SIGUSR2 the child runs a full garbage collection and
// then writes "danube-bench: gc done in <ms> ms" to stderr. bench/heap-settle.ts sends the
// signal before each figure and waits for that line.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");
process.on("SIGUSR2", () => {
  const started = performance.now();
  gc();
  process.stderr.write(`danube-bench: gc done in ${(performance.now() - started).toFixed(1)} ms\n`);
});
