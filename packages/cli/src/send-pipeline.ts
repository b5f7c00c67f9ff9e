// Many sends in flight at once (bounded), in input order, with progress and a rate summary.
import type { SendReceipt } from "@danube-ts/client";

/** Default number of sends in flight. */
export const defaultMaxInFlight = 64;

export interface PipelineOptions {
  /** Sends in flight at most. */
  maxInFlight: number;
  /** Stops taking new payloads (what is in flight still settles). */
  signal: AbortSignal;
  /** Called for each acknowledged send with its 1-based position in the input. */
  onSent(index: number, receipt: SendReceipt): void;
  /** Called about once per `progressEveryMs` while running. */
  onProgress?(sent: number, elapsedMs: number): void;
  progressEveryMs?: number;
  /** Pause between sends (upstream's --interval); sends then go one at a time. */
  intervalMs?: number;
}

export interface PipelineResult {
  sent: number;
  elapsedMs: number;
  /** The first failed send, if any: no new payloads were taken after it. */
  error: unknown;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/** Sends every payload of `payloads` through `send`, at most `maxInFlight` at a time. */
export async function sendPipelined<P>(
  payloads: AsyncIterable<P>,
  send: (payload: P) => Promise<SendReceipt>,
  options: PipelineOptions,
): Promise<PipelineResult> {
  const started = performance.now();
  const limit = options.intervalMs === undefined ? options.maxInFlight : 1;
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let taken = 0;
  let error: unknown;
  let failed = false;
  const progress =
    options.onProgress === undefined
      ? undefined
      : setInterval(
          () => options.onProgress?.(sent, performance.now() - started),
          options.progressEveryMs ?? 1000,
        );
  try {
    for await (const payload of payloads) {
      if (failed || options.signal.aborted) break;
      if (taken > 0 && options.intervalMs !== undefined) await sleep(options.intervalMs, options.signal);
      if (options.signal.aborted) break;
      const index = ++taken;
      const pending: Promise<void> = send(payload).then(
        (receipt) => {
          sent++;
          options.onSent(index, receipt);
        },
        (err: unknown) => {
          if (!failed) error = err;
          failed = true;
        },
      );
      const tracked = pending.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      while (inFlight.size >= limit) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    if (progress !== undefined) clearInterval(progress);
  }
  return { sent, elapsedMs: performance.now() - started, error };
}

/** `12.3 s (4,567 msg/s)` for a summary line. */
export function rate(count: number, elapsedMs: number): string {
  const seconds = elapsedMs / 1000;
  const perSecond = seconds > 0 ? Math.round(count / seconds) : count;
  return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s (${perSecond} msg/s)`;
}
