// Raw grpc-js unary calls/s in the same process layout as the bench (server in a child process,
// client here): the ceiling the upstream-compatible unary SendMessage path is compared with.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Client, credentials } from "@grpc/grpc-js";
import { childGarbageCollector, GC_PRELOAD_FLAGS } from "./heap-settle.ts";
import { benchPayload, type PhaseResult, type PipelineOptions, pipelinedFigure } from "./phases.ts";
import { processCpuMicros } from "./proc.ts";

const BASELINE_PATH = "/bench.Baseline/Call";
const serverScript = fileURLToPath(new URL("./grpc-baseline-server.ts", import.meta.url));

export interface BaselineServer {
  readonly pid: number;
  readonly target: string;
  cpuMicros(): number | undefined;
  /** Has the server run a full garbage collection; false when it did not report one. */
  collectGarbage(): Promise<boolean>;
  close(): Promise<void>;
}

export async function startBaselineServer(): Promise<BaselineServer> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, ...GC_PRELOAD_FLAGS, serverScript, BASELINE_PATH],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stderr!.setEncoding("utf8");
  const collectGarbage = childGarbageCollector(child, (chunk) => process.stderr.write(chunk));
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
    collectGarbage,
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

/** Unary calls/s with 1 KiB requests and `inFlight` calls outstanding (after a warm-up). */
export async function baselinePhase(server: BaselineServer, opts: PipelineOptions): Promise<PhaseResult> {
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
    return await pipelinedFigure(call, opts);
  } finally {
    client.close();
  }
}
