// Shared helpers of the client's end-to-end tests: a broker on random ports per test.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { startBroker } from "@danube-ts/broker";
import { type ClientOptions, createClient, type DanubeClient, type Message } from "../src/index.ts";

export interface TestEnv {
  url: string;
  client: DanubeClient;
  /** Another client on the same broker, closed after the test. */
  newClient(options?: Partial<ClientOptions>): DanubeClient;
}

/** A fresh broker (temp data dir, port 0) and a client; everything closed after the test. */
export async function testEnv(t: TestContext, options: Partial<ClientOptions> = {}): Promise<TestEnv> {
  const dataDir = await mkdtemp(join(tmpdir(), "danube-client-e2e-"));
  const broker = await startBroker({ dataDir, port: 0, adminPort: 0 });
  const clients: DanubeClient[] = [];
  const newClient = (extra: Partial<ClientOptions> = {}) => {
    const client = createClient({ serviceUrl: broker.url, ...options, ...extra });
    clients.push(client);
    return client;
  };
  t.after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return { url: broker.url, client: newClient(), newClient };
}

let counter = 0;
/** A topic name no other test uses. */
export function uniqueTopic(prefix = "t"): string {
  counter++;
  return `/default/${prefix}-${process.pid}-${counter}-${Math.floor(Math.random() * 1e9)}`;
}

/** Reads `count` messages (acking each) or fails after `timeoutMs`. */
export async function take(
  consumer: AsyncIterable<Message>,
  count: number,
  timeoutMs = 10_000,
  ack = true,
): Promise<Message[]> {
  const got: Message[] = [];
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
