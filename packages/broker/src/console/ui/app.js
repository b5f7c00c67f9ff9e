// The Danube web console: plain DOM, no framework, no network beyond this broker's /api/.
// Everything from the broker is inserted as text (textContent), never as HTML.

const TOKEN_KEY = "danube-console-token";
const SAMPLE_MS = Number(new URLSearchParams(location.search).get("sampleMs")) || 2000;
const MAX_POINTS = 60;
const main = document.getElementById("main");
const statusLine = document.getElementById("status");
/** Timers of the page on screen, cleared when another page is shown. */
let timers = [];

// ---- helpers -------------------------------------------------------------------------------------

/** Builds an element: `h("td", { class: "num" }, "12")`; strings become text nodes. */
function h(tag, attrs, ...children) {
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

const fmt = (n) =>
  typeof n === "number" ? n.toLocaleString("en-US", { maximumFractionDigits: 2 }) : String(n ?? "");
const bytes = (n) =>
  n >= 1048576 ? `${fmt(n / 1048576)} MiB` : n >= 1024 ? `${fmt(n / 1024)} KiB` : `${fmt(n)} B`;
const topicLink = (name) => h("a", { href: `#/topic?name=${encodeURIComponent(name)}` }, name);
const card = (label, value) =>
  h("div", { class: "card" }, h("div", { class: "value" }, value), h("div", { class: "label" }, label));
const num = (value) => h("td", { class: "num" }, fmt(value));

function table(headers, rows, attrs = {}) {
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

function say(text, isError = false) {
  statusLine.textContent = text;
  statusLine.className = isError ? "error" : "";
}

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code;
  }
}

