/* The queue-and-chat page (agents and admins): the live queue with a sound and a (N)
 * title badge, a ticket's summary in words, the transcript, claim, live chat with
 * typing, canned replies, notes, the order beside the chat, resolve and hand back. */
import { api } from "./api.js";
import { $, el, fill } from "./dom.js";
import { isKnown, label, language, onLanguageChange, t } from "./i18n.js";
import { liveSocket } from "./socket.js";
import { showEmails } from "./ticket_mail.js";

const RETURN_STATUSES = ["label_sent", "in_transit", "received", "inspected", "refunded", "exchanged", "repaired", "rejected"];
const TYPING_SHOWN_MS = 4000;
const TYPING_SENT_EVERY_MS = 3000;

let session = null; // { agent, active() }
let tickets = [];
let selected = null; // the open ticket
let detail = null; // its last /tickets/<id> answer, kept to re-render on a language switch
let typingTimer = null;
let typingSent = 0;

/* ------------------------------------------------------------------ words */

function minutes(seconds) {
  return seconds < 60 ? t("lessThanAMinute") : t("minutes", { n: Math.floor(seconds / 60) });
}

/** A code in words; an unknown code keeps its value in a tooltip for the curious. */
function code(kind, value, tag = "span") {
  return el(tag, { title: isKnown(kind, value) ? null : String(value ?? "") }, label(kind, value));
}

function list(items, kind, separator) {
  if (!items || !items.length) return t("none");
  const nodes = [];
  items.forEach((item, index) => {
    if (index) nodes.push(separator);
    nodes.push(kind ? code(kind, item, "span") : String(item));
  });
  return el("span", {}, nodes);
}

/* ------------------------------------------------------------------ queue */

function queueStatus(ticket) {
  if (ticket.status === "waiting") return t("waitingFor", { time: minutes(ticket.waiting_s) });
  if (ticket.status === "claimed") return t("takenBy", { name: ticket.agent_name || label("role", "agent") });
  return label("status", ticket.status);
}

/** When the promised answer is due, in the agent's language and time, and a badge in
 * words once it is soon or late (the desk computes the state; the queue reloads on a
 * timer and at once when the desk reports a ticket overdue). */
function dueLine(ticket) {
  if (!ticket.due_at || !["waiting", "offline"].includes(ticket.status)) return null;
  const options = { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  const time = new Date(ticket.due_at).toLocaleString(language() === "en" ? "en-GB" : "fr-FR", options);
  const warn = ticket.due_state === "soon" || ticket.due_state === "late";
  return el(
    "div",
    { class: "meta due", dataset: { due: ticket.due_state } },
    t("dueBy", { time }),
    warn ? el("span", { class: "badge " + ticket.due_state }, label("due_state", ticket.due_state)) : null,
  );
}

function renderQueue() {
  const waiting = tickets.filter((ticket) => ticket.status === "waiting").length;
  const items = tickets.map((ticket) => {
    const high = ticket.priority === "high";
    const button = el(
      "button",
      {
        type: "button",
        dataset: { ticket: ticket.id, reason: ticket.reason, priority: ticket.priority },
        "aria-current": selected && selected.id === ticket.id ? "true" : null,
        onclick: () => open(ticket.id),
      },
      el("strong", { class: high ? "high" : null }, "#" + ticket.id + " · ", code("reason", ticket.reason)),
      high ? el("span", { class: "badge high" }, t("highPriority")) : null,
      el(
        "div",
        { class: "meta" },
        [queueStatus(ticket), label("language", ticket.language), (ticket.summary || {}).last_shopper_message || ""]
          .filter(Boolean)
          .join(" · "),
      ),
      dueLine(ticket),
    );
    return el("li", {}, button);
  });
  fill($("queue"), items.length ? items : el("li", { class: "meta" }, t("queueEmpty")));
  document.title = (waiting ? "(" + waiting + ") " : "") + t("docTitle");
}

function loadQueue() {
  return api("GET", "/tickets").then((data) => {
    if (data.status === 200) {
      tickets = data.tickets;
      renderQueue();
    }
  });
}

function beep() {
  try {
    const audio = new (window.AudioContext || window.webkitAudioContext)();
    const tone = audio.createOscillator();
    tone.frequency.value = 880;
    tone.connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.15);
  } catch (e) {
    /* no sound available */
  }
}

