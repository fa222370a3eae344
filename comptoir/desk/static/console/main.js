/* The console's entry module: the language switch, sign-in and sign-out, then the
 * pages the account's role may use. A new page is one more module beside queue.js and
 * editor.js, exporting start(session) (and show(), called when its view is on screen),
 * and one more line in PAGES. Pages belong to a view: an account with more than one
 * view (an admin) gets a navigation in the header; ``#reports`` opens the reports. */
import { api, setCsrf } from "./api.js";
import { $, el, fill } from "./dom.js";
import * as editorPage from "./editor.js";
import { label, mountLanguageSwitch, onLanguageChange, t } from "./i18n.js";
import * as lockoutsPage from "./lockouts.js";
import * as noticesPage from "./notices.js";
import * as outboxPage from "./outbox.js";
import * as queuePage from "./queue.js";
import * as reportsPage from "./reports.js";

const PAGES = [
  { roles: ["agent", "admin"], page: queuePage, view: "console", box: "app" },
  { roles: ["agent", "admin"], page: lockoutsPage, view: "console", box: "app" },
  { roles: ["editor", "admin"], page: editorPage, view: "console", box: "editor" },
  { roles: ["editor", "admin"], page: noticesPage, view: "console", box: "notices" },
  { roles: ["admin", "owner"], page: reportsPage, view: "reports", box: "reports" },
  { roles: ["agent", "admin"], page: outboxPage, view: "mail", box: "outbox" },
];
// Each view's entry in the navigation (a sentence key) and its address.
const VIEWS = { console: { key: "viewConsole", hash: "" }, reports: { key: "viewReports", hash: "#reports" }, mail: { key: "viewMail", hash: "#emails" } };

const session = { agent: null, active: () => session.agent !== null };
let pages = [];

function showWho() {
  if (!session.agent) return;
  $("who").textContent = t("who", { name: session.agent.display_name, role: label("role", session.agent.role) });
}

function views() {
  return [...new Set(pages.map((entry) => entry.view))];
}

/** The view the address asks for, if the account has it; else its first view. */
function wantedView() {
  const mine = views();
  const asked = Object.keys(VIEWS).find((view) => VIEWS[view].hash && VIEWS[view].hash === location.hash);
  return mine.includes(asked) ? asked : mine[0];
}

function showView() {
  const current = wantedView();
  pages.forEach((entry) => {
    $(entry.box).hidden = entry.view !== current;
  });
  pages.filter((entry) => entry.view === current && entry.page.show).forEach((entry) => entry.page.show());
  $("views")
    .querySelectorAll("a")
    .forEach((link) => {
      if (link.dataset.view === current) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
}

/** The header's navigation, for an account with more than one view. */
function mountViews() {
  const mine = views();
  const nav = $("views");
  nav.hidden = mine.length < 2;
  fill(
    nav,
    el(
      "ul",
      {},
      mine.map((view) =>
        el(
          "li",
          {},
          el("a", { href: VIEWS[view].hash || "#", dataset: { view, i18n: VIEWS[view].key } }, t(VIEWS[view].key)),
        ),
      ),
    ),
  );
  if (mine.length === 1 && mine[0] === "reports") $("title").dataset.i18n = "titleReports";
  $("title").textContent = t($("title").dataset.i18n);
  window.addEventListener("hashchange", showView);
}

function start(data) {
  session.agent = data.agent;
  setCsrf(data.csrf);
  $("login").hidden = true;
  $("logout").hidden = false;
  showWho();
  pages = PAGES.filter((entry) => entry.roles.includes(session.agent.role));
  pages.forEach((entry) => entry.page.start(session));
  mountViews();
  showView();
}

mountLanguageSwitch($("lang-switch"));
onLanguageChange(showWho);

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  api("POST", "/login", { username: $("username").value, password: $("password").value }).then((data) => {
    if (data.status === 200) start(data);
    else if (data.status === 429) {
      delete $("login-error").dataset.i18n; // the wait is for now, not for a language switch
      $("login-error").textContent = t("tooManyAttempts", { seconds: data.retry_after || 1 });
    } else {
      $("login-error").dataset.i18n = "badCredentials"; // follows a language switch
      $("login-error").textContent = t("badCredentials");
    }
  });
});

$("logout").addEventListener("click", () => {
  api("POST", "/logout").then(() => {
    session.agent = null;
    location.reload();
  });
});

api("GET", "/me").then((data) => {
  if (data.status === 200) start(data);
  else $("login").hidden = false;
});
