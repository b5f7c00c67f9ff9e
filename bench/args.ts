// Command-line options of `npm run bench`, validated once.
import { parseArgs } from "node:util";

export const FIGURES = ["publish", "consume", "latency", "nofsync", "baseline", "backlog", "nats"] as const;
export type Figure = (typeof FIGURES)[number];
export const TRANSPORTS = ["unary", "stream", "auto"] as const;
export type RequestedTransport = (typeof TRANSPORTS)[number];

export interface BenchArgs {
  /** At most this many calls per publish and raw grpc-js figure. */
  count: number;
  /** Seconds each publish and raw grpc-js figure counts (after its warm-up), unless `count` comes first. */
  publishSeconds: number;
  /** Backlog size of the consume + ack figures (a steady-state drain, past JIT warm-up). */
  consumeCount: number;
  capMs: number;
  latencySeconds: number;
  /** Seconds at the offered rate before each latency figure starts counting (JIT and heap warm-up). */
  warmupSeconds: number;
  /** Seconds of calls (at least 200) before each publish and raw grpc-js figure starts counting. */
  publishWarmupSeconds: number;
  rates: number[];
  inFlight: number[];
  windows: number[];
  backlog: number;
  backlogCapMs: number;
  transports: RequestedTransport[];
  only: Set<Figure>;
  json: string | undefined;
  profile: boolean;
  inProcess: boolean;
  quick: boolean;
  natsServer: string;
  /** Rounds of the compared figures, systems alternating within each (1: every figure once). */
  rounds: number;
  /** With rounds > 1, the latency figures run in every round too (default: in the first only). */
  latencyRounds: boolean;
  /** Print the markdown of an earlier run's JSON instead of running. */
  render: string | undefined;
}

export const usage = `npm run bench -- [options]
  --only LIST         figures to run, of ${FIGURES.join(",")} (default all); nofsync: the
                      latency figures again, stream transport, against a second broker whose
                      fdatasync returns at once (what the disk adds; bench only)
  --transport LIST    client transport option per danube row, of ${TRANSPORTS.join(",")} (default unary,stream)
  --publish-s S       seconds each publish and raw grpc-js figure counts (default 3; --quick 1)
  --count N           at most N messages per publish and raw grpc-js figure (default 1000000;
                      --quick 500)
  --consume-count N   backlog of each consume + ack figure (default 200000; --quick 500)
  --cap-s S           time cap per figure (default 60; --quick 20)
  --rate LIST         offered rates of the latency figure (default 1000,5000)
  --latency-s S       seconds per latency rate (default 10; --quick 1)
  --warmup-s S        seconds sent at each rate before latency counts (default 2; --quick 0)
  --publish-warmup-s S  seconds of calls (at least 200) before each publish and raw grpc-js
                      figure counts (default 1; --quick 0)
  --backlog N         messages of the memory/recovery backlog (default 1000000; --quick 5000)
  --backlog-cap-s S   time cap of each half of the backlog figure (default 1800)
  --json FILE         also write every figure as JSON (default <tmpdir>/danube-bench-<time>.json)
  --profile           CPU profiles of client and broker over the danube figures, summarized
  --in-process        broker inside the bench process (no broker CPU/RSS figures)
  --nats-server PATH  nats-server binary for the JetStream figures (default nats-server on PATH)
  --rounds N          run the throughput figures N times, systems alternating, and report medians
                      (default 1); latency runs in the first round only, backlog once after the rounds
  --latency-rounds    with --rounds: the latency figures in every round too
  --quick             small counts, for a smoke run
  --render FILE       print the markdown of an earlier run's JSON file (no run)`;

const list = (value: string) =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${value}`);
  return n;
}

function nonNegative(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number >= 0, got ${value}`);
  return n;
}

function count(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name} must be a whole number of at least 1, got ${value}`);
  return n;
}

function oneOf<T extends string>(name: string, allowed: readonly T[], values: string[]): T[] {
  for (const v of values) {
    if (!allowed.includes(v as T)) throw new Error(`--${name}: ${v} is not one of ${allowed.join(", ")}`);
  }
  return values as T[];
}

export function parseBenchArgs(argv: string[]): BenchArgs | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: "string" },
      transport: { type: "string", default: "unary,stream" },
      count: { type: "string" },
      "publish-s": { type: "string" },
      "consume-count": { type: "string" },
      "cap-s": { type: "string" },
      rate: { type: "string", default: "1000,5000" },
      "latency-s": { type: "string" },
      "warmup-s": { type: "string" },
      "publish-warmup-s": { type: "string" },
      backlog: { type: "string" },
      "backlog-cap-s": { type: "string", default: "1800" },
      json: { type: "string" },
      profile: { type: "boolean", default: false },
      "in-process": { type: "boolean", default: false },
      "nats-server": { type: "string", default: "nats-server" },
      quick: { type: "boolean", default: false },
      rounds: { type: "string", default: "1" },
      "latency-rounds": { type: "boolean", default: false },
      render: { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) return "help";
  const quick = values.quick;
  const rounds = count("rounds", values.rounds);
  if (rounds > 1 && values.profile)
    throw new Error("--profile takes one round: its profiles would mix every system of a round");
  if (values["latency-rounds"] && rounds === 1) throw new Error("--latency-rounds needs --rounds 2 or more");
  return {
    count: positive("count", values.count ?? (quick ? "500" : "1000000")),
    publishSeconds: positive("publish-s", values["publish-s"] ?? (quick ? "1" : "3")),
    consumeCount: positive("consume-count", values["consume-count"] ?? (quick ? "500" : "200000")),
    capMs: positive("cap-s", values["cap-s"] ?? (quick ? "20" : "60")) * 1000,
    latencySeconds: positive("latency-s", values["latency-s"] ?? (quick ? "1" : "10")),
    warmupSeconds: nonNegative("warmup-s", values["warmup-s"] ?? (quick ? "0" : "2")),
    publishWarmupSeconds: nonNegative("publish-warmup-s", values["publish-warmup-s"] ?? (quick ? "0" : "1")),
    rates: list(values.rate).map((r) => positive("rate", r)),
    inFlight: [1, 64, 1024],
    windows: [10, 1000],
    backlog: positive("backlog", values.backlog ?? (quick ? "5000" : "1000000")),
    backlogCapMs: positive("backlog-cap-s", values["backlog-cap-s"]) * 1000,
    transports: oneOf("transport", TRANSPORTS, list(values.transport)),
    only: new Set(oneOf("only", FIGURES, values.only === undefined ? [...FIGURES] : list(values.only))),
    json: values.json,
    profile: values.profile,
    inProcess: values["in-process"],
    quick,
    natsServer: values["nats-server"],
    rounds,
    latencyRounds: values["latency-rounds"],
    render: values.render,
  };
}
