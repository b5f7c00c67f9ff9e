// V8 settings for the `danube broker` process (never for a broker embedded with startBroker():
// the host application owns its process's flags).
import { setFlagsFromString } from "node:v8";

/**
 * Turns V8's memory reducer off, unless the node command line names it (`--memory-reducer`
 * keeps it on). The reducer is meant for processes that go idle: it starts a full mark-compact
 * whenever the allocation rate drops. A broker under a steady low load looks idle to it: at
 * 1,000 msgs/s it ran one every 1.5 s (3-15 ms pauses, in every message's path), against one
 * every 7-10 s without it (docs/benchmarks.md). The heap still shrinks at ordinary full GCs.
 * Returns whether it changed the setting.
 */
export function tuneBrokerGc(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => /^--(no-)?memory[-_]reducer(=|$)/.test(arg))) return false;
  setFlagsFromString("--no-memory-reducer");
  return true;
}
