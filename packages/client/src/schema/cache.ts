// Schema versions by (schema id, version): immutable once registered, so cached without expiry.
import type { ResolvedSchema } from "./types.ts";

function key(schemaId: bigint, version: number): string {
  return `${schemaId}:${version}`;
}

/**
 * A bounded cache of schema versions keyed by (id, version), with concurrent fetches of the same
 * key shared (one RPC for a burst of messages). Failures are not cached. Eviction drops the
 * least recently used entry.
 */
export class SchemaCache {
  readonly #entries = new Map<string, ResolvedSchema>();
  readonly #inFlight = new Map<string, Promise<ResolvedSchema>>();
  readonly #max: number;

  constructor(maxEntries = 1000) {
    this.#max = Math.max(1, maxEntries);
  }

  /** The cached version, if any. */
  peek(schemaId: bigint, version: number): ResolvedSchema | undefined {
    const k = key(schemaId, version);
    const found = this.#entries.get(k);
    if (found !== undefined) {
      this.#entries.delete(k);
      this.#entries.set(k, found);
    }
    return found;
  }

  /** Stores a version (e.g. one fetched as "latest"). */
  put(schema: ResolvedSchema): void {
    const k = key(schema.schemaId, schema.version);
    this.#entries.delete(k);
    this.#entries.set(k, schema);
    while (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /**
   * The cached version, or the result of `fetch` (shared with concurrent callers). `fetch` must
   * not depend on one caller's signal or deadline: a caller giving up would fail every sharer.
   */
  get(schemaId: bigint, version: number, fetch: () => Promise<ResolvedSchema>): Promise<ResolvedSchema> {
    const cached = this.peek(schemaId, version);
    if (cached !== undefined) return Promise.resolve(cached);
    const k = key(schemaId, version);
    let pending = this.#inFlight.get(k);
    if (pending === undefined) {
      pending = fetch().then(
        (schema) => {
          this.#inFlight.delete(k);
          this.put(schema);
          return schema;
        },
        (error: unknown) => {
          this.#inFlight.delete(k);
          throw error;
        },
      );
      this.#inFlight.set(k, pending);
    }
    return pending;
  }

  /** Forgets every version of `subject`'s `version`. */
  deleteSubjectVersion(subject: string, version: number): void {
    for (const [k, schema] of this.#entries) {
      if (schema.subject === subject && schema.version === version) this.#entries.delete(k);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
