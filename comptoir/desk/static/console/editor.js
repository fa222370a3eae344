/* The editors' page (editors and admins): what the bot would answer to a question and
 * why (the thresholds of this knowledge base, the articles it cannot tell apart), the
 * questions it could not answer (one click to test them again) and shoppers' votes. */
import { api } from "./api.js";
import { $, el, fill } from "./dom.js";
import { label, language, onLanguageChange, t } from "./i18n.js";

const REFRESH_MS = 30000;
const PREVIEW_ERRORS = { empty_question: "emptyQuestion", question_too_long: "questionTooLong" };

let preview = null; // the last preview answer, re-rendered on a language switch
let misses = [];
let votes = [];

const LOCALES = { fr: "fr-FR", en: "en-GB" };

/** A score in the editor's language: « 0,942 », "0.942". */
function number(value, places = 3) {
  const options = { minimumFractionDigits: places, maximumFractionDigits: places };
  return new Intl.NumberFormat(LOCALES[language()] || "fr-FR", options).format(value);
}

/** The places that tell apart the numbers a sentence compares (3, more only when a
 * score just under a threshold would otherwise print as equal to it). */
function placesFor(why) {
  const th = why.thresholds;
  const compared = [
    [why.best, th.answer],
    [why.best, th.clarify],
    [why.lead, th.margin],
  ].filter(([a, b]) => a != null && a !== b);
  for (let places = 3; places < 6; places++) {
    if (compared.every(([a, b]) => a.toFixed(places) !== b.toFixed(places))) return places;
  }
  return 6;
}

/** Each condition of the decision rule (comptoir/kb/explain.py), as a sentence. */
const REASONS = {
  answer_clear_lead: (n) => t("whyAnswerClearLead", n),
  answer_only_candidate: (n) => t("whyAnswerOnlyCandidate", n),
  answer_no_rival_in_window: (n) => t("whyAnswerNoRival", n),
  close_candidates: (n) => t("whyCloseCandidates", n),
  below_answer_candidates: (n) => t("whyBelowAnswerCandidates", n),
  single_plausible_below_answer: (n) => t("whySinglePlausible", n),
  below_clarify: (n) => t("whyBelowClarify", n),
  no_candidates: (n) => t("whyNoCandidates", n),
};

/** Why the bot would answer, ask or give up: one sentence with the numbers compared. */
function reasonLine(data) {
  const why = data.explanation;
  if (!why || !Object.hasOwn(REASONS, why.reason)) return el("p", { id: "preview-reason" }, t("whyUnknown"));
  const places = placesFor(why);
  const th = why.thresholds;
  const shown = (value) => (value == null ? "" : number(value, places));
  const numbers = {
    best: shown(why.best),
    lead: shown(why.lead),
    answer: shown(th.answer),
    clarify: shown(th.clarify),
    margin: shown(th.margin),
    window: shown(th.clarify_window),
    n: String(why.offered),
  };
  const sentence = REASONS[why.reason](numbers) + (data.fallback_language ? " " + t("whyOtherLanguage") : "");
  return el("p", { id: "preview-reason" }, sentence);
}

/** « Seuils de cette base »: the thresholds in use and where they come from. */
function thresholdsBlock(calibration) {
  const origin = calibration.automatic
    ? t("thresholdsAutomatic", { n: calibration.pseudo_questions })
    : calibration.setting === "fixed"
      ? t("thresholdsFixed")
      : t("thresholdsTooFew");
  const rows = [
    ["thresholdAnswer", calibration.answer],
    ["thresholdClarify", calibration.clarify],
    ["thresholdMargin", calibration.margin],
    ["thresholdWindow", calibration.clarify_window],
  ];
  return el(
    "section",
    { id: "preview-thresholds", "aria-labelledby": "preview-thresholds-title" },
    el("h3", { id: "preview-thresholds-title" }, t("thresholdsTitle")),
    el("p", {}, origin),
    el("dl", {}, rows.flatMap(([key, value]) => [el("dt", {}, t(key)), el("dd", {}, number(value))])),
  );
}

/** Each pair once (asking A's title may find B, and B's A), with its smallest gap. */
function distinctPairs(pairs) {
  const seen = new Map();
  for (const pair of pairs) {
    const key = [pair.first, pair.second].sort().join("\n");
    if (!seen.has(key) || pair.gap < seen.get(key).gap) seen.set(key, pair);
  }
  return Array.from(seen.values()).sort((a, b) => a.gap - b.gap);
}