/* ------------------------------------------------------------------ ticket */

function renderSummary(ticket) {
  const s = ticket.summary || {};
  const rows = [];
  const row = (term, value, extra = {}) => rows.push(el("dt", {}, term), el("dd", extra, value));
  row(t("reasonTerm"), code("reason", ticket.reason), { class: ticket.priority === "high" ? "high" : null });
  row(t("priorityTerm"), code("priority", ticket.priority));
  row(t("statusTerm"), code("status", ticket.status));
  row(t("languageTerm"), code("language", ticket.language));
  row(
    t("orderTerm"),
    s.order_number ? t(s.order_verified ? "verified" : "notVerified", { number: s.order_number }) : t("none"),
  );
  row(t("articlesTerm"), list(s.articles_shown, null, ", "));
  row(t("returnsTerm"), list(s.returns_opened, null, ", "));
  row(t("intentsTerm"), list(s.intents, "intent", " · "), { class: "intents" });
  row(t("stepsTerm"), list(s.steps, "step", " → "), { class: "steps" });
  if (ticket.status === "offline" || ticket.status === "answered") {
    row(t("offlineTerm"), t("offlineAnswer", { email: ticket.contact_email || t("none") }));
    row(t("requestTerm"), ticket.request ? "« " + ticket.request + " »" : t("none"));
  }
  fill($("summary"), el("dl", { class: "summary" }, rows));
}

function messageNode(m) {
  const custom = m.custom || {};
  const who =
    m.sender === "agent" ? custom.agent_name || t("agent") : m.sender === "bot" ? t("bot") : t("shopper");
  return el("div", { class: "msg " + m.sender }, t("says", { who, text: custom.label ? custom.label : m.text }));
}

function addMessage(m) {
  const node = messageNode(m);
  $("transcript").append(node);
  node.scrollIntoView({ block: "end" });
}

function formatDate(value) {
  const found = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
  if (!found) return value || t("none");
  const day = new Date(Number(found[1]), Number(found[2]) - 1, Number(found[3]));
  return day.toLocaleDateString(language() === "en" ? "en-GB" : "fr-FR", { day: "numeric", month: "long", year: "numeric" });
}

function returnForm(r) {
  const select = el(
    "select",
    { "aria-label": t("newReturnStatus", { number: r.number }) },
    RETURN_STATUSES.map((status) => el("option", { value: status }, label("return_status", status))),
  );
  return el(
    "form",
    {
      onsubmit: (event) => {
        event.preventDefault();
        const ticketId = selected.id;
        api("POST", "/tickets/" + ticketId + "/returns/" + r.number + "/status", { status: select.value }).then((data) => {
          if (data.status === 409) alert(t("transitionRefused", { status: label("return_status", select.value) }));
          else if (data.status !== 200) alert(t("failed"));
          open(ticketId);
        });
      },
    },
    el("label", {}, t("returnLine", { number: r.number, status: label("return_status", r.status) })),
    select,
    el("button", { type: "submit" }, t("update")),
  );
}

function renderOrder(order) {
  const box = $("order");
  if (!order) {
    fill(box, t("noOrder"));
    return;
  }
  const rows = [];
  const row = (term, value) => rows.push(el("dt", {}, term), el("dd", {}, value));
  row(t("number"), order.number);
  row(t("orderStatus"), code("order_status", order.status));
  row(t("email"), order.email);
  row(t("promisedDelivery"), formatDate(order.promised_delivery));
  row(t("lines"), order.lines.map((line) => line.qty + " × " + line.name).join(", ") || t("none"));
  row(t("parcels"), order.shipments.map((s) => s.carrier + " " + s.tracking_number).join(", ") || t("none"));
  row(t("returns"), order.returns.length ? "" : t("none"));
  fill(box, el("dl", {}, rows), order.returns.map(returnForm));
}

function renderNotes(notes) {
  fill($("notes"), notes.map((n) => el("li", {}, t("noteLine", { name: n.agent_name, text: n.text }))));
}

