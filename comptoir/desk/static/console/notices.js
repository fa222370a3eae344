/* The shop notices page (editors and admins): a notice in French and English, for a
 * period in the shop's own time and on some topics (« Livraison », « Retours »…), shown
 * at the top of every visitor's chat and repeated once by the bot after an answer on
 * its topic. Editors change or withdraw it here. The desk checks each notice and says
 * what to fix; notices are plain text, always inserted as text, never as HTML. */
import { api } from "./api.js";
import { $, el, fill } from "./dom.js";
import { label, language, onLanguageChange, t } from "./i18n.js";

const REFRESH_MS = 60000;
// The desk's refusal codes (comptoir/desk/shop_notices.py) and the sentence for each.
const ERRORS = {
  empty_text: "noticeEmptyText",
  invalid_text: "noticeEmptyText",
  text_too_long: "noticeTooLong",
  invalid_start: "noticeBadStart",
  invalid_end: "noticeBadEnd",
  end_before_start: "noticeEndBeforeStart",
  already_ended: "noticeAlreadyEnded",
  no_topic: "noticeNoTopic",
  unknown_topic: "noticeNoTopic",
  unknown_notice: "noticeGone",
};
// The form's input for each field the desk may name in a refusal.
const INPUTS = { text_fr: "notice-text-fr", text_en: "notice-text-en", start: "notice-start", end: "notice-end", topics: "notice-topics" };

let session = null;
let notices = [];
let topics = [];
let zone = "";
let editing = null; // the id of the notice in the form; null for a new one
let said = null; // the last sentence shown under the form: { key, alert }

function locale() {
  return language() === "en" ? "en-GB" : "fr-FR";
}

/** "2025-01-14T08:00" (the shop's time, as the desk sends it) in the editor's words. */
function shopTime(value) {
  const found = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value || "");
  if (!found) return value || "";
  const [year, month, day, hour, minute] = found.slice(1).map(Number);
  const options = { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  return new Date(year, month - 1, day, hour, minute).toLocaleString(locale(), options);
}

function short(text) {
  return text.length > 60 ? text.slice(0, 59) + "…" : text;
}

/* ------------------------------------------------------------------ the form */

function say(key, alert) {
  said = key ? { key, alert } : null;
  $("notice-error").textContent = said && alert ? t(key) : "";
  $("notice-status").textContent = said && !alert ? t(key) : "";
}

function markInvalid(field) {
  Object.values(INPUTS).forEach((id) => $(id).removeAttribute("aria-invalid"));
  const input = field && INPUTS[field] ? $(INPUTS[field]) : null;
  if (!input) return;
  if (input.tagName === "FIELDSET") {
    input.querySelector("input").focus(); // the topics: a group has no invalid state
    return;
  }
  input.setAttribute("aria-invalid", "true");
  input.focus();
}

function renderTopics() {
  const checked = new Set(chosenTopics());
  fill(
    $("notice-topics"),
    el("legend", {}, t("noticeTopics")),
    topics.map((topic) =>
      el(
        "label",
        { class: "choice" },
        el("input", { type: "checkbox", name: "topic", value: topic, checked: checked.has(topic) }),
        label("notice_topic", topic),
      ),
    ),
  );
}

function chosenTopics() {
  return Array.from($("notice-topics").querySelectorAll("input:checked")).map((box) => box.value);
}

function renderForm() {
  $("notice-form-title").textContent = t(editing ? "noticeEditing" : "noticeNew");
  $("notice-save").textContent = t(editing ? "noticeUpdate" : "noticeSave");
  $("notice-cancel").hidden = !editing;
  $("notice-time-hint").textContent = t("noticeTimeHint", { zone });
  renderTopics();
  if (said) say(said.key, said.alert);
}

function resetForm() {
  editing = null;
  $("notice-form").reset();
  markInvalid(null);
  renderForm();
}

