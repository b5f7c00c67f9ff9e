// A throwaway nats-server with JetStream on a temp dir, for the comparison figures. Present only
// where the `nats-server` binary is (Debian package nats-server); the bench skips it otherwise.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processCpuMicros } from "./proc.ts";

/** JetStream's file-store sync setting: the server default, or `sync_interval: always` (2.10+). */
export type JetStreamSync = "default" | "always";

export interface NatsServer {
  readonly url: string;
  readonly pid: number;
  readonly version: string;
  readonly sync: JetStreamSync;
  cpuMicros(): number | undefined;
  close(): Promise<void>;
}

/** The nats-server version, or undefined when the binary is missing. */
export function natsServerVersion(binary = "nats-server"): string | undefined {
  try {
    return execFileSync(binary, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .trim()
      .replace(/^nats-server:\s*/, "");
  } catch {
    return undefined;
  }
}

/**
 * Starts nats-server with JetStream (file storage) on a fresh temp dir and a random port.
 * Rejects with the server's own message when it refuses the config (e.g. `sync_interval`
 * before 2.10).
 */
export async function startNatsServer(sync: JetStreamSync, binary = "nats-server"): Promise<NatsServer> {
  const dir = await mkdtemp(join(tmpdir(), "danube-bench-nats-"));
  const conf = join(dir, "server.conf");
  const syncLine = sync === "always" ? "  sync_interval: always\n" : "";
  await writeFile(
    conf,
    `listen: 127.0.0.1:-1\njetstream {\n  store_dir: "${join(dir, "js")}"\n${syncLine}}\n`,
  );
  const child = spawn(binary, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server did not start in 30 s:\n${log}`)), 30_000);
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
        if (log.length < 1 << 16) log += chunk;
        const match = /Listening for client connections on (\S+)/.exec(log);
        if (match && /Server is ready/.test(log)) {
          clearTimeout(timer);
          resolve(`nats://${match[1]}`);
        }
      });
      child.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${code}: ${log.trim().split("\n").pop()}`));
      });
    });
    const pid = child.pid!;
    return {
      url,
      pid,
      sync,
      version: natsServerVersion(binary) ?? "unknown",
      cpuMicros: () => processCpuMicros(pid),
      close: async () => {
        await stop(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stop(child);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
    return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