function renderTicket() {
  if (!detail) {
    fill($("summary"), t("pickTicket"));
    return;
  }
  renderSummary(selected);
  fill($("transcript"), detail.transcript.map(messageNode));
  const last = $("transcript").lastElementChild;
  if (last) last.scrollIntoView({ block: "end" });
  renderOrder(detail.order);
  renderNotes(detail.notes);
}

function open(id) {
  return api("GET", "/tickets/" + id).then((data) => {
    if (data.status !== 200) return;
    const changed = !selected || selected.id !== data.ticket.id;
    selected = data.ticket;
    detail = data;
    renderTicket();
    const mine = selected.status === "claimed" && selected.agent_id === session.agent.id;
    $("claim").hidden = selected.status !== "waiting";
    $("handback").hidden = !mine;
    $("resolve").hidden = !(mine || selected.status === "offline" || selected.status === "answered");
    $("reply").hidden = !mine;
    if (changed) $("shopper-typing").hidden = true;
    if (mine) loadCanned();
    renderQueue();
    showEmails(selected, open); // the e-mail thread, and the e-mail box out of hours
  });
}

function loadCanned() {
  const ticketId = selected.id;
  api("GET", "/tickets/" + ticketId + "/canned").then((data) => {
    const select = $("canned");
    select.length = 1;
    (data.replies || []).forEach((r) => select.append(el("option", { value: r.text }, r.title)));
  });
}

/* ------------------------------------------------------------------ live */

function onFrame(frame) {
  const here = selected && frame.ticket_id === selected.id;
  if (frame.event === "ticket_opened") beep();
  if (frame.event === "typing") {
    if (here) {
      $("shopper-typing").hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => {
        $("shopper-typing").hidden = true;
      }, TYPING_SHOWN_MS);
    }
    return;
  }
  if (frame.event === "message") {
    if (here) {
      if (detail) detail.transcript.push(frame.message);
      addMessage(frame.message);
      $("shopper-typing").hidden = true;
    }
    return;
  }
  loadQueue().then(() => {
    if (selected && frame.ticket && frame.ticket.id === selected.id) open(selected.id);
  });
}

/* ------------------------------------------------------------------ actions */

function bindActions() {
  $("claim").addEventListener("click", () => {
    api("POST", "/tickets/" + selected.id + "/claim").then((data) => {
      if (data.status === 409) alert(t("alreadyClaimed"));
      open(selected.id);
    });
  });
  $("handback").addEventListener("click", () => {
    api("POST", "/tickets/" + selected.id + "/hand-back").then(() => {
      open(selected.id);
      loadQueue();
    });
  });
  $("resolve").addEventListener("click", () => {
    api("POST", "/tickets/" + selected.id + "/resolve").then(() => {
      open(selected.id);
      loadQueue();
    });
  });
  $("canned").addEventListener("change", () => {
    if ($("canned").value) $("reply-text").value = $("canned").value;
    $("canned").selectedIndex = 0;
    $("reply-text").focus();
  });
  $("reply-text").addEventListener("input", () => {
    if (!selected || Date.now() - typingSent < TYPING_SENT_EVERY_MS) return;
    typingSent = Date.now();
    api("POST", "/tickets/" + selected.id + "/typing");
  });
  $("note-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("note-text").value.trim();
    if (!text || !selected) return;
    const ticketId = selected.id;
    $("note-text").value = "";
    api("POST", "/tickets/" + ticketId + "/notes", { text }).then(() => open(ticketId));
  });
  $("reply").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("reply-text").value.trim();
    if (!text || !selected) return;
    $("reply-text").value = "";
    api("POST", "/tickets/" + selected.id + "/messages", { text });
  });
  $("reply-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("reply").requestSubmit();
    }
  });
}

/** Start the page for a signed-in agent: ``current`` is { agent, active() }. */
export function start(current) {
  session = current;
  $("app").hidden = false;
  bindActions();
  renderTicket();
  onLanguageChange(() => {
    renderQueue();
    renderTicket();
  });
  loadQueue();
  // Whatever happened while the socket was down is fetched again on reconnection.
  liveSocket("/console/ws", {
    onOpen: () => {
      loadQueue();
      if (selected) open(selected.id);
    },
    onFrame,
    keepGoing: () => session.active(),
  });
  setInterval(loadQueue, 15000); // also turns the due badges as time passes
}
