// Runs schema vetting (parse + compatibility check) on a worker thread with a time limit, so no
// schema, however hostile, blocks the caller's event loop.
import { Worker } from "node:worker_threads";
import type { PayloadResult, PayloadTask } from "./payload.ts";
import type { VetResult, VetTask } from "./vet.ts";

/**
 * The worker's module: the compiled thread.js next to this file in a build; from the TypeScript
 * sources (inside the repository), an entry that loads thread.ts through tsx, since workers do
 * not inherit the parent's module hooks.
 */
const workerEntry = import.meta.url.endsWith(".ts")
  ? new URL("./entry.mjs", import.meta.url)
  : new URL("./thread.js", import.meta.url);

export type { PayloadResult, PayloadTask } from "./payload.ts";
export type { VetResult, VetTask, VetVersion } from "./vet.ts";

type Task = VetTask | PayloadTask;
type Result = VetResult | PayloadResult;
/** What the worker answers to a task: a vetting result, or a payload validation result. */
export type ResultOf<T extends Task> = T extends PayloadTask ? PayloadResult : VetResult;

interface Pending {
  id: number;
  task: Task;
  timeoutMs: number;
  resolve(result: Result): void;
}

/** Memory the worker may use; a schema needing more is refused instead of swelling the process. */
const WORKER_HEAP_MB = 512;

/**
 * One worker thread, one task at a time, in arrival order. A task that runs past its time limit
 * (or exhausts the worker's memory) ends the worker and answers a clear error; the next task
 * starts a fresh worker. The worker is unref'd: it never keeps the process alive.
 */
export class SchemaWorker {
  private worker: Worker | undefined;
  /** The worker finished loading: time limits count from here, not from a (slow) start. */
  private ready = false;
  private readonly queue: Pending[] = [];
  private running: (Pending & { timer: NodeJS.Timeout }) | undefined;
  private nextId = 1;
  private closed = false;

  /**
   * Runs `task` (vetting a schema, or validating a payload) off the event loop; never rejects
   * (failures are `{ ok: false }`).
   */
  run<T extends Task>(task: T, timeoutMs: number): Promise<ResultOf<T>> {
    if (this.closed)
      return Promise.resolve({ ok: false, code: "INTERNAL", message: "schema worker closed" } as ResultOf<T>);
    return new Promise<ResultOf<T>>((resolve) => {
      this.queue.push({ id: this.nextId++, task, timeoutMs, resolve: resolve as (r: Result) => void });
      this.pump();
    });
  }

  /** Ends the worker; queued tasks answer an error. */
  async close(): Promise<void> {
    this.closed = true;
    this.finish({ ok: false, code: "INTERNAL", message: "schema worker closed" });
    for (const p of this.queue.splice(0))
      p.resolve({ ok: false, code: "INTERNAL", message: "schema worker closed" });
    await this.stop();
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const next = this.queue.shift();
    if (!next) {
      this.worker?.unref();
      return;
    }
    const worker = this.ensureWorker();
    worker.ref();
    if (!this.ready) {
      this.queue.unshift(next);
      return;
    }
    const timer = setTimeout(() => {
      this.finish({
        ok: false,
        code: "INTERNAL",
        message: `Schema check did not finish within ${next.timeoutMs} ms and was stopped: the schema is too complex`,
      });
      void this.stop();
    }, next.timeoutMs);
    this.running = { ...next, timer };
    worker.postMessage({ id: next.id, task: next.task });
  }

  private finish(result: Result): void {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    clearTimeout(running.timer);
    running.resolve(result);
    queueMicrotask(() => this.pump());
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerEntry, {
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    this.ready = false;
    worker.on("message", (message: { ready?: true; id?: number; result?: Result }) => {
      if (message.ready) {
        this.ready = true;
        this.pump();
      } else if (this.running?.id === message.id && message.result) {
        this.finish(message.result);
      }
    });
    const lost = (reason: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const failure: VetResult = { ok: false, code: "INTERNAL", message: `Schema check failed: ${reason}` };
      if (this.running) this.finish(failure);
      else this.queue.shift()?.resolve(failure); // it failed while loading: fail the first task, not all
      queueMicrotask(() => this.pump());
    };
    worker.on("error", (err) =>
      lost(
        (err as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY"
          ? `the schema needs more than ${WORKER_HEAP_MB} MiB to check`
          : err.message,
      ),
    );
    worker.on("exit", (code) => lost(`the schema worker exited (code ${code})`));
    this.worker = worker;
    return worker;
  }

  private async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