/** Calls the console API with the stored token; a 401 shows the token form. */
async function api(path, options = {}) {
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

const q = (params) => new URLSearchParams(params).toString();

// ---- charts --------------------------------------------------------------------------------------

const COLORS = ["#1f5fbf", "#18794e", "#b54708", "#7a2fbf"];

/** A line chart of the last samples: `series` is [{ label, points }], drawn as inline SVG. */
function chart(title, unit, series) {
  const w = 360;
  const hgt = 110;
  const pad = 4;
  const all = series.flatMap((s) => s.points).filter((v) => Number.isFinite(v));
  const max = Math.max(1e-9, ...all);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("width", String(w));
  svg.setAttribute("height", String(hgt));
  svg.setAttribute("viewBox", `0 0 ${w} ${hgt}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", title);
  const axis = document.createElementNS(svg.namespaceURI, "line");
  for (const [k, v] of Object.entries({ x1: 0, y1: hgt - pad, x2: w, y2: hgt - pad, stroke: "#d9dee5" }))
    axis.setAttribute(k, String(v));
  svg.append(axis);
  series.forEach((s, i) => {
    const line = document.createElementNS(svg.namespaceURI, "polyline");
    const step = w / (MAX_POINTS - 1);
    const offset = MAX_POINTS - s.points.length;
    line.setAttribute(
      "points",
      s.points
        .map(
          (v, j) =>
            `${((offset + j) * step).toFixed(1)},${(hgt - pad - ((Number.isFinite(v) ? v : 0) / max) * (hgt - 2 * pad)).toFixed(1)}`,
        )
        .join(" "),
    );
    line.setAttribute("stroke", COLORS[i % COLORS.length]);
    svg.append(line);
  });
  const last = series.map((s, i) =>
    h(
      "span",
      { style: undefined },
      h("span", { class: "tag", "data-color": i }, s.label),
      fmt(s.points.at(-1) ?? 0),
      ` ${unit}  `,
    ),
  );
  return h(
    "div",
    { class: "chart" },
    h("div", { class: "title" }, `${title} (max ${fmt(max)} ${unit})`),
    svg,
    h("div", {}, last),
  );
}

/** Keeps samples and turns two consecutive ones into rates. */
function sampler() {
  const points = [];
  return {
    add(sample) {
      points.push(sample);
      if (points.length > MAX_POINTS + 1) points.shift();
    },
    /** Per-second rate of a counter, one value per interval. */
    rate(key) {
      const out = [];
      for (let i = 1; i < points.length; i++) {
        const dt = (points[i].time - points[i - 1].time) / 1000;
        out.push(dt > 0 ? Math.max(0, points[i][key] - points[i - 1][key]) / dt : 0);
      }
      return out;
    },
    /** Mean of `sumKey` per `countKey` within each interval (e.g. mean latency). */
    mean(sumKey, countKey, scale = 1) {
      const out = [];
      for (let i = 1; i < points.length; i++) {
        const n = points[i][countKey] - points[i - 1][countKey];
        out.push(n > 0 ? ((points[i][sumKey] - points[i - 1][sumKey]) / n) * scale : 0);
      }
      return out;
    },
    gauge(key) {
      return points.slice(1).map((p) => p[key]);
    },
  };
}

/** Runs `fn` now (its errors reach the page) and then every `ms` while the page is shown. */
async function every(ms, fn) {
  await fn();
  timers.push(setInterval(() => fn().catch((err) => say(err.message, true)), ms));
}

// ---- pages ---------------------------------------------------------------------------------------

async function overviewPage() {
  const samples = sampler();
  const cards = h("div", { class: "cards", id: "overview-cards" });
  const charts = h("div", { class: "charts" });
  const busiest = h("div");
  main.replaceChildren(
    h("h1", {}, "Overview"),
    cards,
    h("h2", {}, "Rates"),
    charts,
    h("h2", {}, "Topics"),
    busiest,
  );
  await every(SAMPLE_MS, async () => {
    const [o, topics] = await Promise.all([api("/api/overview"), api("/api/topics")]);
    samples.add(o);
    cards.replaceChildren(
      card("topics", fmt(o.topics)),
      card("reliable topics", fmt(o.reliableTopics)),
      card("producers", fmt(o.producers)),
      card("subscriptions", fmt(o.subscriptions)),
      card("consumers", fmt(o.consumers)),
      card("messages in", fmt(o.messagesIn)),
      card("messages out", fmt(o.messagesOut)),
      card("buffered", bytes(o.memory.bufferedBytes)),
      card("uptime", `${fmt(o.uptimeSeconds)} s`),
    );
    charts.replaceChildren(
      chart("Messages per second", "msg/s", [
        { label: "in", points: samples.rate("messagesIn") },
        { label: "out", points: samples.rate("messagesOut") },
      ]),
      chart("Bytes in per second", "B/s", [{ label: "in", points: samples.rate("bytesIn") }]),
    );
    const top = [...topics].sort((a, b) => b.messagesIn - a.messagesIn).slice(0, 15);
    busiest.replaceChildren(
      table(
        ["Topic", "Delivery", "Producers ", "Subscriptions ", "Consumers ", "Messages in "],
        top.map((t) =>
          h(
            "tr",
            {},
            h("td", {}, topicLink(t.name)),
            h("td", {}, t.delivery),
            num(t.producers),
            num(t.subscriptions),
            num(t.consumers),
            num(t.messagesIn),
          ),
        ),
      ),
    );
    say(`broker ${o.broker.brokerId} · ${o.broker.url} · updated ${new Date(o.time).toLocaleTimeString()}`);
  });
}

async function topicsPage() {
  const list = h("div", { id: "topic-list" });
  const result = h("span", { id: "create-result" });
  const form = h(
    "form",
    { class: "inline", id: "create-topic" },
    h(
      "label",
      {},
      "Topic name",
      h("input", { name: "name", placeholder: "/default/orders", required: true, size: 32 }),
    ),
    h(
      "label",
      {},
      "Delivery",
      h(
        "select",
        { name: "delivery" },
        h("option", { value: "reliable" }, "Reliable"),
        h("option", { value: "non_reliable" }, "Non-reliable"),
      ),
    ),
    h(
      "label",
      {},
      "Partitions (optional)",
      h("input", { name: "partitions", type: "number", min: 1, max: 64, size: 4 }),
    ),
    h("button", { type: "submit" }, "Create topic"),
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const partitions = data.get("partitions");
    try {
      await api("/api/topics", {
        method: "POST",
        body: {
          name: data.get("name"),
          delivery: data.get("delivery"),
          ...(partitions ? { partitions: Number(partitions) } : {}),
        },
      });
      result.textContent = `created ${data.get("name")}`;
      result.className = "ok";
      await refresh();
    } catch (err) {
      result.textContent = err.message;
      result.className = "error";
    }
  });
  const refresh = async () => {
    const topics = await api("/api/topics");
    list.replaceChildren(
      table(
        [
          "Topic",
          "Delivery",
          "Partition of",
          "Schema",
          "Producers ",
          "Subscriptions ",
          "Consumers ",
          "Messages in ",
          "Stored ",
          "",
        ],
        topics.map((t) => {
          const del = h("button", { class: "danger", "data-delete": t.name }, "Delete");
          del.addEventListener("click", async () => {
            if (!del.classList.contains("armed")) {
              del.classList.add("armed");
              del.textContent = "Confirm delete";
              return;
            }
            try {
              await api(`/api/topics?${q({ name: t.name })}`, { method: "DELETE" });
              say(`deleted ${t.name}`);
              await refresh();
            } catch (err) {
              say(err.message, true);
            }
          });
          return h(
            "tr",
            { "data-topic": t.name },
            h("td", {}, topicLink(t.name)),
            h("td", {}, t.delivery),
            h("td", {}, t.partitionOf ? topicLink(t.partitionOf) : ""),
            h(
              "td",
              {},
              t.schemaSubject
                ? h("a", { href: `#/schema?subject=${encodeURIComponent(t.schemaSubject)}` }, t.schemaSubject)
                : "",
            ),
            num(t.producers),
            num(t.subscriptions),
            num(t.consumers),
            num(t.messagesIn),
            h("td", { class: "num" }, t.storedMessages === undefined ? "–" : fmt(t.storedMessages)),
            h("td", {}, del),
          );
        }),
        { id: "topics-table" },
      ),
    );
  };
  main.replaceChildren(h("h1", {}, "Topics"), form, list);
  await refresh();
}

