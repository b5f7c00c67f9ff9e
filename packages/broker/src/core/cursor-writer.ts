import type { Logger } from "../logger.ts";
import type { MetadataStore } from "../storage/index.ts";

/**
 * Debounces subscription cursor writes: acks move cursors constantly, the store sees at most one
 * write per subscription every `intervalMs`. After a crash a subscription resumes from the last
 * written cursor, so a few acknowledged messages may be delivered again (at-least-once).
 *
 * A failed write (a full disk) is kept and retried every `intervalMs`; until one succeeds,
 * `failure` is set and the broker refuses acks (UNAVAILABLE) rather than answer OK for progress
 * it cannot persist.
 */
export class CursorWriter {
  private readonly pending = new Map<string, { cursor: bigint; generation: bigint }>();
  private timer: NodeJS.Timeout | undefined;
  private inProgress: Promise<void> = Promise.resolve();
  /** Set while cursor writes fail; cleared by the next write that succeeds. */
  failure: Error | undefined;

  constructor(
    private readonly store: MetadataStore,
    private readonly logger: Logger,
    private readonly intervalMs = 100,
  ) {}

  /**
   * Schedules writing `cursor` into the record at `key`, only if that record is still the
   * subscription's `generation` (a deleted and re-created subscription has a new one).
   */
  set(key: string, cursor: bigint, generation: bigint): void {
    this.pending.set(key, { cursor, generation });
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Drops a pending write (the subscription was removed; a later one may reuse its key). */
  forget(key: string): void {
    this.pending.delete(key);
  }

  /** Writes every pending cursor now. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.pending];
    this.pending.clear();
    this.inProgress = this.inProgress.then(async () => {
      let failed: Error | undefined;
      await Promise.all(
        batch.map(async ([key, entry]) => {
          const record = this.store.get<Record<string, unknown>>(key);
          if (!record || record.generation !== entry.generation) return; // deleted (maybe re-created) meanwhile
          try {
            await this.store.put(key, { ...record, cursor: entry.cursor });
          } catch (err) {
            failed = err instanceof Error ? err : new Error(String(err));
            if (!this.pending.has(key)) this.set(key, entry.cursor, entry.generation); // retried later
          }
        }),
      );
      if (failed && !this.failure)
        this.logger.error(
          "writing subscription cursors failed; acks are refused until a write succeeds",
          failed,
        );
      if (!failed && this.failure)
        this.logger.warn("subscription cursors are written again; acks are accepted");
      if (batch.length > 0) this.failure = failed;
    });
    return this.inProgress;
  }
}
