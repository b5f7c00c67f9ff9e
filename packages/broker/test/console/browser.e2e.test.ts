// The console in a real headless Chromium against a live broker with real data.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { secureBroker } from "../fixtures/secure-broker.ts";
import { until } from "../until.ts";
import { browserFor } from "./chromium.ts";
import { SEED, type SeededBroker, seededBroker } from "./seed.ts";

let env: SeededBroker;

const api = async (path: string) => {
  const res = await fetch(env.consoleUrl + path, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** A page that fails the test on any script error or console error. */
async function openPage(
  browser: NonNullable<Awaited<ReturnType<typeof browserFor>>>,
  errors: string[],
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("request", (r) => {
    if (!r.url().startsWith(env.consoleUrl) && !r.url().startsWith("data:"))
      errors.push(`outside request: ${r.url()}`);
  });
  return page;
}

const go = async (page: Page, hash: string, pageName: string) => {
  await page.goto(`${env.consoleUrl}/?sampleMs=250#${hash}`);
  await page.waitForSelector(`body[data-page="${pageName}"]`);
};

describe("console in headless Chromium", { timeout: 120_000 }, () => {
  before(async () => {
    env = await seededBroker();
  });
  after(() => env?.close());

  test("every page loads with the broker's data, and the actions take effect", async (t) => {
    const browser = await browserFor(t);
    if (!browser) return;
    const errors: string[] = [];
    const page = await openPage(browser, errors);

    // Overview: counts and a chart drawn from two samples or more.
    await go(page, "/", "/");
    const cards = await page.textContent("#overview-cards");
    assert.match(cards ?? "", /topics/);
    await until("a chart line of two samples", async () => {
      const points = await page.locator(".chart polyline").first().getAttribute("points");
      return (points ?? "").split(" ").length >= 2;
    });
    assert.ok(await page.isVisible(`main a[href="#/topic?name=${encodeURIComponent(SEED.orders)}"]`));

    // Topics: create one from the form, see it listed and stored; delete it with two clicks.
    await go(page, "/topics", "/topics");
    await page.waitForSelector(`tr[data-topic="${SEED.payments}"]`);
    const made = "/default/browser-made";
    await page.fill('#create-topic input[name="name"]', made);
    await page.selectOption('#create-topic select[name="delivery"]', "non_reliable");
    await page.click('#create-topic button[type="submit"]');
    await page.waitForSelector(`tr[data-topic="${made}"]`);
    assert.equal((await api(`/api/topic?name=${encodeURIComponent(made)}`)).body.delivery, "NonReliable");
    await page.click(`button[data-delete="${made}"]`);
    assert.equal(await page.textContent(`button[data-delete="${made}"]`), "Confirm delete");
    await page.click(`button[data-delete="${made}"]`);
    await page.waitForSelector(`tr[data-topic="${made}"]`, { state: "detached" });
    assert.equal((await api(`/api/topic?name=${encodeURIComponent(made)}`)).status, 404);

    // Topic page: subscriptions with backlog and dead-lettering, charts, stored messages decoded.
    await go(page, `/topic?name=${encodeURIComponent(SEED.orders)}`, "/topic");
    const billing = await page.textContent('#subscriptions-table tr[data-subscription="billing"]');
    assert.match(billing ?? "", /dead_letter → \/default\/orders-dlq/);
    assert.match(
      (await page.textContent('#subscriptions-table tr[data-subscription="audit"]')) ?? "",
      /Shared|Exclusive/,
    );
    await page.waitForSelector('#browser tr[data-offset="13"]');
    assert.match((await page.textContent('#browser tr[data-offset="13"] pre')) ?? "", /"item": "item-14"/);
    assert.equal(await page.locator("#topic-charts .chart").count(), 4);
    await page.fill('#browser input[name="from"]', "0");
    await page.click("#browser-go");
    await page.waitForSelector('#browser tr[data-offset="0"]');

    // Avro payloads shown decoded with their schema.
    await go(page, `/topic?name=${encodeURIComponent(SEED.payments)}`, "/topic");
    await page.waitForSelector('#browser tr[data-offset="4"]');
    assert.match(
      (await page.textContent('#browser tr[data-offset="4"]')) ?? "",
      /avro[\s\S]*"amount": 52\.5/,
    );

    // Send a test message, then see it in the browser; markup stays text.
    await go(page, `/topic?name=${encodeURIComponent(SEED.blobs)}`, "/topic");
    await page.waitForSelector('#browser tr[data-offset="2"]');
    const text = "sent from the browser <img src=x onerror=alert(1)>";
    await page.fill('#send-form textarea[name="payload"]', text);
    await page.fill('#send-form textarea[name="attributes"]', "origin=browser");
    await page.click('#send-form button[type="submit"]');
    await page.waitForSelector('#send-result:text-is("sent at offset 3")');
    await page.waitForSelector('#browser tr[data-offset="3"]');
    assert.equal(await page.textContent('#browser tr[data-offset="3"] pre'), text);
    assert.match((await page.textContent('#browser tr[data-offset="3"]')) ?? "", /origin\s*browser/);
    assert.equal(await page.locator("main img, main script").count(), 0, "payload markup is never parsed");
    assert.match((await page.textContent('#browser tr[data-offset="0"] pre')) ?? "", /^00 01 02 fe ff 80$/);
    assert.match((await page.textContent('#browser tr[data-offset="2"]')) ?? "", /10000 bytes, cut/);

    // Schemas: list, versions, and the diff between two versions.
    await go(page, "/schemas", "/schemas");
    await page.click(`tr[data-subject="${SEED.paymentsSubject}"] a`);
    await page.waitForSelector("#schema-diff .add");
    assert.match((await page.locator("#schema-diff .add").allTextContents()).join("\n"), /\+ .*"currency"/);
    await page.selectOption('select[name="from"]', "2");
    await page.selectOption('select[name="to"]', "1");
    await page.click("#diff-button");
    await page.waitForSelector("#schema-diff .del");
    assert.match((await page.locator("#schema-diff .del").allTextContents()).join("\n"), /- .*"currency"/);

    // Dead letters: the DLQ topic, its source and the poisoned message with its reason.
    await go(page, "/dead-letters", "/dead-letters");
    await page.waitForSelector(`section[data-dlq="${SEED.dlq}"] tr[data-offset="0"]`);
    const dlq = (await page.textContent(`section[data-dlq="${SEED.dlq}"]`)) ?? "";
    assert.match(dlq, /\[billing\]/);
    assert.match(dlq, /x-failure-reason\s*order 13 cannot be billed/);

    assert.deepEqual(errors, []);
  });
});

describe("console in headless Chromium with auth mode tls", { timeout: 60_000 }, () => {
  test("the page asks for a token; without one or with a bad one nothing is shown", async (t) => {
    const browser = await browserFor(t);
    if (!browser) return;
    const sb = await secureBroker(t, { broker: { console: { port: 0 }, adminTls: false } });
    const url = sb.broker.consoleUrl!;
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${url}/#/topics`);
    await page.waitForSelector('body[data-page="login"]');
    assert.equal(await page.locator("#topics-table").count(), 0);
    await page.fill("#token-input", sb.token("admin", { secret: "not-the-secret" }));
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('#login-form .error:has-text("The token was refused: Invalid token")');
    await page.fill("#token-input", sb.token("admin"));
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('body[data-page="/topics"]');
    await page.waitForSelector("#topics-table");
    await page.click("#who button");
    await page.waitForSelector('body[data-page="login"]');
  });
});
