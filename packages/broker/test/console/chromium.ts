// Debian's Chromium driven by playwright-core (which never downloads a browser of its own).
import { existsSync } from "node:fs";
import type { TestContext } from "node:test";
import { type Browser, chromium } from "playwright-core";

/** Where Chromium is looked for; CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Set to 1 to skip the browser tests on a machine without Chromium (CI never sets it). */
export const SKIP_ENV = "DANUBE_SKIP_BROWSER_TESTS";

/** Flags for a headless Chromium on a machine without network or GPU. */
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchChromium(): Promise<Browser> {
  // playwright-core gives each launch a fresh temporary --user-data-dir.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, timeout: 30_000 });
}

/**
 * A browser for a test, closed after it. Without Chromium the test fails with what to do, unless
 * DANUBE_SKIP_BROWSER_TESTS=1 asks to skip it; then it returns undefined and the test is skipped.
 */
export async function browserFor(t: TestContext): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM_PATH)) {
    if (process.env[SKIP_ENV] === "1") {
      t.skip(`no Chromium at ${CHROMIUM_PATH} and ${SKIP_ENV}=1`);
      return undefined;
    }
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install -y chromium), point CHROMIUM_PATH at it, or set ${SKIP_ENV}=1 to skip the browser tests`,
    );
  }
  const browser = await launchChromium();
  t.after(() => browser.close());
  return browser;
}