function policyText(p) {
  if (!p) return "–";
  const dlq = p.poison === "dead_letter" ? ` → ${p.deadLetterTopic}` : "";
  return `${p.maxRedeliveryCount} redeliveries, ${p.backoff} ${p.baseRedeliveryDelayMs}–${p.maxRedeliveryDelayMs} ms, ack timeout ${p.ackTimeoutMs} ms, then ${p.poison}${dlq}`;
}

async function topicPage(params) {
  const name = params.get("name") ?? "";
  const t = await api(`/api/topic?${q({ name })}`);
  if (t.partitioned) {
    main.replaceChildren(
      h("h1", {}, name),
      h("p", {}, `Partitioned topic with ${t.partitions.length} partitions.`),
      table(
        ["Partition", "Delivery", "Producers ", "Subscriptions ", "Messages in "],
        t.topics.map((p) =>
          h(
            "tr",
            {},
            h("td", {}, topicLink(p.name)),
            h("td", {}, p.delivery),
            num(p.producers),
            num(p.subscriptions),
            num(p.messagesIn),
          ),
        ),
      ),
    );
    return;
  }
  const info = h("div", { class: "cards" });
  const details = h("div");
  const charts = h("div", { class: "charts", id: "topic-charts" });
  const samples = sampler();
  const sections = [h("h1", {}, name), info, h("h2", {}, "Rates and latency"), charts, details];
  if (t.delivery === "Reliable")
    sections.push(h("h2", {}, "Stored messages"), messageBrowser(name, "browser"));
  sections.push(h("h2", {}, "Send a test message"), sendForm(name, t.schema));
  main.replaceChildren(...sections);
  const render = (t) => {
    info.replaceChildren(
      card("delivery", t.delivery),
      card("producers", fmt(t.producers)),
      card("subscriptions", fmt(t.subscriptions)),
      card("consumers", fmt(t.consumers)),
      card("messages in", fmt(t.messagesIn)),
      card("bytes in", bytes(t.bytesIn)),
      ...(t.log ? [card("offsets", `${t.log.startOffset} – ${t.log.endOffset}`)] : []),
    );
    details.replaceChildren(
      ...(t.partitions.length
        ? [
            h("h2", {}, "Partitions"),
            h(
              "p",
              {},
              t.partitions.map((p) => [topicLink(p), " "]),
            ),
          ]
        : []),
      h("h2", {}, "Producers"),
      table(
        ["Name", "Id", "Access mode"],
        t.producerList.map((p) =>
          h("tr", {}, h("td", {}, p.name), h("td", {}, p.id), h("td", {}, p.accessMode)),
        ),
      ),
      h("h2", {}, "Subscriptions"),
      table(
        [
          "Subscription",
          "Type",
          "Consumers",
          "Backlog ",
          "Unacked ",
          "Pending redelivery ",
          "Poisoned ",
          "Delivered ",
          "Redeliveries ",
          "Nacks ",
          "Dead-lettered ",
          "Dropped ",
          "Failure policy",
        ],
        t.subscriptionList.map((s) =>
          h(
            "tr",
            { "data-subscription": s.name },
            h("td", {}, s.name),
            h("td", {}, s.type),
            h(
              "td",
              {},
              s.consumers.map((c) => h("span", { class: c.active ? "tag" : "tag bad" }, c.name)),
            ),
            num(s.backlog),
            num(s.unacked),
            num(s.pendingRedelivery),
            num(s.poisoned),
            num(s.messagesOut),
            num(s.redeliveries),
            num(s.nacks),
            num(s.deadLettered),
            num(s.dropped),
            h("td", {}, policyText(s.failurePolicy)),
          ),
        ),
        { id: "subscriptions-table" },
      ),
      h("h2", {}, "Schema"),
      t.schema
        ? h(
            "p",
            { id: "topic-schema" },
            h("a", { href: `#/schema?subject=${encodeURIComponent(t.schema.subject)}` }, t.schema.subject),
            ` · ${t.schema.schemaType ?? "?"} v${t.schema.version ?? "?"} · ${t.schema.compatibilityMode ?? ""} · validation ${t.schema.validationPolicy}`,
            t.schema.payloadValidation ? " with payload checks" : "",
            ` · checked ${t.validation.checked}, warned ${t.validation.warned}, rejected ${t.validation.rejected}`,
          )
        : h("p", { class: "muted" }, "No schema subject."),
    );
  };
  render(t);
  let tick = 0;
  await every(SAMPLE_MS, async () => {
    samples.add(await api(`/api/topic/sample?${q({ name })}`));
    charts.replaceChildren(
      chart("Messages per second", "msg/s", [
        { label: "in", points: samples.rate("messagesIn") },
        { label: "out", points: samples.rate("messagesOut") },
      ]),
      chart("Mean send latency (broker)", "ms", [
        { label: "send", points: samples.mean("sendLatencySumMs", "sendCount") },
      ]),
      chart("Group commit (broker-wide)", "ms", [
        { label: "commit", points: samples.mean("commitSumSeconds", "commitCount", 1000) },
      ]),
      chart("Backlog (all subscriptions)", "msg", [{ label: "backlog", points: samples.gauge("backlog") }]),
    );
    if (++tick % 3 === 0) render(await api(`/api/topic?${q({ name })}`));
  });
}

