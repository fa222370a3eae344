/* The reports page (admins and the shop's owner): how much the bot resolves, where it
 * fails, how fast people answer. A date range (last 7, 30 or 90 days, or two dates),
 * the headline figures with their change against the period before, charts with their
 * text alternatives, and the detail tables, each downloadable as CSV. Everything comes
 * from GET /console/api/reports?from&to; the definitions are in docs/reports.md. */
import { api } from "./api.js";
import * as charts from "./charts.js";
import { $, el, fill } from "./dom.js";
import * as fmt from "./format.js";
import { isKnown, label, onLanguageChange, t } from "./i18n.js";

const PRESETS = [7, 30, 90];
const DEFAULT_DAYS = 30;
const HEADLINE = [
  "conversations",
  "automation_rate",
  "resolution_confirmed_rate",
  "resolution_assumed_rate",
  "handoff_rate",
  "first_response_median_s",
  "first_response_business_median_s",
  "resolution_median_s",
  "offline_within_promise_rate",
  "csat",
  "csat_response_rate",
  "late_parcel_share",
];
// Figures where a fall is good news (the arrow's colour says so, the sign says how much).
const LOWER_IS_BETTER = new Set([
  "handoff_rate",
  "first_response_median_s",
  "first_response_business_median_s",
  "resolution_median_s",
  "late_parcel_share",
]);
const BUCKETS = ["under_5m", "5m_15m", "15m_1h", "1h_4h", "4h_24h", "over_24h"];
const MAX_DAYS = 366; // the longest period the desk reports on
const PREPARING_RETRY_MS = 15000; // the desk's first roll-up is still running: ask again

let range = { days: DEFAULT_DAYS, from: null, to: null };
let report = null; // the last answer, re-rendered on a language switch
let problem = null; // why the last load failed, when it did
let loaded = false;
let root = null;

/* ------------------------------------------------------------------ range */

function today() {
  const now = new Date();
  return fmt.isoDay(new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())));
}

function lastDays(days) {
  const to = today();
  const from = new Date(fmt.day(to).getTime() - (days - 1) * 86400000);
  return { days, from: fmt.isoDay(from), to };
}

function query() {
  return "?from=" + encodeURIComponent(range.from) + "&to=" + encodeURIComponent(range.to);
}

function csvLink(table, title) {
  return el(
    "a",
    {
      class: "csv",
      href: "/console/api/reports/" + table + ".csv" + query(),
      download: "comptoir-" + table.replace(/_/g, "-") + "-" + range.from + "-" + range.to + ".csv",
      dataset: { table },
    },
    t("downloadCsv"),
    el("span", { class: "sr" }, t("csvOf", { title })),
  );
}

