// `--profile`: V8 CPU profiles of the bench process (node:inspector, the client side) and of the
// broker child (--cpu-prof), summarized as self time per category.
import { readdir, readFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export const CATEGORIES = [
  "grpc/http2",
  "protobuf",
  "storage",
  "GC",
  "our code",
  "nats",
  "node streams/net",
  "events/abort/timers",
  "promises/ticks",
  "module loading",
  "(program)",
  "other node/V8",
] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * The category of one frame, by its script URL and function name; undefined for a native frame
 * without a URL (it takes its caller's category: fdatasync is storage, writev under a socket is
 * streams/net).
 */
export function categorize(frame: ProfileNode["callFrame"]): Category | "idle" | undefined {
  const { url, functionName } = frame;
  if (functionName === "(idle)") return "idle";
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(program)") return "(program)";
  if (url === "") return undefined;
  if (/internal\/modules|cjs-module-lexer|source_map|internal\/bootstrap|node_modules\/tsx|esbuild/.test(url))
    return "module loading";
  if (/@grpc\/grpc-js|internal\/http2|node:http2/.test(url)) return "grpc/http2";
  if (/protocol\/src\/gen|packages\/protocol|protobufjs|@bufbuild\/protobuf|long\/|\/wire\//.test(url))
    return "protobuf";
  if (/broker\/src\/storage|internal\/fs|node:fs/.test(url)) return "storage";
  if (/node_modules\/nats/.test(url)) return "nats";
  if (/packages\/|\/bench\//.test(url)) return "our code";
  if (/internal\/event_target|abort_controller|node:events|internal\/timers|node:timers/.test(url))
    return "events/abort/timers";
  if (/task_queues|internal\/process\/promises|node:async_hooks|async_hooks/.test(url))
    return "promises/ticks";
  if (/internal\/streams|node:net|internal\/stream_base|node:stream|internal\/net/.test(url))
    return "node streams/net";
  return "other node/V8";
}

export interface ProfileSummary {
  /** Sampled busy time (idle excluded), µs. */
  busyMicros: number;
  /** Share of busy time per category, 0-1. */
  shares: Record<Category, number>;
}

export function summarize(profile: CpuProfile): ProfileSummary {
  const parent = new Map<number, ProfileNode>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const byId = new Map<number, Category | "idle">();
  for (const n of profile.nodes) {
    let category = categorize(n.callFrame);
    for (let up = parent.get(n.id); category === undefined && up !== undefined; up = parent.get(up.id)) {
      category = categorize(up.callFrame);
    }
    byId.set(n.id, category ?? "other node/V8");
  }
  const micros = new Map<Category | "idle", number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const category = byId.get(profile.samples[i]!) ?? "other node/V8";
    micros.set(category, (micros.get(category) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  let busy = 0;
  for (const [c, us] of micros) if (c !== "idle") busy += us;
  const shares = Object.fromEntries(
    CATEGORIES.map((c) => [c, busy > 0 ? (micros.get(c) ?? 0) / busy : 0]),
  ) as Record<Category, number>;
  return { busyMicros: busy, shares };
}

/** Profiles this process between start() and stop(). */
export class InProcessProfiler {
  readonly #session = new Session();

  async start(): Promise<void> {
    this.#session.connect();
    await this.#session.post("Profiler.enable");
    await this.#session.post("Profiler.setSamplingInterval", { interval: 1000 });
    await this.#session.post("Profiler.start");
  }

  async stop(): Promise<CpuProfile> {
    const { profile } = (await this.#session.post("Profiler.stop")) as { profile: CpuProfile };
    this.#session.disconnect();
    return profile;
  }
}

/** Every `.cpuprofile` a child wrote into `dir` (one per process that exited). */
export async function readProfiles(dir: string): Promise<{ file: string; profile: CpuProfile }[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".cpuprofile")).sort();
  return Promise.all(
    files.map(async (file) => ({
      file,
      profile: JSON.parse(await readFile(join(dir, file), "utf8")) as CpuProfile,
    })),
  );
}
