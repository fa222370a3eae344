/* Small SVG charts for the reports page, drawn here (no library, nothing loaded from
 * elsewhere: the console's policy allows only its own scripts and no inline style).
 *
 * Readable without colour: series differ by pattern (solid, hatched, light) or by line
 * dash and marker shape, and values are written on the chart (bar totals, the heatmap's
 * counts, each line's last value). Each chart is a <figure>: its title, the drawing
 * (hidden from screen readers), a visually hidden table with every number and a
 * <figcaption> that says what the chart shows in a sentence or two. */
import { el } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
export const WIDTH = 560;
const INK = "#1d1d1f";
const MUTED = "#4a4a4a";
const GRID = "#e4e0d8";
const GREEN = "#2f6f4f";
const RED = "#8a1c14";
const LIGHT = "#d6d1c8";
// The heatmap's steps, light to dark (text turns white from the fourth on).
const HEAT = ["#f6f4f0", "#d8e8de", "#a9cbb5", "#6fa487", "#3f7d5c", "#1f4e37"];

let ids = 0;

/** An SVG element: ``svg("rect", { x: 1 }, child…)``. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value != null && value !== false) node.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function text(x, y, words, attrs = {}) {
  return svg("text", { x, y, fill: INK, "font-size": 12, ...attrs }, String(words));
}

/** The fills of a series: ``solid`` (dark), ``hatch`` (diagonal lines), ``light``. */
function patternDefs(prefix) {
  return svg(
    "defs",
    {},
    svg(
      "pattern",
      { id: prefix + "-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
      svg("rect", { width: 6, height: 6, fill: "#fff" }),
      svg("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: RED, "stroke-width": 3 }),
    ),
  );
}

function fillOf(kind, prefix) {
  if (kind === "hatch") return { fill: `url(#${prefix}-hatch)`, stroke: RED, "stroke-width": 1 };
  if (kind === "light") return { fill: LIGHT, stroke: MUTED, "stroke-width": 0.5 };
  return { fill: GREEN };
}

/** A legend entry's sample: a square of the series' fill, or a bit of its line. */
function swatch(series) {
  const prefix = "swatch-" + ++ids;
  if (series.line) {
    return svg(
      "svg",
      { width: 28, height: 12, viewBox: "0 0 28 12", "aria-hidden": "true", class: "swatch" },
      svg("line", { x1: 0, y1: 6, x2: 28, y2: 6, stroke: series.color || GREEN, "stroke-width": 2, "stroke-dasharray": series.dash || null }),
      marker(series, 14, 6),
    );
  }
  return svg(
    "svg",
    { width: 14, height: 14, viewBox: "0 0 14 14", "aria-hidden": "true", class: "swatch" },
    patternDefs(prefix),
    svg("rect", { x: 0.5, y: 0.5, width: 13, height: 13, ...fillOf(series.fill, prefix) }),
  );
}

export function legend(series) {
  return el(
    "ul",
    { class: "legend" },
    series.map((s) => el("li", {}, swatch(s), " " + s.label)),
  );
}

/** Round steps for an axis up to ``max``: [0, step, 2 step, …] reaching at least max. */
export function ticks(max, wanted = 4) {
  if (!(max > 0)) return [0, 1];
  const raw = max / wanted;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  const whole = Math.max(1, Math.ceil(step));
  const top = Math.ceil(max / whole) * whole;
  const out = [];
  for (let v = 0; v <= top + 1e-9; v += whole) out.push(v);
  return out;
}

/** The frame of a chart: y grid lines and their labels, x labels, in a viewBox. */
function frame({ height, margin, yTicks, yLabel, xLabels }) {
  const inner = height - margin.top - margin.bottom;
  const top = yTicks[yTicks.length - 1] || 1;
  const y = (v) => margin.top + inner - (v / top) * inner;
  const grid = yTicks.map((v) => [
    svg("line", { x1: margin.left, x2: WIDTH - margin.right, y1: y(v), y2: y(v), stroke: v ? GRID : MUTED }),
    text(margin.left - 6, y(v) + 4, yLabel(v), { "text-anchor": "end", fill: MUTED, "font-size": 11 }),
  ]);
  const labels = xLabels.map(([x, words]) =>
    text(x, height - margin.bottom + 16, words, { "text-anchor": "middle", fill: MUTED, "font-size": 11 }),
  );
  return { y, grid, labels };
}

/** Which of ``n`` x positions get a label: about ``most`` evenly spaced, and the last
 * one when it is not too close to the one before. */
function labelled(n, most = 8) {
  const every = Math.max(1, Math.ceil(n / most));
  return (i) => i % every === 0 || (i === n - 1 && (n - 1) % every >= every / 2);
}

function chartSvg(height, children) {
  return svg(
    "svg",
    { viewBox: `0 0 ${WIDTH} ${height}`, role: "presentation", "aria-hidden": "true", focusable: "false" },
    children,
  );
}

/**
 * Stacked columns, one per x (a day): ``series`` [{ label, fill, values }] from the
 * bottom up; the total is written above each column (above the highest only when there
 * are too many to read).
 */
export function stackedColumns({ xLabels, series, format }) {
  const height = 240;
  const margin = { top: 22, right: 12, bottom: 30, left: 44 };
  const n = xLabels.length;
  const totals = xLabels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] || 0), 0));
  const peak = Math.max(0, ...totals);
  const yTicks = ticks(peak);
  const step = (WIDTH - margin.left - margin.right) / Math.max(n, 1);
  const x = (i) => margin.left + i * step + step / 2;
  const show = labelled(n);
  const { y, grid, labels } = frame({
    height,
    margin,
    yTicks,
    yLabel: format,
    xLabels: xLabels.map((words, i) => [x(i), words]).filter((_, i) => show(i)),
  });
  const prefix = "chart-" + ++ids;
  const width = Math.max(2, step * 0.72);
  const bars = [];
  xLabels.forEach((_, i) => {
    let base = 0;
    series.forEach((s) => {
      const value = s.values[i] || 0;
      if (value > 0) {
        bars.push(svg("rect", { x: x(i) - width / 2, y: y(base + value), width, height: y(base) - y(base + value), ...fillOf(s.fill, prefix) }));
      }
      base += value;
    });
    const written = n <= 31 || (totals[i] === peak && peak > 0 && totals.indexOf(peak) === i);
    if (written && totals[i] > 0) {
      bars.push(text(x(i), y(totals[i]) - 4, format(totals[i]), { "text-anchor": "middle", "font-size": n > 15 ? 9 : 11 }));
    }
  });
  return chartSvg(height, [patternDefs(prefix), grid, bars, labels]);
}

