// Shared helpers of the client's end-to-end tests: a broker on random ports per test.
import type { TestContext } from "node:test";
import { exclusiveConsumer } from "../../broker/test/helpers.ts";
import { type RestartableBroker, restartableBroker, tempBroker } from "../../broker/test/temp-broker.ts";
import { testTransport } from "../../broker/test/unary-path/path-check.ts";
import { until } from "../../broker/test/until.ts";
import {
  type ClientOptions,
  createClient,
  type DanubeClient,
  DanubeError,
  ErrorCode,
  type Message,
} from "../src/index.ts";

export { exclusiveConsumer, type RestartableBroker, restartableBroker, tempBroker, testTransport };

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
  const clients: DanubeClient[] = [];
  // Registered first, so the clients close before the broker does.
  t.after(() => Promise.allSettled(clients.map((c) => c.close())));
  const broker = await tempBroker(t);
  const newClient = (extra: Partial<ClientOptions> = {}) => {
    const client = createClient({ serviceUrl: broker.url, transport: testTransport, ...options, ...extra });
    clients.push(client);
    return client;
  };
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

/** `until` of the broker's tests, with the condition first as the client tests pass it. */
export function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return until(what, condition, timeoutMs);
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
