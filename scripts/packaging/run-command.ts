// Child processes for the packaging test, every wait bounded by a timeout.
import { type ChildProcess, spawn } from "node:child_process";

/** Outcome of a finished command. */
export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** How to run a command. */
export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Kill the command and fail after this long. @default 60_000 */
  timeoutMs?: number;
}

/** A command left running: wait for its output, its exit, or kill it. */
export interface RunningProcess {
  readonly child: ChildProcess;
  /** Resolves with the first match of `pattern` in stdout or stderr so far. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  exited(timeoutMs: number): Promise<CommandResult>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `command args`; output is collected as UTF-8 text. */
export function startProcess(command: string, args: string[], options: Omit<RunOptions, "timeoutMs">) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    notify();
  });
  let exit: CommandResult | undefined;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<CommandResult>((resolve, reject) => {
    child.on("error", (error) => {
      spawnError = error;
      notify();
      reject(error);
    });
    child.on("close", (code, signal) => {
      exit = { code, signal, stdout, stderr };
      notify();
      resolve(exit);
    });
  });
  exitPromise.catch(() => {});
  const describe = () => `${command} ${args.join(" ")}\n--- stdout:\n${stdout}\n--- stderr:\n${stderr}`;

  const until = <T>(check: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (spawnError !== undefined) {
          done();
          reject(spawnError);
        } else if (exit !== undefined) {
          done();
          reject(new Error(`exited (${exit.code ?? exit.signal}) before ${what}: ${describe()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${describe()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(attempt);
      };
      listeners.add(attempt);
      attempt();
    });

  const running: RunningProcess = {
    child,
    waitFor: (pattern, timeoutMs) =>
      until(() => pattern.exec(`${stdout}\n${stderr}`) ?? undefined, timeoutMs, String(pattern)),
    async exited(timeoutMs) {
      await Promise.race([exitPromise, until(() => exit, timeoutMs, "exit")]);
      return exitPromise;
    },
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  return running;
}

/** Runs `command args` to completion; SIGKILLs it and rejects after `timeoutMs`. */
export async function run(command: string, args: string[], options: RunOptions): Promise<CommandResult> {
  const running = startProcess(command, args, options);
  try {
    return await running.exited(options.timeoutMs ?? 60_000);
  } finally {
    running.kill("SIGKILL");
  }
}
