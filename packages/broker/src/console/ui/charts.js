// Inline SVG line charts of values sampled by the page.
import { fmt, h, MAX_POINTS } from "./dom.js";

export const COLORS = ["#1f5fbf", "#18794e", "#b54708", "#7a2fbf"];

/** A line chart of the last samples: `series` is [{ label, points }], drawn as inline SVG. */
export function chart(title, unit, series) {
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
export function sampler() {
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
