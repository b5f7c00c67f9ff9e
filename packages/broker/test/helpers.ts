import type { ChildProcess } from "node:child_process";
import type { TestContext } from "node:test";
import {
  type AdminClient,
  type Consumer,
  createAdminClient,
  createClient,
  type DanubeClient,
  type Message,
  type SubscriptionFailurePolicyInput,
} from "@danube-ts/client";
import type { BrokerOptions, RunningBroker } from "../src/index.ts";
import { closeBeforeRemoval, tempDir } from "./temp-dir.ts";
import { startPathChecked, testTransport } from "./unary-path/path-check.ts";

export { closeBeforeRemoval, tempDir, testTransport };

export interface TestBroker {
  broker: RunningBroker;
  client: DanubeClient;
  admin: AdminClient;
  dataDir: string;
  /**
   * Closes the client and broker, then starts both again on the same data dir (`between` runs
   * while both are down, e.g. to damage files).
   */
  restart(between?: () => Promise<void>): Promise<void>;
}

/** A broker on random ports with a fresh data dir and a client for it, both closed after the test. */
export async function testBroker(t: TestContext, options: Partial<BrokerOptions> = {}): Promise<TestBroker> {
  const state = {} as TestBroker;
  const close = async () => {
    await state.client?.close();
    await state.admin?.close();
    await state.broker?.close();
  };
  const dataDir = await tempDir(t, close);
  const start = () => startPathChecked({ dataDir, port: 0, adminPort: 0, ...options });
  state.dataDir = dataDir;
  state.broker = await start();
  const connect = () => {
    state.client = createClient({
      serviceUrl: state.broker.url,
      adminUrl: state.broker.adminUrl,
      transport: testTransport,
    });
    state.admin = createAdminClient({ adminUrl: state.broker.adminUrl });
  };
  connect();
  state.restart = async (between) => {
    await close();
    await between?.();
    state.broker = await start();
    connect();
  };
  return state;
}

/** SIGKILLs `child` if it is still running; resolves once it has exited. */
export async function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exit = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exit;
}

/** A failure policy that redelivers quickly: 2 redeliveries 20 ms apart, then Block. */
export const fastFailurePolicy: SubscriptionFailurePolicyInput = {
  maxRedeliveryCount: 2,
  ackTimeoutMs: 30_000,
  baseRedeliveryDelayMs: 20,
  maxRedeliveryDelayMs: 5_000,
  backoffStrategy: "Fixed",
  poisonPolicy: "Block",
};

/** The Exclusive consumer "c" of subscription "s" on `topic`. */
export function exclusiveConsumer(client: DanubeClient, topic: string): Promise<Consumer> {
  return client.subscribe({ topic, subscription: "s", consumerName: "c", subscriptionType: "Exclusive" });
}

let counter = 0;
/** A topic name no other test uses. */
export function uniqueTopic(prefix = "t"): string {
  counter++;
  return `/default/${prefix}-${process.pid}-${counter}-${Math.floor(Math.random() * 1e6)}`;
}

export interface Collector {
  readonly messages: Message[];
  /** Resolves once at least `count` messages arrived; rejects after `timeoutMs` saying how many did. */
  waitFor(count: number, timeoutMs?: number): Promise<Message[]>;
  /** Waits `ms` and returns how many messages arrived meanwhile. */
  quietFor(ms: number): Promise<number>;
  /** Resolves when the iteration ended (the consumer closed). */
  readonly done: Promise<void>;
}

/**
 * Drains `iterable` in the background into `messages`, calling `onMessage` (e.g. ack) for each
 * before it counts, so a message counted by `waitFor` has been acked.
 * Iteration errors reject `done`.
 */
export function collect(
  iterable: AsyncIterable<Message>,
  onMessage?: (m: Message) => Promise<void> | void,
): Collector {
  const messages: Message[] = [];
  const waiters = new Set<() => void>();
  const done = (async () => {
    for await (const message of iterable) {
      await onMessage?.(message);
      messages.push(message);
      for (const wake of waiters) wake();
    }
  })();
  done.catch(() => {});
  return {
    messages,
    done,
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length < count) return;
          cleanup();
          resolve(messages);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms with ${messages.length}/${count} messages`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async quietFor(ms) {
      const before = messages.length;
      await new Promise((r) => setTimeout(r, ms));
      return messages.length - before;
    },
  };
}