/** Stored messages of a reliable topic, read by offset: nothing is consumed. */
function messageBrowser(name, id) {
  const rows = h("div", { id: `${id}-rows` });
  const fromInput = h("input", { name: "from", type: "number", min: 0, size: 8, placeholder: "newest" });
  const info = h("span", { class: "muted" });
  let last;
  const load = async (from) => {
    try {
      last = await api(
        `/api/topic/messages?${q({ name, limit: "20", ...(from !== undefined && from !== "" ? { from: String(from) } : {}) })}`,
      );
    } catch (err) {
      rows.replaceChildren(h("p", { class: "error" }, err.message));
      return;
    }
    info.textContent = `offsets ${last.startOffset} – ${last.endOffset} stored; showing from ${last.from}`;
    rows.replaceChildren(
      table(
        ["Offset ", "Published", "Producer", "Attributes", "Payload"],
        last.messages.map((m) =>
          h(
            "tr",
            { "data-offset": m.offset },
            h("td", { class: "num" }, m.offset),
            h("td", {}, m.publishTime.replace("T", " ").replace("Z", "")),
            h("td", {}, m.producerName),
            h(
              "td",
              {},
              Object.entries(m.attributes).map(([k, v]) => h("div", {}, h("span", { class: "tag" }, k), v)),
            ),
            h(
              "td",
              {},
              h("span", { class: "tag" }, m.payload.kind),
              m.schemaId ? h("span", { class: "tag" }, `schema ${m.schemaId} v${m.schemaVersion ?? 1}`) : "",
              h("span", { class: "muted" }, `${m.payload.size} bytes${m.payload.truncated ? ", cut" : ""}`),
              m.payload.decodeError ? h("div", { class: "error" }, m.payload.decodeError) : "",
              h("pre", { class: "payload" }, m.payload.text ?? m.payload.hex.replace(/(..)/g, "$1 ").trim()),
            ),
          ),
        ),
        { class: "messages" },
      ),
    );
  };
  const page = (dir) => {
    if (!last) return load();
    const from = BigInt(last.from) + BigInt(dir * 20);
    return load(String(from < 0n ? 0n : from));
  };
  const bar = h(
    "div",
    { class: "pager" },
    h("label", {}, "From offset ", fromInput),
    h(
      "button",
      { type: "button", class: "secondary", onclick: () => load(fromInput.value), id: `${id}-go` },
      "Show",
    ),
    h("button", { type: "button", class: "secondary", onclick: () => page(-1) }, "◀ Older"),
    h("button", { type: "button", class: "secondary", onclick: () => page(1) }, "Newer ▶"),
    h("button", { type: "button", class: "secondary", onclick: () => load(), id: `${id}-newest` }, "Newest"),
    info,
  );
  load();
  return h("div", { id }, bar, rows);
}

