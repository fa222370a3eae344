/* The editors' page (editors and admins): what the bot would answer to a question, the
 * questions it could not answer (one click to test them again) and shoppers' votes. */
import { api } from "./api.js";
import { $, el, fill } from "./dom.js";
import { label, onLanguageChange, t } from "./i18n.js";

const REFRESH_MS = 30000;
const PREVIEW_ERRORS = { empty_question: "emptyQuestion", question_too_long: "questionTooLong" };

let preview = null; // the last preview answer, re-rendered on a language switch
let misses = [];
let votes = [];

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
      el("td", {}, c.score.toFixed(3)),
      el("td", {}, c.dense.toFixed(3)),
      el("td", {}, c.lexical.toFixed(3)),
    ),
  );
  fill(
    out,
    decision,
    answer,
    el("table", {}, head, el("tbody", {}, rows)),
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
