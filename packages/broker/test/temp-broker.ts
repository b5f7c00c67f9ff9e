// Brokers for tests, on free ports and a fresh temp data dir. After the test the broker is closed
// first and its data dir removed next.
import type { TestContext } from "node:test";
import type { BrokerOptions, RunningBroker } from "../src/index.ts";
import { tempDir } from "./temp-dir.ts";
import { startPathChecked } from "./unary-path/path-check.ts";

/** The part of a TestContext these helpers use. */
type After = Pick<TestContext, "after">;

/**
 * A broker on free ports with a fresh data dir, closed after the test. Under the unary-path
 * wrappers it is path-checked (unary-path/path-check.ts).
 */
export async function tempBroker(t: After, options: Partial<BrokerOptions> = {}): Promise<RunningBroker> {
  let broker: RunningBroker | undefined;
  const dataDir = await tempDir(t, () => broker?.close());
  broker = await startPathChecked({ dataDir, port: 0, adminPort: 0, ...options });
  return broker;
}

/** A broker that can be stopped and started again on the same data dir and the same ports. */
export interface RestartableBroker {
  readonly url: string;
  readonly adminUrl: string;
  /** `stop()`, then `start()`. */
  restart(): Promise<void>;
  /** Closes the current broker (idempotent). */
  stop(): Promise<void>;
  /** Starts a broker again after `stop()`, on the same data dir, port and admin port. */
  start(): Promise<void>;
}

/** A broker on free ports (kept across restarts) with a fresh data dir; closed after the test. */
export async function restartableBroker(
  t: After,
  options: Partial<BrokerOptions> = {},
): Promise<RestartableBroker> {
  let running = false;
  let current: RunningBroker | undefined;
  const stop = async () => {
    if (!running) return;
    running = false;
    await current!.close();
  };
  const dataDir = await tempDir(t, stop);
  current = await startPathChecked({ dataDir, port: 0, adminPort: 0, ...options });
  running = true;
  const { port, adminPort, url, adminUrl } = current;
  const start = async () => {
    current = await startPathChecked({ dataDir, port, adminPort, ...options });
    running = true;
  };
  return {
    url,
    adminUrl,
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
  };
}
