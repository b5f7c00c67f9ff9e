// Test helpers: run `node packages/cli/bin/danube.mjs` as a child process.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../bin/danube.mjs", import.meta.url));

/** Outcome of a finished CLI run. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Stdout as bytes (for raw payloads). */
  stdoutBytes: Buffer;
}

/** Options of {@link startCli}. */
export interface CliOptions {
  /** Written to stdin, which is then closed (default: stdin is /dev/null). */
  input?: string | Uint8Array;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/** A running CLI process with its output collected so far. */
export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout or stderr line matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves when the process exits. */
  exited(timeoutMs?: number): Promise<CliResult>;
  /** SIGKILLs the process if it is still running. */
  kill(): void;
}

/** Starts `danube <args>`. */
export function startCli(args: string[], options: CliOptions = {}): CliProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  if (options.input !== undefined) child.stdin!.end(options.input);
  let stdout = "";
  const stdoutChunks: Buffer[] = [];
  let stderr = "";
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  child.stdout!.on("data", (chunk: Buffer) => {
    stdoutChunks.push(chunk);
    stdout = Buffer.concat(stdoutChunks).toString("utf8");
    notify();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    notify();
  });
  const exit = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) =>
      resolve({ code, signal, stdout, stderr, stdoutBytes: Buffer.concat(stdoutChunks) }),
    );
  });
  const describe = () => `\n--- stdout:\n${stdout}\n--- stderr:\n${stderr}`;

  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForLine(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const line of `${stdout}\n${stderr}`.split("\n")) {
            const match = pattern.exec(line);
            if (match !== null) {
              done();
              resolve(match);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms${describe()}`));
        }, timeoutMs);
        const onExit = () => {
          check();
          done();
          reject(new Error(`process exited before a line matched ${pattern}${describe()}`));
        };
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off("close", onExit);
        };
        listeners.add(check);
        child.on("close", onExit);
        check();
      });
    },
    exited(timeoutMs = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`process did not exit within ${timeoutMs} ms${describe()}`)),
          timeoutMs,
        );
      });
      return Promise.race([exit, timeout]).finally(() => clearTimeout(timer));
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

/** Runs `danube <args>` to completion. */
export function runCli(args: string[], timeoutMs = 30_000, options: CliOptions = {}): Promise<CliResult> {
  const cli = startCli(args, options);
  return cli.exited(timeoutMs).finally(() => cli.kill());
}
