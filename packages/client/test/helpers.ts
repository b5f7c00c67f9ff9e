// Shared helpers of the client's end-to-end tests: a broker on random ports per test.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { startPathChecked, testTransport } from "../../broker/test/unary-path/path-check.ts";

export { testTransport };

import {
  type ClientOptions,
  createClient,
  type DanubeClient,
  DanubeError,
  ErrorCode,
  type Message,
} from "../src/index.ts";

export interface TestEnv {
  url: string;
  /** The broker's admin URL. */
  adminUrl: string;
  client: DanubeClient;
  /** Another client on the same broker, closed after the test. */
  newClient(options?: Partial<ClientOptions>): DanubeClient;
}

/** A fresh broker (temp data dir, port 0) and a client; everything closed after the test. */
export async function testEnv(t: TestContext, options: Partial<ClientOptions> = {}): Promise<TestEnv> {
  const dataDir = await mkdtemp(join(tmpdir(), "danube-client-e2e-"));
  const broker = await startPathChecked({ dataDir, port: 0, adminPort: 0 });
  const clients: DanubeClient[] = [];
  const newClient = (extra: Partial<ClientOptions> = {}) => {
    const client = createClient({ serviceUrl: broker.url, transport: testTransport, ...options, ...extra });
    clients.push(client);
    return client;
  };
  t.after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return { url: broker.url, adminUrl: broker.adminUrl, client: newClient(), newClient };
}

let counter = 0;
/** A topic name no other test uses. */
export function uniqueTopic(prefix = "t"): string {
  counter++;
  return `/default/${prefix}-${process.pid}-${counter}-${Math.floor(Math.random() * 1e9)}`;
}

/** Reads `count` messages (acking each) or fails after `timeoutMs`. */
export async function take<T = Uint8Array>(
  consumer: AsyncIterable<Message<T>>,
  count: number,
  timeoutMs = 10_000,
  ack = true,
): Promise<Message<T>[]> {
  const got: Message<T>[] = [];
  if (count === 0) return got;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out with ${got.length}/${count} messages`)), timeoutMs);
  });
  const read = (async () => {
    for await (const message of consumer) {
      got.push(message);
      if (ack) await message.ack();
      if (got.length >= count) break;
    }
    return got;
  })();
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A broker that can be restarted on the same data dir and the same ports. */
export interface RestartableBroker {
  readonly url: string;
  readonly adminUrl: string;
  /** `broker.close()`, then a new broker on the same data dir, port and admin port. */
  restart(): Promise<void>;
  /** Closes the current broker (idempotent). */
  stop(): Promise<void>;
  /** Starts a broker again after `stop()`, on the same data dir and ports. */
  start(): Promise<void>;
}

/** A broker on random ports (kept across restarts) with a fresh data dir; closed after the test. */
export async function restartableBroker(t: TestContext): Promise<RestartableBroker> {
  const dataDir = await mkdtemp(join(tmpdir(), "danube-client-restart-"));
  let broker = await startPathChecked({ dataDir, port: 0, adminPort: 0 });
  const { port, adminPort, url, adminUrl } = broker;
  let running = true;
  const stop = async () => {
    if (!running) return;
    running = false;
    await broker.close();
  };
  const start = async () => {
    broker = await startPathChecked({ dataDir, port, adminPort });
    running = true;
  };
  t.after(async () => {
    await stop();
    await rm(dataDir, { recursive: true, force: true });
  });
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

/** Records unhandled promise rejections of this process; `check()` fails if there were any. */
export function watchUnhandledRejections(t: TestContext): { check(): void } {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on("unhandledRejection", listener);
  t.after(() => {
    process.off("unhandledRejection", listener);
  });
  return {
    check() {
      if (seen.length > 0) throw new Error(`unhandled rejections: ${seen.map(String).join("; ")}`);
    },
  };
}

/** Polls `condition` every 20 ms; fails after `timeoutMs` with `what` in the message. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Runs `body`; if the broker answers UNIMPLEMENTED (an admin RPC it does not serve yet), marks
 * the test as todo naming the gap instead of failing.
 */
export async function unlessUnimplemented(t: TestContext, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof DanubeError && error.code === ErrorCode.UNIMPLEMENTED) {
      t.todo(`broker gap: ${error.message}`);
      return;
    }
    throw error;
  }
}
