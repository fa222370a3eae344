/* The « E-mails » page (agents and admins): is the shop's e-mail going out? Counts per
 * status, what goes wrong in words when the mail server fails (« Le serveur d'envoi ne
 * répond pas : 12 e-mails en attente, prochain essai à 14 h 05 »), and the latest 50
 * e-mails with their fate. The same warning shows above every page of the console
 * while sending fails, so an agent answering by e-mail knows the answers wait. Admins
 * may send a failed e-mail again; agents see recipients partly masked (the desk masks
 * them, in the server's answers too). Admins also have a small form to stop, or restart,
 * the delay notices to one address, for a shopper who asked them rather than use the
 * e-mail's link. Refreshed every 30 s; the list is redrawn when the page is shown. */
import { api } from "./api.js";
import { $, el, fill } from "./dom.js";
import { count, locale } from "./format.js";
import { isKnown, label, onLanguageChange, t } from "./i18n.js";

const REFRESH_MS = 30000;
const STATUSES = ["pending", "sending", "sent", "rejected", "failed", "cancelled"];

let session = null;
let data = null;
let problem = null; // a sentence key when the outbox could not be read
let said = null; // the opt-out form's last answer: { key, address, alert }

function clock(iso) {
  const at = new Date(iso);
  const time = at.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
  const today = new Date().toDateString() === at.toDateString();
  if (today) return time.replace(":", locale() === "fr-FR" ? " h " : ":");
  return at.toLocaleString(locale(), { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

function errorWords(kind) {
  return isKnown("mail_error", kind) ? label("mail_error", kind) : label("mail_error", null);
}

/** The warning of the moment, or null: server trouble first, then given-up e-mails. */
function warning() {
  if (!data) return null;
  if (!data.configured) return data.counts.pending ? t("mailNotConfigured", { n: count(data.counts.pending) }) : null;
  if (data.trouble) {
    const waiting = data.counts.pending + data.counts.sending;
    const next = data.next_try ? clock(data.next_try) : "—";
    return t("mailTrouble", { why: errorWords(data.trouble.error_kind), n: count(waiting), time: next });
  }
  if (data.counts.failed) return t("mailFailedSome", { n: count(data.counts.failed) });
  return null;
}

function renderBanner() {
  const banner = $("mail-warning");
  const text = warning();
  banner.hidden = !text;
  if (!text) return;
  fill(banner, text + " ", el("a", { href: "#emails", "data-i18n": "mailSeeOutbox" }, t("mailSeeOutbox")));
}

function summary() {
  const items = STATUSES.map((status) => [
    el("dt", {}, label("mail_status", status)),
    el("dd", { dataset: { status } }, count(data.counts[status] || 0)),
  ]);
  const oldest = data.oldest_pending ? el("p", { class: "meta" }, t("mailOldest", { time: clock(data.oldest_pending) })) : null;
  return [el("dl", { class: "facts", id: "outbox-counts" }, items), oldest];
}

function retryButton(mail) {
  if (mail.status !== "failed" || mail.erased || session.agent.role !== "admin") return null;
  const button = el("button", { type: "button", "aria-label": t("mailRetryLabel", { to: mail.to }) }, t("mailRetry"));
  button.addEventListener("click", () => {
    button.disabled = true;
    api("POST", `/outbox/${mail.id}/retry`).then((answer) => {
      $("outbox-status").textContent = answer.status === 200 ? t("mailRetried") : t("mailRetryFailed");
      load();
    });
  });
  return button;
}

function row(mail) {
  const error = mail.error_kind && mail.status !== "sent" ? errorWords(mail.error_kind) : "";
  const server = error && mail.last_error ? el("div", { class: "meta" }, t("mailServerSaid", { answer: mail.last_error })) : null;
  const next = mail.next_try ? el("div", { class: "meta" }, t("mailNextTry", { time: clock(mail.next_try) })) : null;
  return el(
    "tr",
    { dataset: { status: mail.status, id: String(mail.id) } },
    el("td", {}, clock(mail.created_at)),
    el("td", {}, mail.erased ? el("span", { class: "meta" }, t("mailErased")) : mail.to),
    el("td", {}, label("mail_purpose", mail.purpose), mail.reference ? el("div", { class: "meta" }, mail.reference) : null),
    el("td", {}, label("mail_status", mail.status)),
    el("td", {}, count(mail.attempts)),
    el("td", {}, error, server, next),
    el("td", {}, retryButton(mail)),
  );
}

function render() {
  renderBanner();
  const body = $("outbox-body");
  if (!body || $("outbox").hidden) return;
  if (problem) {
    fill(body, el("p", { role: "alert" }, t(problem)));
    return;
  }
  if (!data) return;
  const header = ["mailWhen", "mailTo", "mailPurpose", "mailStatus", "mailAttempts", "mailLastError", "mailAction"];
  const table = el(
    "table",
    {},
    el("caption", { class: "sr" }, t("mailLatest")),
    el("thead", {}, el("tr", {}, header.map((key) => el("th", { scope: "col", "data-i18n": key }, t(key))))),
    el("tbody", {}, data.mails.map(row)),
  );
  const latest = data.mails.length ? table : el("p", { class: "meta" }, t("mailNone"));
  fill(body, summary(), el("h3", { "data-i18n": "mailLatest" }, t("mailLatest")), latest);
}

function load() {
  if (!session || !session.active()) return Promise.resolve();
  return api("GET", "/outbox").then((answer) => {
    problem = null;
    if (answer.status === 200) data = answer;
    else problem = "mailLoadFailed";
    render();
  });
}

/* ------------------------------------------------------- notices to one address */

function sayOptout(answer) {
  said = answer;
  const box = $("optout-said");
  if (!box) return;
  box.textContent = said ? t(said.key, { address: said.address }) : "";
  box.className = said && said.alert ? "error" : "meta";
  $("optout-address").setAttribute("aria-invalid", String(Boolean(said && said.key === "mailOptoutInvalid")));
}

const OPTOUT_WORDS = {
  "true:true": "mailOptoutStopped",
  "true:false": "mailOptoutAlready",
  "false:true": "mailOptoutResumed",
  "false:false": "mailOptoutNotThere",
};

function changeNotices(stop, buttons) {
  const address = $("optout-address").value.trim();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address)) {
    sayOptout({ key: "mailOptoutInvalid", address, alert: true });
    $("optout-address").focus();
    return;
  }
  buttons.forEach((button) => (button.disabled = true));
  api("POST", "/outbox/optouts", { address, stop }).then((answer) => {
    buttons.forEach((button) => (button.disabled = false));
    if (answer.status === 200) sayOptout({ key: OPTOUT_WORDS[`${stop}:${answer.changed}`], address });
    else if (answer.error === "invalid_address") sayOptout({ key: "mailOptoutInvalid", address, alert: true });
    else sayOptout({ key: "mailOptoutFailed", address, alert: true });
  });
}

/** The admins' form, made once: typing in it survives the list's refreshes. */
function optoutForm() {
  const stop = el("button", { type: "submit", class: "primary", "data-i18n": "mailOptoutStop" }, t("mailOptoutStop"));
  const resume = el("button", { type: "button", "data-i18n": "mailOptoutResume" }, t("mailOptoutResume"));
  const form = el(
    "form",
    { id: "optout-form", novalidate: true, "aria-labelledby": "optout-title" },
    el("h3", { id: "optout-title", "data-i18n": "mailOptoutTitle" }, t("mailOptoutTitle")),
    el("p", { class: "meta", id: "optout-help", "data-i18n": "mailOptoutHelp" }, t("mailOptoutHelp")),
    el("label", { for: "optout-address", "data-i18n": "mailOptoutAddress" }, t("mailOptoutAddress")),
    el("input", { id: "optout-address", type: "email", autocomplete: "off", "aria-describedby": "optout-help optout-said" }),
    stop,
    resume,
    el("p", { id: "optout-said", class: "meta", role: "status" }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    changeNotices(true, [stop, resume]);
  });
  resume.addEventListener("click", () => changeNotices(false, [stop, resume]));
  return form;
}

/** Poll the outbox (for the warning above every page) from the start. */
export function start(current) {
  session = current;
  onLanguageChange(render);
  onLanguageChange(() => sayOptout(said));
  if (session.agent.role === "admin" && !$("optout-form")) $("outbox").append(optoutForm());
  load();
  setInterval(load, REFRESH_MS);
}

/** The page is on screen: fresh figures. */
export function show() {
  load();
}
