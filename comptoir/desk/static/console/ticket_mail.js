/* The e-mails of an offline ticket, in its detail (queue.js calls showEmails on each
 * open): the thread both ways, who wrote and when, each answer's fate in words (« en
 * attente », « envoyé », « adresse refusée »…), a warning when a reply came from
 * another address than the one the shopper left, and the « Répondre par e-mail » box
 * instead of the live chat for a request left out of hours. Each send carries an id
 * for that click, kept until the desk confirms: a double click or a retry after a
 * network error sends one e-mail. While an answer waits in the outbox, the thread is
 * read again every few seconds so its status changes under the agent's eyes. */
import { api } from "./api.js";
import { $, el, fill } from "./dom.js";
import { isKnown, label, language, onLanguageChange, t } from "./i18n.js";

const BY_EMAIL = ["offline", "answered"];
const WAITING = ["pending", "sending"];
const REFRESH_MS = 3000;

let ticket = null; // the ticket shown
let emails = [];
let requestId = null; // the id of the answer being sent (same for a retry)
let refresh = null;
let reopen = () => {};
let box = null;

function uid() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return String(Date.now()) + "-" + Math.random().toString(36).slice(2, 12);
}

function when(iso) {
  const options = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  return new Date(iso).toLocaleString(language() === "en" ? "en-GB" : "fr-FR", options);
}

/** The answer's fate in words; a waiting retry says why and when. */
function fate(mail) {
  const status = label("mail_status", mail.delivery);
  if (mail.delivery === "pending" && mail.next_try) {
    const why = isKnown("mail_error", mail.error_kind) ? label("mail_error", mail.error_kind) : label("mail_error", null);
    return t("emailRetrying", { status, why, time: when(mail.next_try) });
  }
  if (mail.delivery === "rejected" || mail.delivery === "failed") return t("emailNotDelivered", { status });
  return t("emailStatus", { status });
}

function mailNode(mail) {
  const out = mail.direction === "out";
  const head = out
    ? t("emailOut", { name: mail.author, time: when(mail.created_at) })
    : t("emailIn", { address: mail.author, time: when(mail.created_at) });
  return el(
    "li",
    { class: "msg " + (out ? "agent" : "shopper"), dataset: out ? { direction: "out", delivery: mail.delivery } : { direction: "in" } },
    el("div", { class: "meta" }, head),
    out ? null : mail.sender_matches ? null : el("p", { class: "high", role: "note" }, t("emailOtherAddress")),
    out || !mail.automatic ? null : el("p", { class: "meta" }, t("emailAutomatic")),
    el("div", { class: "mail-text" }, mail.text),
    out ? el("div", { class: "meta delivery" }, fate(mail)) : null,
  );
}

function render() {
  if (!box) return;
  const shown = ticket && (BY_EMAIL.includes(ticket.status) || emails.length);
  box.hidden = !shown;
  if (!shown) return;
  fill(
    $("email-thread"),
    emails.length ? emails.map(mailNode) : el("li", { class: "meta" }, t("emailNone", { email: ticket.contact_email || t("none") })),
  );
  const form = $("email-form");
  form.hidden = !(BY_EMAIL.includes(ticket.status) && ticket.contact_email);
  $("email-to").textContent = t("emailTo", { email: ticket.contact_email || t("none") });
}

function schedule() {
  clearTimeout(refresh);
  if (ticket && emails.some((mail) => WAITING.includes(mail.delivery))) {
    const shown = ticket.id;
    refresh = setTimeout(() => {
      if (ticket && ticket.id === shown) load();
    }, REFRESH_MS);
  }
}

function load() {
  const shown = ticket.id;
  return api("GET", "/tickets/" + shown + "/emails").then((data) => {
    if (!ticket || ticket.id !== shown || data.status !== 200) return;
    emails = data.emails;
    render();
    schedule();
  });
}

/** Build the box once, under the live chat's reply form. */
function mount() {
  box = el(
    "div",
    { id: "ticket-emails", role: "region", "aria-labelledby": "ticket-emails-title", hidden: true },
    el("h2", { id: "ticket-emails-title", dataset: { i18n: "emailThread" } }, t("emailThread")),
    el("ol", { id: "email-thread", class: "email-thread" }),
    el(
      "form",
      { id: "email-form", hidden: true },
      el("label", { for: "email-text", dataset: { i18n: "emailLabel" } }, t("emailLabel")),
      el("p", { id: "email-to", class: "meta" }),
      el("textarea", { id: "email-text", maxlength: "5000", rows: "5" }),
      el("button", { type: "submit", class: "primary", dataset: { i18n: "emailSend" } }, t("emailSend")),
      el("p", { id: "email-result", role: "status", class: "meta" }),
    ),
  );
  $("reply").after(box);
  $("email-form").addEventListener("submit", send);
  $("email-text").addEventListener("input", () => {
    requestId = null; // other words: another answer
    $("email-result").textContent = "";
  });
  onLanguageChange(render);
}

function send(event) {
  event.preventDefault();
  const text = $("email-text").value.trim();
  const button = $("email-form").querySelector("button");
  if (!text || !ticket || button.disabled) return;
  requestId = requestId || uid();
  button.disabled = true;
  $("email-result").textContent = t("emailSending");
  const shown = ticket.id;
  api("POST", "/tickets/" + shown + "/email", { text, request_id: requestId }).then((data) => {
    button.disabled = false;
    if (data.status === 200) {
      requestId = null;
      $("email-text").value = "";
      $("email-result").textContent = t("emailQueued", { email: ticket.contact_email });
      reopen(shown);
    } else if (data.status === 409) $("email-result").textContent = t("emailNotByEmail");
    else if (data.status === 400) $("email-result").textContent = t("emailInvalid");
    else $("email-result").textContent = t("emailFailed"); // network: the same id is sent again
  });
}

/** Show the e-mails of ``current`` (a ticket from /tickets/<id>); ``open(id)`` reloads
 * the ticket after an answer. The live chat box is queue.js's; for a request left out of
 * hours, this box replaces it. */
export function showEmails(current, open) {
  if (!box) mount();
  reopen = open;
  if (!ticket || ticket.id !== current.id) {
    emails = [];
    requestId = null;
    $("email-text").value = "";
    $("email-result").textContent = "";
  }
  ticket = current;
  render();
  return load();
}
