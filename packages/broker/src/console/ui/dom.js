// Shared helpers of the console's pages: element building, formatting, the API call, timers.
// Everything from the broker is inserted as text (textContent), never as HTML.

export const TOKEN_KEY = "danube-console-token";
export const SAMPLE_MS = Number(new URLSearchParams(location.search).get("sampleMs")) || 2000;
export const MAX_POINTS = 60;
export const main = document.getElementById("main");
export const statusLine = document.getElementById("status");
/** Timers of the page on screen, cleared when another page is shown. */
export const timers = [];
// ---- helpers -------------------------------------------------------------------------------------

/** Builds an element: `h("td", { class: "num" }, "12")`; strings become text nodes. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const fmt = (n) =>
  typeof n === "number" ? n.toLocaleString("en-US", { maximumFractionDigits: 2 }) : String(n ?? "");
export const bytes = (n) =>
  n >= 1048576 ? `${fmt(n / 1048576)} MiB` : n >= 1024 ? `${fmt(n / 1024)} KiB` : `${fmt(n)} B`;
export const topicLink = (name) => h("a", { href: `#/topic?name=${encodeURIComponent(name)}` }, name);
export const card = (label, value) =>
  h("div", { class: "card" }, h("div", { class: "value" }, value), h("div", { class: "label" }, label));
export const num = (value) => h("td", { class: "num" }, fmt(value));

export function table(headers, rows, attrs = {}) {
  return h(
    "table",
    attrs,
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        headers.map((x) => h("th", { class: x.endsWith(" ") ? "num" : undefined }, x.trim())),
      ),
    ),
    h(
      "tbody",
      {},
      rows.length ? rows : h("tr", {}, h("td", { colspan: headers.length, class: "muted" }, "none")),
    ),
  );
}

export function say(text, isError = false) {
  statusLine.textContent = text;
  statusLine.className = isError ? "error" : "";
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code;
  }
}

/** Calls the console API with the stored token; a 401 shows the token form. */
export async function api(path, options = {}) {
  const headers = { accept: "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method: options.method ?? "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const body = await res.json().catch(() => undefined);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

export const q = (params) => new URLSearchParams(params).toString();

/** Runs `fn` now (its errors reach the page) and then every `ms` while the page is shown. */
export async function every(ms, fn) {
  await fn();
  timers.push(setInterval(() => fn().catch((err) => say(err.message, true)), ms));
}

export function clearTimers() {
  for (const timer of timers.splice(0)) clearInterval(timer);
}
