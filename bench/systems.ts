// What the bench's units share: systems opened on first use and closed after their last unit,
// a figure run with its failure reported, and the rows a unit gives.
import type { ClientOptions } from "@danube-ts/client";
import type { RequestedTransport } from "./args.ts";
import type { LatencyRow, RunResults, ThroughputRow } from "./results.ts";

/** A system a unit needs: closed after the last unit that needs it. */
export interface Closable {
  close(): Promise<void>;
  /** A full garbage collection in the system's node process, if it has one and is open. */
  collectGarbage?(): Promise<unknown>;
}

/** A system (server, connection) opened on first use; `undefined` when it is not available. */
export class Lazy<T> implements Closable {
  readonly #open: () => Promise<T | undefined>;
  readonly #close: (value: T) => Promise<void>;
  readonly #collect: ((value: T) => Promise<unknown>) | undefined;
  #value: Promise<T | undefined> | undefined;

  constructor(
    open: () => Promise<T | undefined>,
    close: (value: T) => Promise<void>,
    collect?: (value: T) => Promise<unknown>,
  ) {
    this.#open = open;
    this.#close = close;
    this.#collect = collect;
  }

  get(): Promise<T | undefined> {
    this.#value ??= this.#open();
    return this.#value;
  }

  async collectGarbage(): Promise<void> {
    const opened = await this.#value?.catch(() => undefined);
    if (opened !== undefined) await this.#collect?.(opened);
  }

  async close(): Promise<void> {
    const value = this.#value;
    this.#value = undefined;
    const opened = await value?.catch(() => undefined);
    if (opened !== undefined) await this.#close(opened);
  }
}

/** What a unit measured: one throughput or latency row. */
export type Row = { kind: "throughput"; row: ThroughputRow } | { kind: "latency"; row: LatencyRow };

/** Client options selecting a transport (ClientOptions.transport). */
export const clientOptions = (transport: RequestedTransport): Omit<ClientOptions, "serviceUrl"> => ({
  transport,
});

/** A progress line on stderr (stdout carries the report). */
export const log = (line: string) => process.stderr.write(`${line}\n`);

/** Runs one figure; a failure is reported under "skipped" and the run goes on. */
export async function measured<T>(
  results: RunResults,
  label: string,
  measure: () => Promise<T>,
): Promise<T | undefined> {
  log(`${label} ...`);
  try {
    return await measure();
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
    log(`${label}: FAILED: ${message}`);
    results.skipped.push(`${label}: failed (${message})`);
    return undefined;
  }
}
