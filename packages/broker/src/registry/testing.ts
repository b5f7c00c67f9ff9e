// Fixtures for the registry's unit tests (not used by the broker).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { Logger } from "../logger.ts";
import { MetadataStore } from "../storage/index.ts";
import { SchemaRegistry } from "./index.ts";
import type { RegisterInput } from "./subjects.ts";

export interface RecordingLogger extends Logger {
  readonly warnings: string[];
}

export function recordingLogger(): RecordingLogger {
  const warnings: string[] = [];
  const ignore = () => {};
  return { warnings, debug: ignore, info: ignore, warn: (msg) => warnings.push(msg), error: ignore };
}

export interface RegistryFixture {
  registry: SchemaRegistry;
  store: MetadataStore;
  logger: RecordingLogger;
  topics: Set<string>;
  /** Closes the store and opens the registry again from the same directory. */
  reopen(): Promise<void>;
}

/** A registry on a fresh metadata store (no fsync) in a temp dir, closed after the test. */
export async function registryFixture(t: TestContext): Promise<RegistryFixture> {
  const dir = await mkdtemp(join(tmpdir(), "danube-registry-"));
  const topics = new Set<string>();
  const logger = recordingLogger();
  const open = async () => {
    const store = await MetadataStore.open(dir, { fsync: false });
    return {
      store,
      registry: SchemaRegistry.open(store, { logger, topics: { exists: (n) => topics.has(n) } }),
    };
  };
  const fixture = { ...(await open()), logger, topics } as RegistryFixture;
  fixture.reopen = async () => {
    await fixture.store.close();
    Object.assign(fixture, await open());
  };
  t.after(async () => {
    await fixture.store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return fixture;
}

const encoder = new TextEncoder();
export const bytes = (text: string): Uint8Array => encoder.encode(text);

/** A RegisterSchema request with defaults for the optional fields. */
export function registration(subject: string, schemaType: string, definition: string): RegisterInput {
  return {
    subject,
    schemaType,
    definition: bytes(definition),
    description: "",
    createdBy: "test",
    tags: [],
  };
}

/** Status code and message of a BrokerError, for `assert.rejects`/`assert.throws`. */
export const brokerError = (code: number, message: RegExp | string) => (err: unknown) => {
  const e = err as { code?: unknown; message?: unknown };
  if (e.code !== code) throw new Error(`expected code ${code}, got ${String(e.code)}: ${String(e.message)}`);
  const text = String(e.message);
  const ok = typeof message === "string" ? text === message : message.test(text);
  if (!ok) throw new Error(`unexpected message: ${text}`);
  return true;
};