function edit(notice) {
  editing = notice.id;
  $("notice-text-fr").value = notice.text_fr;
  $("notice-text-en").value = notice.text_en;
  $("notice-start").value = notice.start;
  $("notice-end").value = notice.end;
  renderForm();
  $("notice-topics")
    .querySelectorAll("input")
    .forEach((box) => {
      box.checked = notice.topics.includes(box.value);
    });
  say(null);
  $("notice-text-fr").focus();
}

function submit(event) {
  event.preventDefault();
  const body = {
    text_fr: $("notice-text-fr").value,
    text_en: $("notice-text-en").value,
    start: $("notice-start").value,
    end: $("notice-end").value,
    topics: chosenTopics(),
  };
  const [method, path] = editing ? ["PUT", "/notices/" + editing] : ["POST", "/notices"];
  const updating = Boolean(editing);
  api(method, path, body).then((data) => {
    if (data.status === 200 || data.status === 201) {
      resetForm();
      say(updating ? "noticeUpdated" : "noticeSaved", false);
      load();
      return;
    }
    say(ERRORS[data.error] || "failed", true);
    markInvalid(data.field);
    if (data.status === 404) load();
  });
}

/* ------------------------------------------------------------------ the list */

function withdraw(notice) {
  if (!confirm(t("noticeWithdrawConfirm"))) return;
  api("DELETE", "/notices/" + notice.id).then((data) => {
    if (editing === notice.id) resetForm();
    say(data.status === 200 ? "noticeWithdrawn" : ERRORS[data.error] || "failed", data.status !== 200);
    load();
  });
}

function noticeItem(notice) {
  const first = notice.text_fr || notice.text_en;
  const texts = [
    ["fr", notice.text_fr],
    ["en", notice.text_en],
  ].filter(([, text]) => text);
  return el(
    "li",
    { dataset: { notice: notice.id, state: notice.state } },
    el(
      "p",
      {},
      el("strong", {}, label("notice_state", notice.state)),
      " · ",
      t("noticePeriod", { start: shopTime(notice.start), end: shopTime(notice.end) }),
    ),
    texts.map(([lang, text]) => el("p", { class: "notice-text", lang }, t("noticeText", { language: label("language", lang), text }))),
    el(
      "p",
      { class: "meta" },
      t("noticeTopicsLine", { topics: notice.topics.map((topic) => label("notice_topic", topic)).join(", ") }),
      " · ",
      t("noticeChangedBy", { name: notice.updated_by }),
    ),
    el(
      "div",
      { class: "notice-actions" },
      el("button", { type: "button", "aria-label": t("noticeEditLabel", { text: short(first) }), onclick: () => edit(notice) }, t("noticeEdit")),
      el("button", { type: "button", "aria-label": t("noticeWithdrawLabel", { text: short(first) }), onclick: () => withdraw(notice) }, t("noticeWithdraw")),
    ),
  );
}

function renderList() {
  fill($("notices-list"), notices.length ? notices.map(noticeItem) : el("li", { class: "meta" }, t("noticesEmpty")));
}

function load() {
  if (!session || !session.active()) return Promise.resolve();
  return api("GET", "/notices").then((data) => {
    if (data.status !== 200) return;
    notices = data.notices;
    zone = data.timezone;
    if (topics.join() !== data.topics.join()) {
      topics = data.topics;
      renderForm();
    }
    $("notice-time-hint").textContent = t("noticeTimeHint", { zone });
    renderList();
  });
}

/** Start the page for a signed-in editor or admin: ``current`` is { agent, active() }. */
export function start(current) {
  session = current;
  $("notice-form").addEventListener("submit", submit);
  $("notice-cancel").addEventListener("click", () => {
    resetForm();
    say(null);
  });
  onLanguageChange(() => {
    renderForm();
    renderList();
  });
  renderForm();
  load();
  setInterval(load, REFRESH_MS);
}

/** The page is on screen again: its list may have changed meanwhile. */
export function show() {
  load();
}
