// Stop signals (SIGINT, SIGTERM) as an AbortSignal, so commands can end their work cleanly.

/** An abort signal fired by the first SIGINT or SIGTERM; `dispose()` removes the handlers. */
export interface StopSignal {
  readonly signal: AbortSignal;
  /** The name of the signal received, once one was. */
  readonly received: NodeJS.Signals | undefined;
  dispose(): void;
}

/**
 * Listens for SIGINT and SIGTERM. The first one aborts `signal`; a second one while still
 * shutting down exits at once with 128 + signal number, as shells expect.
 */
export function onStopSignal(): StopSignal {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handler = (sig: NodeJS.Signals) => {
    if (received !== undefined) {
      process.exit(sig === "SIGINT" ? 130 : 143);
    }
    received = sig;
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
    },
  };
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
