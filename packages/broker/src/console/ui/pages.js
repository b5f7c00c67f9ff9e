// Overview, schemas and dead letters.
import { chart, sampler } from "./charts.js";
import { api, bytes, card, every, fmt, h, main, num, q, SAMPLE_MS, say, table, topicLink } from "./dom.js";
import { messageBrowser } from "./messages.js";

// ---- pages ---------------------------------------------------------------------------------------

export async function overviewPage() {
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

export async function schemasPage() {
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

export async function schemaPage(params) {
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

export async function deadLettersPage() {
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
