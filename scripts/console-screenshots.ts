// Regenerates the console screenshots in docs/console/ (npm run console:screenshots): a broker
// with the seeded data of the console tests, some live traffic for the charts, and Debian's
// Chromium (CHROMIUM_PATH overrides /usr/bin/chromium) driven by playwright-core.
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serdes } from "@danube-ts/client";
import { launchChromium } from "../packages/broker/test/console/chromium.ts";
import { ORDER_V2, SEED, seededBroker } from "../packages/broker/test/console/seed.ts";

const root = resolve(fileURLToPath(import.meta.url), "../..");
const out = join(root, "docs", "console");
await mkdir(out, { recursive: true });

const env = await seededBroker({ logLevel: "error" });
const browser = await launchChromium();
let traffic = true;
try {
  // Steady traffic so the rate and latency charts have something to show.
  const producer = await env.client.createProducer({
    topic: SEED.orders,
    name: "load",
    dispatchStrategy: "Reliable",
    schema: { subject: SEED.ordersSubject, serde: serdes.json(ORDER_V2) },
  });
  const events = await env.client.createProducer({ topic: SEED.events, name: "load-events" });
  const load = (async () => {
    let i = 100;
    while (traffic) {
      await producer.send({ id: i++, item: "load", quantity: 1 });
      await events.send(`tick ${i}`);
      await new Promise((r) => setTimeout(r, 15 + (i % 7) * 5));
    }
  })();
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  page.setDefaultTimeout(15_000);
  const shoot = async (name: string, hash: string, ready: string, settleMs = 0) => {
    await page.goto(`${env.consoleUrl}/?sampleMs=400#${hash}`);
    await page.waitForSelector(ready);
    if (settleMs) await page.waitForTimeout(settleMs);
    await page.screenshot({ path: join(out, `${name}.png`) });
    console.log(`docs/console/${name}.png`);
  };
  const topic = (name: string) => `/topic?name=${encodeURIComponent(name)}`;
  await shoot("overview", "/", 'body[data-page="/"]', 6_000);
  await shoot("topics", "/topics", "#topics-table");
  await page.setViewportSize({ width: 1280, height: 1180 });
  await shoot("topic", topic(SEED.orders), "#browser tr[data-offset]", 6_000);
  await page.setViewportSize({ width: 1280, height: 820 });
  await page.goto(`${env.consoleUrl}/#${topic(SEED.payments)}`);
  await page.waitForSelector("#browser tr[data-offset]");
  await page.locator("#browser").scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(out, "messages.png") });
  console.log("docs/console/messages.png");
  await shoot("schema", `/schema?subject=${encodeURIComponent(SEED.paymentsSubject)}`, "#schema-diff .add");
  await page.locator("#schema-diff").scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(out, "schema.png") });
  await shoot("dead-letters", "/dead-letters", `section[data-dlq="${SEED.dlq}"] tr[data-offset]`);
  traffic = false;
  await load;
} finally {
  traffic = false;
  await browser.close();
  await env.close();
}
