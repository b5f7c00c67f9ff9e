// Another process's CPU time and resident memory from /proc (Linux). Elsewhere both read as
// undefined and the report says n/a.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU time of `pid` in µs (resolution one clock tick, usually 10 ms). */
export function processCpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / clockTicks() : undefined;
  } catch {
    return undefined;
  }
}

/** Resident set size of `pid` in bytes. */
export function processRssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples the RSS of `pid` every `intervalMs` until `stop()`; returns min, max and last. */
export function sampleRss(pid: number, intervalMs = 250): { stop(): RssSummary } {
  const samples: number[] = [];
  const take = () => {
    const rss = processRssBytes(pid);
    if (rss !== undefined) samples.push(rss);
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      if (samples.length === 0) return { samples: 0 };
      return {
        samples: samples.length,
        min: Math.min(...samples),
        max: Math.max(...samples),
        last: samples[samples.length - 1]!,
      };
    },
  };
}

export interface RssSummary {
  samples: number;
  min?: number;
  max?: number;
  last?: number;
}
