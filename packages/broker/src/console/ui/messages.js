// A reliable topic's stored messages (read by offset: nothing is consumed) and the test message form.
import { api, h, q, table } from "./dom.js";

/** Stored messages of a reliable topic, read by offset: nothing is consumed. */
export function messageBrowser(name, id) {
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

export function sendForm(name, schema) {
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
