// The topics list and a topic's page.
import { chart, sampler } from "./charts.js";
import { api, bytes, card, every, fmt, h, main, num, q, SAMPLE_MS, say, table, topicLink } from "./dom.js";
import { messageBrowser, sendForm } from "./messages.js";

export async function topicsPage() {
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

export function policyText(p) {
  if (!p) return "–";
  const dlq = p.poison === "dead_letter" ? ` → ${p.deadLetterTopic}` : "";
  return `${p.maxRedeliveryCount} redeliveries, ${p.backoff} ${p.baseRedeliveryDelayMs}–${p.maxRedeliveryDelayMs} ms, ack timeout ${p.ackTimeoutMs} ms, then ${p.poison}${dlq}`;
}

export async function topicPage(params) {
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
