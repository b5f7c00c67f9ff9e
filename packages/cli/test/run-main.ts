// Test helper: runs the CLI's `main` in this process against a real broker, capturing its output
// (faster than a child process; the child-process tests cover the entry point, stdin and signals).
import { main } from "../src/main.ts";

export interface MainResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `danube <args>` in-process. */
export async function runMain(...args: string[]): Promise<MainResult> {
  let out = "";
  let err = "";
  const code = await main(args, {
    out: (line) => {
      out += `${line}\n`;
    },
    outBytes: (bytes, end) => {
      out += Buffer.from(bytes).toString("utf8") + end;
    },
    err: (line) => {
      err += `${line}\n`;
    },
  });
  return { code, out, err };
}

/** Runs `danube <args>` in-process, expecting exit 0, and parses stdout as JSON. */
export async function runMainJson<T>(...args: string[]): Promise<T> {
  const result = await runMain(...args);
  if (result.code !== 0) throw new Error(`danube ${args.join(" ")} exited ${result.code}: ${result.err}`);
  return JSON.parse(result.out) as T;
}
