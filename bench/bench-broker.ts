// The broker under test: a `danube broker` child process (default, own CPU) or in-process.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startBroker } from "@danube-ts/broker";

export interface BenchBroker {
  readonly url: string;
  readonly adminUrl: string;
  /** How the broker runs, for the report. */
  readonly description: string;
  close(): Promise<void>;
}

const cliBin = fileURLToPath(new URL("../packages/cli/bin/danube.mjs", import.meta.url));
const listening = /^danube broker listening on (\S+) \(admin (\S+?)[,)]/m;

/** Starts `danube broker` on random ports and waits for its listening line. */
async function childBroker(dataDir: string): Promise<{ url: string; adminUrl: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [cliBin, "broker", "--data-dir", dataDir, "--broker-addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const [url, adminUrl] = await new Promise<[string, string]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start in 20 s:\n${stderr}`)), 20_000);
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const match = listening.exec(stdout);
      if (match !== null) {
        clearTimeout(timer);
        resolve([match[1]!, match[2]!]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code} before listening:\n${stderr}`));
    });
  });
  return { url, adminUrl, child };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Starts a broker on a fresh temp data dir; `close()` stops it and removes the dir. */
export async function startBenchBroker(inProcess: boolean): Promise<BenchBroker> {
  const dataDir = await mkdtemp(join(tmpdir(), "danube-bench-"));
  try {
    if (inProcess) {
      const broker = await startBroker({ dataDir, port: 0, adminPort: 0, logLevel: "warn" });
      return {
        url: broker.url,
        adminUrl: broker.adminUrl,
        description: "in-process (startBroker, shares the bench's CPU and event loop)",
        close: async () => {
          await broker.close();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    }
    const { url, adminUrl, child } = await childBroker(dataDir);
    return {
      url,
      adminUrl,
      description: `child process (danube broker, pid ${child.pid}, own event loop)`,
      close: async () => {
        await stopChild(child);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