/** « Articles trop proches pour être distingués »: what to merge or retitle. */
function closePairsBlock(calibration) {
  const pairs = distinctPairs(calibration.close_pairs || []);
  const body = pairs.length
    ? [
        el(
          "ul",
          {},
          pairs.map((pair) => {
            const titles = { first: pair.first_title, second: pair.second_title, gap: number(pair.gap) };
            return el("li", {}, pair.gap < 0 ? t("closePairReversed", titles) : t("closePair", titles));
          }),
        ),
        el("p", {}, t("closePairsHelp")),
      ]
    : el("p", {}, t("closePairsNone"));
  return el(
    "section",
    { id: "preview-close-pairs", "aria-labelledby": "preview-close-pairs-title" },
    el("h3", { id: "preview-close-pairs-title" }, t("closePairsTitle")),
    body,
  );
}

function showPreview() {
  const out = $("preview-result");
  if (!preview) return;
  if (preview.searching) {
    fill(out, t("searching"));
    return;
  }
  const data = preview;
  if (data.status !== 200) {
    fill(out, t(PREVIEW_ERRORS[data.error] || "previewFailed"));
    return;
  }
  const decision = el(
    "p",
    { class: "decision" },
    label("decision", data.decision) + (data.fallback_language ? t("otherLanguageArticle") : "") + ".",
  );
  const answer = data.answer
    ? el("div", { id: "preview-answer" }, data.answer.text + "\n\n" + t("source", { title: data.answer.title, file: data.answer.file }))
    : null;
  const head = el(
    "thead",
    {},
    el("tr", {}, ["article", "score", "meaning", "words"].map((key) => el("th", { scope: "col" }, t(key)))),
  );
  const rows = data.candidates.map((c) =>
    el(
      "tr",
      {},
      el("td", {}, c.title + " (" + c.id + ")"),
      el("td", {}, number(c.score)),
      el("td", {}, number(c.dense)),
      el("td", {}, number(c.lexical)),
    ),
  );
  fill(
    out,
    decision,
    reasonLine(data),
    answer,
    el("table", {}, head, el("tbody", {}, rows)),
    data.calibration ? [thresholdsBlock(data.calibration), closePairsBlock(data.calibration)] : null,
    el("p", { class: "meta" }, t("articlesInService", { n: data.articles })),
    data.problems.map((problem) => el("p", { role: "alert" }, t("ignoredArticle", { problem }))),
  );
}

function runPreview() {
  const question = $("preview-question").value.trim();
  if (!question) return;
  preview = { searching: true };
  showPreview();
  const query = "?q=" + encodeURIComponent(question) + "&lang=" + $("preview-lang").value;
  api("GET", "/editor/preview" + query).then((data) => {
    preview = data;
    showPreview();
  });
}

function testButton(miss) {
  return el(
    "button",
    {
      type: "button",
      "aria-label": t("testQuestion", { question: miss.question }),
      onclick: () => {
        $("preview-question").value = miss.question;
        $("preview-lang").value = miss.language;
        runPreview();
      },
    },
    t("test"),
  );
}

/* Rows of plain-text cells (never HTML: questions are what shoppers typed). */
function renderLists() {
  fill(
    $("misses"),
    misses.map((miss) =>
      el(
        "tr",
        {},
        el("td", {}, String(miss.question)),
        el("td", {}, label("language", miss.language)),
        el("td", {}, String(miss.count)),
        el("td", {}, testButton(miss)),
      ),
    ),
  );
  fill(
    $("votes"),
    votes.map((article) =>
      el("tr", {}, el("td", {}, String(article.id)), el("td", {}, String(article.up)), el("td", {}, String(article.down))),
    ),
  );
}

function loadLists() {
  api("GET", "/editor/misses").then((data) => {
    misses = data.misses || [];
    renderLists();
  });
  api("GET", "/editor/feedback").then((data) => {
    votes = data.articles || [];
    renderLists();
  });
}

export function start() {
  $("editor").hidden = false;
  $("preview-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runPreview();
  });
  onLanguageChange(() => {
    showPreview();
    renderLists();
  });
  loadLists();
  setInterval(loadLists, REFRESH_MS);
}
