// Stop signals (SIGINT, SIGTERM) as an AbortSignal, so commands can end their work cleanly.

/** An abort signal fired by the first SIGINT or SIGTERM; `dispose()` removes the handlers. */
export interface StopSignal {
  readonly signal: AbortSignal;
  /** The name of the signal received, once one was. */
  readonly received: NodeJS.Signals | undefined;
  dispose(): void;
}

/**
 * A second signal within this time of the first is the same Ctrl-C delivered twice: a terminal
 * sends SIGINT to the whole process group and a parent such as npm/npx (npm exec, npm run)
 * forwards its own copy to its child.
 */
export const duplicateSignalWindowMs = 1000;

/**
 * Listens for SIGINT and SIGTERM. The first one aborts `signal`; another one while still shutting
 * down, more than {@link duplicateSignalWindowMs} later, exits at once with 128 + signal number,
 * as shells expect.
 */
export function onStopSignal(): StopSignal {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  let receivedAt = 0;
  const handler = (sig: NodeJS.Signals) => {
    if (received !== undefined) {
      if (performance.now() - receivedAt < duplicateSignalWindowMs) return;
      process.exit(sig === "SIGINT" ? 130 : 143);
    }
    received = sig;
    receivedAt = performance.now();
    controller.abort(new Error(`received ${sig}`));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
      // After a stop signal the process is on its way out: a late copy of that Ctrl-C (npm/npx
      // forwards its own) must not kill it by signal and change its exit status.
      if (received !== undefined) {
        process.on("SIGINT", ignore);
        process.on("SIGTERM", ignore);
      }
    },
  };
}

function ignore(): void {}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