function marker(series, cx, cy) {
  const color = series.color || GREEN;
  if (series.marker === "square") return svg("rect", { x: cx - 3.5, y: cy - 3.5, width: 7, height: 7, fill: "#fff", stroke: color, "stroke-width": 2 });
  return svg("circle", { cx, cy, r: 3.5, fill: color });
}

/**
 * Lines over x (days), values in [0, 1] or null (a gap): ``series`` [{ label, values,
 * dash, marker, color }]. Each line's last value is written at its end, with its label.
 */
export function lines({ xLabels, series, format, top = 1 }) {
  const height = 240;
  const margin = { top: 16, right: 118, bottom: 30, left: 44 };
  const n = xLabels.length;
  const yTicks = top === 1 ? [0, 0.25, 0.5, 0.75, 1] : ticks(top);
  const step = (WIDTH - margin.left - margin.right) / Math.max(n - 1, 1);
  const x = (i) => margin.left + (n === 1 ? (WIDTH - margin.left - margin.right) / 2 : i * step);
  const show = labelled(n);
  const { y, grid, labels } = frame({
    height,
    margin,
    yTicks,
    yLabel: (v) => format(v, 0),
    xLabels: xLabels.map((words, i) => [x(i), words]).filter((_, i) => show(i)),
  });
  const drawn = [];
  const ends = [];
  series.forEach((s) => {
    const color = s.color || GREEN;
    let path = "";
    let pen = false;
    s.values.forEach((value, i) => {
      if (value == null) {
        pen = false;
        return;
      }
      path += (pen ? " L " : " M ") + x(i).toFixed(1) + " " + y(value).toFixed(1);
      pen = true;
    });
    if (path) drawn.push(svg("path", { d: path.trim(), fill: "none", stroke: color, "stroke-width": 2, "stroke-dasharray": s.dash || null }));
    if (n <= 45) s.values.forEach((value, i) => value != null && drawn.push(marker(s, x(i), y(value))));
    const last = s.values.map((v, i) => [v, i]).filter(([v]) => v != null).pop();
    if (last) {
      if (n > 45) drawn.push(marker(s, x(last[1]), y(last[0])));
      ends.push({ s, at: y(last[0]), value: last[0] });
    }
  });
  // End labels, pushed apart when two lines end close together.
  ends.sort((a, b) => a.at - b.at);
  ends.forEach((end, i) => {
    if (i && end.at - ends[i - 1].at < 28) end.at = ends[i - 1].at + 28;
    const left = WIDTH - margin.right + 8;
    drawn.push(text(left, end.at, format(end.value), { "font-weight": 700 }));
    drawn.push(text(left, end.at + 13, end.s.label, { "font-size": 10, fill: MUTED }));
  });
  return chartSvg(height, [grid, drawn, labels]);
}