function sendForm(name, schema) {
  const result = h("span", { id: "send-result" });
  const avro = schema?.schemaType === "avro";
  const form = h(
    "form",
    { class: "stack", id: "send-form" },
    schema
      ? h(
          "p",
          { class: "muted" },
          `Sent with schema ${schema.subject} v${schema.version}${avro ? ": give the Avro datum as JSON" : ""}.`,
        )
      : "",
    h("label", {}, "Payload", h("textarea", { name: "payload", rows: 4 })),
    h(
      "label",
      {},
      "Encoding",
      h(
        "select",
        { name: "encoding" },
        h(
          "option",
          { value: avro ? "json" : "text" },
          avro ? "JSON (encoded with the Avro schema)" : "UTF-8 text",
        ),
        h(
          "option",
          { value: avro ? "text" : "json" },
          avro ? "UTF-8 text (raw)" : "JSON (checked, compacted)",
        ),
        h("option", { value: "base64" }, "Base64 (raw bytes)"),
      ),
    ),
    h("label", {}, "Attributes (key=value per line)", h("textarea", { name: "attributes", rows: 2 })),
    h("label", {}, "Routing key", h("input", { name: "routingKey" })),
    h("div", {}, h("button", { type: "submit" }, "Send"), " ", result),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const attributes = {};
    for (const line of String(data.get("attributes")).split("\n")) {
      const at = line.indexOf("=");
      if (at > 0) attributes[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    try {
      const sent = await api("/api/topic/messages", {
        method: "POST",
        body: {
          name,
          payload: data.get("payload"),
          encoding: data.get("encoding"),
          attributes,
          routingKey: data.get("routingKey"),
        },
      });
      result.textContent = sent.offset === undefined ? "sent" : `sent at offset ${sent.offset}`;
      result.className = "ok";
      document.getElementById("browser-newest")?.click();
    } catch (err) {
      result.textContent = err.message;
      result.className = "error";
    }
  });
  return form;
}

async function schemasPage() {
  const subjects = await api("/api/schemas");
  main.replaceChildren(
    h("h1", {}, "Schemas"),
    table(
      ["Subject", "Id", "Type", "Latest version ", "Compatibility", "Topics"],
      subjects.map((s) =>
        h(
          "tr",
          { "data-subject": s.subject },
          h("td", {}, h("a", { href: `#/schema?subject=${encodeURIComponent(s.subject)}` }, s.subject)),
          h("td", {}, s.id),
          h("td", {}, s.schemaType ?? "–"),
          num(s.latestVersion ?? "–"),
          h("td", {}, s.compatibilityMode),
          h(
            "td",
            {},
            s.topics.map((t) => [topicLink(t), " "]),
          ),
        ),
      ),
      { id: "schemas-table" },
    ),
  );
}

async function schemaPage(params) {
  const subject = params.get("subject") ?? "";
  const s = await api(`/api/schema?${q({ subject })}`);
  const versions = s.versions.map((v) => v.version);
  const pick = (name, selected) =>
    h(
      "select",
      { name },
      versions.map((v) => h("option", { value: v, selected: v === selected }, `v${v}`)),
    );
  const fromSel = pick("from", versions.at(-2) ?? versions[0]);
  const toSel = pick("to", versions.at(-1));
  const diffBox = h("div", { class: "diff", id: "schema-diff" });
  const showDiff = async () => {
    const d = await api(`/api/schema/diff?${q({ subject, from: fromSel.value, to: toSel.value })}`);
    diffBox.replaceChildren(
      h(
        "pre",
        {},
        d.lines.map((l) =>
          h("div", { class: l.op === "+" ? "add" : l.op === "-" ? "del" : undefined }, `${l.op} ${l.text}`),
        ),
      ),
    );
  };
  main.replaceChildren(
    h("h1", {}, subject),
    h(
      "div",
      { class: "cards" },
      card("id", s.id),
      card("compatibility", s.compatibilityMode),
      card("versions", fmt(versions.length)),
    ),
    h(
      "p",
      {},
      "Topics: ",
      s.topics.length ? s.topics.map((t) => [topicLink(t), " "]) : h("span", { class: "muted" }, "none"),
    ),
    h("h2", {}, "Versions"),
    table(
      ["Version ", "Type", "Created", "By", "Fingerprint", "Definition"],
      s.versions.map((v) =>
        h(
          "tr",
          {},
          num(v.version),
          h("td", {}, v.schemaType),
          h("td", {}, v.createdAt.replace("T", " ").replace(".000Z", "")),
          h("td", {}, v.createdBy),
          h("td", {}, h("code", {}, v.fingerprint.slice(0, 16))),
          h("td", {}, h("pre", { class: "payload" }, v.definition)),
        ),
      ),
    ),
    h("h2", {}, "Diff"),
    h(
      "form",
      {
        class: "inline",
        onsubmit: (e) => {
          e.preventDefault();
          showDiff().catch((err) => say(err.message, true));
        },
      },
      fromSel,
      " → ",
      toSel,
      h("button", { type: "submit", id: "diff-button" }, "Show diff"),
    ),
    diffBox,
  );
  if (versions.length > 1) await showDiff();
}

async function deadLettersPage() {
  const list = await api("/api/dead-letters");
  main.replaceChildren(
    h("h1", {}, "Dead letters"),
    list.length ? "" : h("p", { class: "muted" }, "No subscription has a dead-letter policy."),
    ...list.map((d, i) =>
      h(
        "section",
        { "data-dlq": d.topic },
        h(
          "h2",
          {},
          topicLink(d.topic),
          d.exists ? ` · ${fmt(d.storedMessages ?? 0)} stored` : " · not created yet",
        ),
        h(
          "p",
          { class: "muted" },
          "Fed by ",
          d.sources.map((s) => [topicLink(s.topic), ` [${s.subscription}] `]),
        ),
        d.exists ? messageBrowser(d.topic, `dlq-${i}`) : "",
      ),
    ),
  );
}

function loginPage(message) {
  const input = h("input", {
    name: "token",
    type: "password",
    size: 48,
    autocomplete: "off",
    id: "token-input",
  });
  const form = h(
    "form",
    { class: "stack login", id: "login-form" },
    h("h1", {}, "Sign in"),
    h(
      "p",
      {},
      "This broker requires a token (auth mode tls). Paste a JWT, for example from `danube-admin` or `createToken`.",
    ),
    message ? h("p", { class: "error" }, message) : "",
    h("label", {}, "Bearer token", input),
    h("div", {}, h("button", { type: "submit" }, "Use token")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    route();
  });
  main.replaceChildren(form);
}

function renderWho() {
  const who = document.getElementById("who");
  const token = sessionStorage.getItem(TOKEN_KEY);
  who.replaceChildren(
    token
      ? h(
          "span",
          {},
          "token set",
          h(
            "button",
            {
              class: "secondary",
              onclick: () => {
                sessionStorage.removeItem(TOKEN_KEY);
                route();
              },
            },
            "Sign out",
          ),
        )
      : "",
  );
}

// ---- router --------------------------------------------------------------------------------------

const PAGES = {
  "/": overviewPage,
  "/topics": topicsPage,
  "/topic": topicPage,
  "/schemas": schemasPage,
  "/schema": schemaPage,
  "/dead-letters": deadLettersPage,
};

async function route() {
  for (const timer of timers) clearInterval(timer);
  timers = [];
  const [path, search] = (location.hash.slice(1) || "/").split("?");
  const page = PAGES[path] ?? overviewPage;
  for (const link of document.querySelectorAll("nav a")) {
    link.classList.toggle("current", link.getAttribute("href") === `#${path}`);
  }
  renderWho();
  say("");
  try {
    await page(new URLSearchParams(search ?? ""));
    document.body.dataset.page = path;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      for (const timer of timers) clearInterval(timer);
      timers = [];
      loginPage(sessionStorage.getItem(TOKEN_KEY) ? `The token was refused: ${err.message}` : undefined);
      document.body.dataset.page = "login";
      return;
    }
    main.replaceChildren(h("h1", {}, "Error"), h("p", { class: "error", id: "page-error" }, err.message));
    document.body.dataset.page = "error";
  }
}

window.addEventListener("hashchange", route);
route();
