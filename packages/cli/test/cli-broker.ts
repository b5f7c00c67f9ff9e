// `danube broker` as a child process for the CLI's tests.
import type { TestContext } from "node:test";
import { tempDir } from "../../broker/test/temp-dir.ts";
import { type CliProcess, startCli } from "./cli-process.ts";

/** The line `danube broker` prints once both listeners are bound. */
export const listening = /^danube broker listening on (https?:\/\/\S+) \(admin (https?:\/\/\S+)\)/;

/** `broker --data-dir <dataDir>` on free ports of 127.0.0.1. */
export function brokerArgs(dataDir: string): string[] {
  return ["broker", "--data-dir", dataDir, "--broker-addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"];
}

export interface CliBroker {
  cli: CliProcess;
  url: string;
  adminUrl: string;
  dataDir: string;
}

/**
 * Starts `danube broker <args>` with a fresh data dir on free ports (127.0.0.1:0) and waits
 * until it listens. After the test it is killed and, once it
 * has exited, its data dir removed.
 */
export async function startCliBroker(t: Pick<TestContext, "after">, args: string[] = []): Promise<CliBroker> {
  let cli: CliProcess | undefined;
  const dataDir = await tempDir(t, async () => {
    cli?.kill();
    await cli?.exited();
  });
  cli = startCli([...brokerArgs(dataDir), ...args]);
  const [, url, adminUrl] = await cli.waitForLine(listening);
  return { cli, url: url!, adminUrl: adminUrl!, dataDir };
}