function rangeForm() {
  const choice = ({ value, key }) => {
    const id = "report-range-" + value;
    return el(
      "span",
      { class: "choice" },
      el("input", { type: "radio", name: "report-range", id, value, checked: String(range.days) === value }),
      el("label", { for: id, "data-i18n": key }, t(key)),
    );
  };
  const custom = el(
    "span",
    { id: "report-dates", hidden: range.days !== null },
    el("label", { for: "report-from", "data-i18n": "rangeFrom" }, t("rangeFrom")),
    el("input", { type: "date", id: "report-from", required: true, value: range.from }),
    el("label", { for: "report-to", "data-i18n": "rangeTo" }, t("rangeTo")),
    el("input", { type: "date", id: "report-to", required: true, value: range.to }),
    el("button", { type: "submit", class: "primary", "data-i18n": "rangeShow" }, t("rangeShow")),
  );
  const form = el(
    "form",
    { id: "report-range" },
    el(
      "fieldset",
      {},
      el("legend", { "data-i18n": "rangeLegend" }, t("rangeLegend")),
      choice({ value: "7", key: "last7" }),
      choice({ value: "30", key: "last30" }),
      choice({ value: "90", key: "last90" }),
      choice({ value: "custom", key: "customRange" }),
      custom,
    ),
  );
  form.addEventListener("change", (event) => {
    if (event.target.name !== "report-range") return;
    const custom = event.target.value === "custom";
    $("report-dates").hidden = !custom;
    if (custom) {
      range = { ...range, days: null }; // the dates are chosen next, then « Afficher »
    } else {
      range = lastDays(Number(event.target.value));
      $("report-from").value = range.from;
      $("report-to").value = range.to;
      load();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const from = $("report-from").value;
    const to = $("report-to").value;
    if (!from || !to || from > to) {
      problem = "badRange";
      render();
      return;
    }
    if ((fmt.day(to) - fmt.day(from)) / 86400000 + 1 > MAX_DAYS) {
      problem = "rangeTooLong";
      render();
      return;
    }
    range = { days: null, from, to };
    load();
  });
  return form;
}

/* ------------------------------------------------------------------ headline */

function kindOf(name) {
  if (name === "conversations") return "count";
  return name.endsWith("_s") ? "duration" : "rate";
}

function valueText(name, value) {
  if (value == null) return t("none");
  const kind = kindOf(name);
  if (kind === "count") return fmt.count(value);
  if (kind === "duration") return fmt.duration(value);
  return fmt.percent(value);
}

function changeText(name, delta) {
  const kind = kindOf(name);
  if (kind === "count") return fmt.signedCount(delta);
  if (kind === "duration") return fmt.signedDuration(delta);
  return fmt.points(delta);
}

/** The change against the period before: ▲/▼, the signed difference, in words for
 * screen readers; ``better``/``worse`` only colour it (the sign already says it). */
function change(name, figure) {
  if (figure.value == null || figure.previous == null) {
    return el("p", { class: "change flat" }, t("noComparison"));
  }
  const delta = figure.value - figure.previous;
  const flat = kindOf(name) === "rate" ? Math.abs(delta) < 0.0005 : Math.round(delta) === 0;
  if (flat) return el("p", { class: "change flat" }, t("unchanged"));
  const up = delta > 0;
  const good = up !== LOWER_IS_BETTER.has(name);
  return el(
    "p",
    { class: "change " + (good ? "better" : "worse") },
    el("span", { "aria-hidden": "true" }, up ? "▲ " : "▼ "),
    changeText(name, delta),
    el("span", { class: "sr" }, " " + t("sincePrevious")),
  );
}

function basis(name, figure) {
  if (!figure.denominator) return null;
  const kind = kindOf(name);
  if (kind === "rate") return t("outOf", { n: fmt.count(figure.numerator), d: fmt.count(figure.denominator) });
  if (kind === "duration") return t("measuredOn", { n: fmt.count(figure.denominator) });
  return null;
}

function card(name, figure) {
  const previous = figure.previous == null ? null : t("previousValue", { value: valueText(name, figure.previous) });
  return el(
    "li",
    { class: "figure", dataset: { metric: name } },
    el("h4", {}, label("metric", name)),
    figure.value == null
      ? el("p", { class: "value" }, el("span", { "aria-hidden": "true" }, t("none")), el("span", { class: "sr" }, t("noData")))
      : el("p", { class: "value" }, valueText(name, figure.value)),
    change(name, figure),
    el("p", { class: "meta" }, [basis(name, figure), previous].filter(Boolean).join(" · ")),
    el("p", { class: "meta hint" }, label("metric_hint", name)),
  );
}

function headline(data) {
  const figures = data.headline || {};
  const names = [...HEADLINE.filter((n) => figures[n]), ...Object.keys(figures).filter((n) => !HEADLINE.includes(n))];
  return el(
    "section",
    { class: "panel", "aria-labelledby": "report-headline-title" },
    el("h3", { id: "report-headline-title" }, t("headlineTitle")),
    el("ul", { id: "report-figures" }, names.map((name) => card(name, figures[name]))),
  );
}

/* ------------------------------------------------------------------ charts */

/** Every day of the period, with the row of ``rows`` for that day (or null). */
function everyDay(period, rows) {
  const byDate = new Map((rows || []).map((row) => [row.date, row]));
  const out = [];
  const last = fmt.day(period.to);
  for (let day = fmt.day(period.from); day && day <= last; day = new Date(day.getTime() + 86400000)) {
    const date = fmt.isoDay(day);
    out.push({ date, row: byDate.get(date) || null });
  }
  return out;
}

function ratio(part, whole) {
  return whole ? part / whole : null;
}

function dailyChart(data, days) {
  const conversations = days.map((d) => (d.row ? d.row.conversations : 0));
  const automated = days.map((d) => (d.row ? d.row.automated : 0));
  const handoffs = days.map((d) => (d.row ? d.row.handoffs : 0));
  const others = conversations.map((c, i) => Math.max(0, c - automated[i] - handoffs[i]));
  const series = [
    { label: t("seriesAutomated"), fill: "solid", values: automated },
    { label: t("seriesHandoffs"), fill: "hatch", values: handoffs },
    { label: t("seriesOther"), fill: "light", values: others },
  ];
  const sum = (values) => values.reduce((a, b) => a + b, 0);
  const peak = Math.max(0, ...conversations);
  const summary =
    sum(conversations) === 0
      ? t("nothingInPeriod")
      : t("dailySummary", {
          total: fmt.count(sum(conversations)),
          automated: fmt.count(sum(automated)),
          handoffs: fmt.count(sum(handoffs)),
          peak: fmt.count(peak),
          day: fmt.dayText(days[conversations.indexOf(peak)].date, true),
        });
  return charts.figure({
    id: "chart-daily",
    title: t("chartDaily"),
    legend: charts.legend(series),
    drawing: charts.stackedColumns({ xLabels: days.map((d) => fmt.dayText(d.date)), series, format: fmt.count }),
    table: charts.dataTable({
      empty: t("nothingInPeriod"),
      caption: t("chartDaily"),
      columns: [t("dateColumn"), t("seriesConversations"), t("seriesAutomated"), t("seriesHandoffs")],
      rows: days.map((d, i) => [fmt.dayText(d.date, true), fmt.count(conversations[i]), fmt.count(automated[i]), fmt.count(handoffs[i])]),
    }),
    summary,
    extra: csvLink("daily", t("chartDaily")),
  });
}

function span(values) {
  const known = values.filter((v) => v != null);
  return known.length ? { min: Math.min(...known), max: Math.max(...known) } : null;
}

function ratesChart(data, days) {
  const automation = days.map((d) => (d.row ? ratio(d.row.automated, d.row.conversations) : null));
  const handoff = days.map((d) => (d.row ? ratio(d.row.handoffs, d.row.conversations) : null));
  const series = [
    { label: t("seriesAutomationRate"), values: automation, line: true, marker: "circle", color: "#2f6f4f" },
    { label: t("seriesHandoffRate"), values: handoff, line: true, marker: "square", dash: "6 4", color: "#8a1c14" },
  ];
  const a = span(automation);
  const h = span(handoff);
  const summary = a
    ? t("ratesSummary", {
        automationMin: fmt.percent(a.min),
        automationMax: fmt.percent(a.max),
        handoffMin: fmt.percent(h.min),
        handoffMax: fmt.percent(h.max),
      })
    : t("nothingInPeriod");
  const shown = (v) => (v == null ? t("none") : fmt.percent(v));
  return charts.figure({
    id: "chart-rates",
    title: t("chartRates"),
    legend: charts.legend(series),
    drawing: charts.lines({ xLabels: days.map((d) => fmt.dayText(d.date)), series, format: fmt.percent }),
    table: charts.dataTable({
      empty: t("nothingInPeriod"),
      caption: t("chartRates"),
      columns: [t("dateColumn"), t("seriesAutomationRate"), t("seriesHandoffRate")],
      rows: days.map((d, i) => [fmt.dayText(d.date, true), shown(automation[i]), shown(handoff[i])]),
    }),
    summary,
  });
}

function reasonsChart(data) {
  const rows = [...(data.handoffs_by_reason || [])].sort((a, b) => b.count - a.count);
  const words = (row) => label("reason", row.reason);
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  const summary = total
    ? t("reasonsSummary", {
        total: fmt.count(total),
        list: rows.map((row) => t("namedCount", { name: words(row), n: fmt.count(row.count) })).join(t("listSeparator")),
      })
    : t("noHandoffs");
  return charts.figure({
    id: "chart-reasons",
    title: t("chartReasons"),
    drawing: charts.bars({ rows: rows.map((row) => ({ label: words(row), value: row.count })), format: fmt.count }),
    table: charts.dataTable({
      empty: t("nothingInPeriod"),
      caption: t("chartReasons"),
      columns: [t("reasonTerm"), t("countColumn")],
      rows: rows.map((row) => [words(row), fmt.count(row.count)]),
    }),
    summary,
    extra: csvLink("handoffs_by_reason", t("chartReasons")),
  });
}

function responseChart(data) {
  const counts = new Map((data.first_response_distribution || []).map((row) => [row.bucket, row.count]));
  const extra = [...counts.keys()].filter((bucket) => !BUCKETS.includes(bucket));
  const rows = [...BUCKETS, ...extra].map((bucket) => ({ label: label("frt_bucket", bucket), value: counts.get(bucket) || 0 }));
  const total = rows.reduce((sum, row) => sum + row.value, 0);
  const summary = total
    ? t("responseSummary", {
        total: fmt.count(total),
        list: rows.map((row) => t("namedCount", { name: row.label, n: fmt.count(row.value) })).join(t("listSeparator")),
      })
    : t("noResponses");
  return charts.figure({
    id: "chart-response",
    title: t("chartResponse"),
    drawing: charts.columns({ rows, format: fmt.count }),
    table: charts.dataTable({
      empty: t("nothingInPeriod"),
      caption: t("chartResponse"),
      columns: [t("delayColumn"), t("ticketsColumn")],
      rows: rows.map((row) => [row.label, fmt.count(row.value)]),
    }),
    summary,
    extra: csvLink("first_response_distribution", t("chartResponse")),
  });
}

function csatChart(data) {
  const days = everyDay(data.period, data.csat_daily);
  const csat = days.map((d) => (d.row ? ratio(d.row.satisfied, d.row.scores) : null));
  const scores = days.reduce((sum, d) => sum + (d.row ? d.row.scores : 0), 0);
  const satisfied = days.reduce((sum, d) => sum + (d.row ? d.row.satisfied : 0), 0);
  const series = [{ label: t("seriesCsat"), values: csat, line: true, marker: "circle", color: "#2f6f4f" }];
  const summary = scores
    ? t("csatSummary", { scores: fmt.count(scores), satisfied: fmt.count(satisfied), rate: fmt.percent(satisfied / scores) })
    : t("noScores");
  return charts.figure({
    id: "chart-csat",
    title: t("chartCsat"),
    drawing: charts.lines({ xLabels: days.map((d) => fmt.dayText(d.date)), series, format: fmt.percent }),
    table: charts.dataTable({
      empty: t("nothingInPeriod"),
      caption: t("chartCsat"),
      columns: [t("dateColumn"), t("scoresColumn"), t("satisfiedColumn"), t("seriesCsat")],
      rows: days
        .filter((d) => d.row && d.row.scores)
        .map((d) => [fmt.dayText(d.date, true), fmt.count(d.row.scores), fmt.count(d.row.satisfied), fmt.percent(d.row.satisfied / d.row.scores)]),
    }),
    summary,
    extra: csvLink("csat_daily", t("chartCsat")),
  });
}

function heatmapChart(data) {
  const counts = Array.from({ length: 7 }, () => Array(24).fill(0));
  for (const cell of data.heatmap || []) {
    if (cell.weekday >= 0 && cell.weekday < 7 && cell.hour >= 0 && cell.hour < 24) counts[cell.weekday][cell.hour] = cell.conversations;
  }
  let busiest = null;
  counts.forEach((row, d) =>
    row.forEach((n, h) => {
      if (n && (!busiest || n > busiest.n)) busiest = { d, h, n };
    }),
  );
  const summary = busiest
    ? t("heatmapSummary", { weekday: fmt.weekdayText(busiest.d), hour: fmt.hourText(busiest.h), n: fmt.count(busiest.n) })
    : t("nothingInPeriod");
  const hours = Array.from({ length: 24 }, (_, h) => fmt.hourText(h));
  return charts.figure({
    id: "chart-heatmap",
    title: t("chartHeatmap"),
    legend: charts.heatLegend(t("fewer"), t("more")),
    drawing: charts.heatmap({
      counts,
      rowLabels: counts.map((_, d) => fmt.weekdayText(d, true)),
      hourLabel: fmt.hourText,
      format: fmt.count,
    }),
    table: charts.dataTable({
      empty: t("nothingInPeriod"),
      caption: t("chartHeatmap"),
      columns: [t("weekdayColumn"), ...hours],
      rows: counts.map((row, d) => [fmt.weekdayText(d), ...row.map(fmt.count)]),
    }),
    summary,
    extra: csvLink("heatmap", t("chartHeatmap")),
  });
}

function chartsBlock(data) {
  const days = everyDay(data.period, data.daily);
  return el(
    "section",
    { class: "panel", "aria-labelledby": "report-charts-title" },
    el("h3", { id: "report-charts-title" }, t("chartsTitle")),
    el(
      "div",
      { class: "charts" },
      dailyChart(data, days),
      ratesChart(data, days),
      reasonsChart(data),
      responseChart(data),
      csatChart(data),
      heatmapChart(data),
    ),
  );
}

/* ------------------------------------------------------------------ tables */

function detailTable({ table, title, columns, rows }) {
  const id = "report-" + table.replace(/_/g, "-");
  return el(
    "div",
    { class: "detail", id: id + "-block" },
    el("h4", { id: id + "-title" }, title),
    charts.dataTable({ empty: t("nothingInPeriod"), caption: title, columns, rows, hidden: false, id }),
    csvLink(table, title),
  );
}

function quoted(text) {
  return t("quoted", { text });
}

function code(kind, value) {
  return el("span", { title: isKnown(kind, value) ? null : String(value ?? "") }, label(kind, value));
}

function knowledgeBlock(data) {
  const clusters = data.unanswered_clusters || [];
  const disliked = data.disliked_articles || [];
  return el(
    "section",
    { class: "panel", "aria-labelledby": "report-knowledge-title" },
    el("h3", { id: "report-knowledge-title" }, t("knowledgeTitle")),
    detailTable({
      table: "unanswered_clusters",
      title: t("clustersTitle"),
      columns: [t("times"), t("examplesColumn"), t("closestArticle")],
      rows: clusters.map((c) => [
        fmt.count(c.count),
        el("ul", { class: "examples" }, (c.examples || []).map((example) => el("li", {}, quoted(example)))),
        c.closest_article ? c.closest_article.title : t("none"),
      ]),
    }),
    detailTable({
      table: "disliked_articles",
      title: t("dislikedTitle"),
      columns: [t("article"), t("helpful"), t("notHelpful")],
      rows: disliked.map((a) => [a.title || a.id, fmt.count(a.up), fmt.count(a.down)]),
    }),
  );
}

function rateText(rate) {
  return rate == null ? t("none") : fmt.percent(rate);
}

function returnsBlock(data) {
  const orders = data.orders || {};
  const facts = [
    { key: "refundsOverdue", value: data.refunds_overdue },
    { key: "orderStatusChats", value: orders.order_status_conversations },
    { key: "lateParcels", value: orders.late },
    { key: "partialParcels", value: orders.partial },
    { key: "lostParcels", value: orders.lost },
  ].filter((fact) => fact.value != null);
  return el(
    "section",
    { class: "panel", "aria-labelledby": "report-returns-title" },
    el("h3", { id: "report-returns-title" }, t("returnsTitle")),
    el("dl", { class: "facts" }, facts.flatMap((fact) => [el("dt", {}, t(fact.key)), el("dd", {}, fmt.count(fact.value))])),
    detailTable({
      table: "returns_by_reason",
      title: t("returnsByReasonTitle"),
      columns: [t("reasonTerm"), t("kindColumn"), t("countColumn")],
      rows: (data.returns_by_reason || []).map((r) => [code("return_reason", r.reason), code("return_kind", r.kind), fmt.count(r.count)]),
    }),
    detailTable({
      table: "returns_by_product",
      title: t("returnsByProductTitle"),
      columns: [t("productColumn"), t("skuColumn"), t("categoryColumn"), t("returnsColumn"), t("orderedColumn"), t("returnRateColumn")],
      rows: (data.returns_by_product || []).map((p) => [
        p.name || p.sku,
        p.sku,
        p.category || t("none"),
        fmt.count(p.returns),
        p.ordered == null ? t("none") : fmt.count(p.ordered),
        rateText(p.rate),
      ]),
    }),
  );
}

/* ------------------------------------------------------------------ page */

function periodLine(period) {
  const main = t("periodShown", { from: fmt.dayText(period.from, true), to: fmt.dayText(period.to, true) });
  if (!period.previous_from) return main;
  return main + " " + t("periodCompared", { from: fmt.dayText(period.previous_from, true), to: fmt.dayText(period.previous_to, true) });
}

function render() {
  if (!root) return;
  const status = $("report-status");
  if (problem) {
    status.textContent = t(problem);
    status.className = "error";
  } else if (!report) {
    status.textContent = t("loadingReports");
    status.className = "meta";
  } else {
    status.textContent = periodLine(report.period);
    status.className = "meta";
  }
  const body = $("report-body");
  if (!report) {
    fill(body);
    return;
  }
  fill(body, headline(report), chartsBlock(report), knowledgeBlock(report), returnsBlock(report));
}

function load() {
  const asked = query();
  problem = null;
  $("report-body").setAttribute("aria-busy", "true");
  $("report-status").textContent = t("loadingReports");
  return api("GET", "/reports" + asked).then((data) => {
    if (asked !== query()) return; // a newer range was asked meanwhile
    $("report-body").removeAttribute("aria-busy");
    report = data.status === 200 ? data : null;
    if (data.status === 400) problem = "badPeriod";
    else if (data.status === 503 && data.error === "report_preparing") {
      problem = "reportsPreparing";
      setTimeout(() => asked === query() && load(), PREPARING_RETRY_MS);
    } else if (data.status !== 200) problem = "reportsFailed";
    render();
  });
}

/** Mount the page (hidden until shown: an admin opens it from the navigation). */
export function start() {
  root = $("reports");
  range = lastDays(DEFAULT_DAYS);
  fill(
    $("reports-controls"),
    rangeForm(),
    el("p", { id: "report-status", class: "meta", role: "status" }),
  );
  onLanguageChange(render);
}

/** The page is on screen: load the report the first time. */
export function show() {
  if (loaded) return;
  loaded = true;
  load();
}
