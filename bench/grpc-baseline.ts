// Raw grpc-js unary calls/s in the same process layout as the bench (server in a child process,
// client here): the ceiling the upstream-compatible unary SendMessage path is compared with.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Client, credentials } from "@grpc/grpc-js";
import type { Meter } from "./meter.ts";
import { benchPayload, type PhaseResult, pipelined } from "./phases.ts";
import { processCpuMicros } from "./proc.ts";

const BASELINE_PATH = "/bench.Baseline/Call";
const serverScript = fileURLToPath(new URL("./grpc-baseline-server.ts", import.meta.url));

export interface BaselineServer {
  readonly pid: number;
  readonly target: string;
  cpuMicros(): number | undefined;
  close(): Promise<void>;
}

export async function startBaselineServer(): Promise<BaselineServer> {
  const child = spawn(process.execPath, [...process.execArgv, serverScript, BASELINE_PATH], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new Error("grpc-js baseline server did not start in 60 s")),
      60_000,
    );
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const match = /listening (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`grpc-js baseline server exited with ${code}`));
    });
  });
  const pid = child.pid!;
  return {
    pid,
    target: `127.0.0.1:${port}`,
    cpuMicros: () => processCpuMicros(pid),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

/** Unary calls/s with 1 KiB requests and `inFlight` calls outstanding (after a 200-call warm-up). */
export async function baselinePhase(
  server: BaselineServer,
  opts: { count: number; capMs: number; inFlight: number; meter: Meter },
): Promise<PhaseResult> {
  const client = new Client(server.target, credentials.createInsecure());
  const request = Buffer.from(benchPayload);
  const call = () =>
    new Promise<void>((resolve, reject) => {
      client.makeUnaryRequest(
        BASELINE_PATH,
        (b: Buffer) => b,
        (b: Buffer) => b,
        request,
        (err) => (err ? reject(err) : resolve()),
      );
    });
  try {
    await pipelined(call, Math.min(200, opts.count), opts.inFlight, Number.POSITIVE_INFINITY);
    await opts.meter.start();
    const started = performance.now();
    const { ok, failed } = await pipelined(call, opts.count, opts.inFlight, started + opts.capMs);
    const seconds = (performance.now() - started) / 1000;
    await opts.meter.stop();
    return { messages: ok, seconds, capped: ok + failed < opts.count, failures: failed };
  } finally {
    client.close();
  }
}
