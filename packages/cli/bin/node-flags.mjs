// The Node/V8 flags `danube broker` runs with, and the in-place re-exec that applies them.
//
// Why: V8 starts a full mark-compact whenever the old generation's headroom (its limit, less what
// it holds and the ArrayBuffer memory allocated since the last full collection) falls below the
// young generation's capacity. The broker allocates about 4 KiB of ArrayBuffers per message
// (gRPC framing and copies), so with V8's default limits a busy broker ran a full collection
// every 0.2-1.5 s, each a 2-9 ms pause in the publish-to-receive tail. A larger initial old space
// gives that headroom: at 5,000 msgs/s, 47 full collections in 20 s became 3 and p99 went from
// 18 to 6 ms, measured before the broker's own allocation cuts; after them, 14 became 0 (see
// docs/benchmarks.md, "The latency tail, traced: what starts V8's full collections").
//
// How: V8 reads these flags only at start-up, and Node refuses them in NODE_OPTIONS, so the
// command re-executes itself in place (process.execve: same process id, so signals, kill -9 and
// the data-dir lock behave as before) before it loads anything. Node without process.execve
// (before 22.15) runs without them; `node --initial-old-space-size=64 <danube> broker` applies
// them by hand there. DANUBE_NODE_FLAGS="" turns the re-exec off, or replaces the flags.

/** Flags for the broker process, unless DANUBE_NODE_FLAGS says otherwise. */
export const BROKER_NODE_FLAGS = ["--initial-old-space-size=64"];

/** The flags to run the broker with: DANUBE_NODE_FLAGS (space-separated) when set, else the defaults. */
export function brokerNodeFlags(env = process.env) {
  const custom = env.DANUBE_NODE_FLAGS;
  return custom === undefined ? [...BROKER_NODE_FLAGS] : custom.split(/\s+/).filter(Boolean);
}

/**
 * Re-executes this process with the broker's flags when it runs `danube broker` without them and
 * Node can replace the process in place. Returns only when no re-exec is needed or possible.
 * The parameters exist for tests.
 */
export function reexecForBroker({
  argv = process.argv,
  execArgv = process.execArgv,
  env = process.env,
  execve = process.platform === "win32" ? undefined : process.execve,
  warn = (message) => process.emitWarning(message),
} = {}) {
  if (argv[2] !== "broker" || typeof execve !== "function") return;
  const name = (flag) => flag.split("=")[0].replace(/_/g, "-");
  const given = new Set(execArgv.map(name));
  const missing = brokerNodeFlags(env).filter((flag) => !given.has(name(flag)));
  if (missing.length === 0) return;
  try {
    execve(process.execPath, [process.execPath, ...execArgv, ...missing, ...argv.slice(1)], env);
  } catch (error) {
    // The process was not replaced: run as is, and say why.
    warn(`danube broker runs without ${missing.join(" ")}: ${error?.message ?? error}`);
  }
}