/** Columns over a few ordered categories (a distribution), the value above each. */
export function columns({ rows, format }) {
  const height = 220;
  const margin = { top: 22, right: 12, bottom: 30, left: 44 };
  const peak = Math.max(0, ...rows.map((r) => r.value));
  const yTicks = ticks(peak);
  const step = (WIDTH - margin.left - margin.right) / Math.max(rows.length, 1);
  const x = (i) => margin.left + i * step + step / 2;
  const { y, grid, labels } = frame({ height, margin, yTicks, yLabel: format, xLabels: rows.map((r, i) => [x(i), r.label]) });
  const width = step * 0.6;
  const bars = rows.map((r, i) => [
    r.value > 0 ? svg("rect", { x: x(i) - width / 2, y: y(r.value), width, height: y(0) - y(r.value), fill: GREEN }) : null,
    text(x(i), y(r.value) - 5, format(r.value), { "text-anchor": "middle", "font-weight": 700 }),
  ]);
  return chartSvg(height, [grid, bars, labels]);
}

/** Horizontal bars as HTML rows (long labels wrap, in any language): label, bar, value. */
export function bars({ rows, format }) {
  const peak = Math.max(0, ...rows.map((r) => r.value));
  return el(
    "div",
    { class: "hbars", "aria-hidden": "true" },
    rows.map((r) =>
      el(
        "div",
        { class: "hbar" },
        el("span", { class: "hbar-label" }, r.label),
        svg(
          "svg",
          { viewBox: "0 0 100 10", preserveAspectRatio: "none", class: "hbar-bar", focusable: "false" },
          svg("rect", { x: 0, y: 0, width: peak ? Math.max(0.5, (r.value / peak) * 100) : 0, height: 10, fill: GREEN }),
        ),
        el("span", { class: "hbar-value" }, format(r.value)),
      ),
    ),
  );
}

/** The step of the heatmap's scale for a count (0 for none, else 1 to 5). */
export function heatStep(value, peak) {
  if (!value || !peak) return 0;
  return Math.min(5, Math.max(1, Math.ceil((value / peak) * 5)));
}

/** Hour-of-week grid: a row per weekday, a column per hour, the count in each cell. */
export function heatmap({ counts, rowLabels, hourLabel, format }) {
  const margin = { top: 22, left: 44 };
  const cellW = (WIDTH - margin.left - 4) / 24;
  const cellH = 24;
  const height = margin.top + 7 * cellH + 6;
  const peak = Math.max(0, ...counts.flat());
  const cells = [];
  counts.forEach((row, d) => {
    cells.push(text(margin.left - 6, margin.top + d * cellH + 16, rowLabels[d], { "text-anchor": "end", fill: MUTED, "font-size": 11 }));
    row.forEach((value, h) => {
      const step = heatStep(value, peak);
      const x = margin.left + h * cellW;
      const y = margin.top + d * cellH;
      cells.push(svg("rect", { x: x + 0.5, y: y + 0.5, width: cellW - 1, height: cellH - 1, fill: HEAT[step], stroke: GRID, "stroke-width": 0.5 }));
      if (value) {
        cells.push(text(x + cellW / 2, y + 16, format(value), { "text-anchor": "middle", "font-size": 9, fill: step >= 4 ? "#fff" : INK }));
      }
    });
  });
  for (let h = 0; h < 24; h += 3) {
    cells.push(text(margin.left + h * cellW + cellW / 2, margin.top - 8, hourLabel(h), { "text-anchor": "middle", fill: MUTED, "font-size": 10 }));
  }
  return chartSvg(height, cells);
}

/** The heatmap's scale: « moins » … « plus » with the steps' fills. */
export function heatLegend(fewer, more) {
  return el(
    "p",
    { class: "legend heat-legend", "aria-hidden": "true" },
    fewer + " ",
    HEAT.map((fill) => svg("svg", { width: 14, height: 14, viewBox: "0 0 14 14", class: "swatch" }, svg("rect", { x: 0.5, y: 0.5, width: 13, height: 13, fill, stroke: GRID }))),
    " " + more,
  );
}

/** A table (visually hidden with ``hidden``): a caption, column headers, row headers;
 * without rows, one row that says so (``empty``). */
export function dataTable({ caption, columns: heads, rows, empty, hidden = true, id = null }) {
  const body = rows.length
    ? rows.map((row) => el("tr", {}, row.map((cell, i) => el(i ? "td" : "th", i ? {} : { scope: "row" }, cell))))
    : el("tr", { class: "empty" }, el("td", { colSpan: heads.length, class: "meta" }, empty));
  const table = el(
    "table",
    { class: "data", id },
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, heads.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, body),
  );
  // A table is as wide as its cells whatever its own width: hidden, it sits in a box
  // that can be 1 px wide (else the heatmap's 25 columns widen the page).
  return hidden ? el("div", { class: "sr" }, table) : table;
}

/** A chart's figure: title, legend, drawing, hidden table, caption (and its CSV link). */
export function figure({ id, title, legend: key, drawing, table, summary, extra }) {
  return el(
    "figure",
    { class: "chart", id, "aria-labelledby": id + "-title" },
    el("h4", { id: id + "-title" }, title),
    key,
    drawing,
    table,
    el("figcaption", {}, el("span", { class: "summary" }, summary), extra),
  );
}
