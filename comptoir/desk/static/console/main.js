/* The console's entry module: the language switch, sign-in and sign-out, then the
 * pages the account's role may use. A new page (reports…) is one more module beside
 * queue.js and editor.js, exporting start(session), and one more line in PAGES. */
import { api, setCsrf } from "./api.js";
import { $ } from "./dom.js";
import * as editorPage from "./editor.js";
import { label, mountLanguageSwitch, onLanguageChange, t } from "./i18n.js";
import * as lockoutsPage from "./lockouts.js";
import * as queuePage from "./queue.js";

const PAGES = [
  { roles: ["agent", "admin"], page: queuePage },
  { roles: ["agent", "admin"], page: lockoutsPage },
  { roles: ["editor", "admin"], page: editorPage },
];

const session = { agent: null, active: () => session.agent !== null };

function showWho() {
  if (!session.agent) return;
  $("who").textContent = t("who", { name: session.agent.display_name, role: label("role", session.agent.role) });
}

function start(data) {
  session.agent = data.agent;
  setCsrf(data.csrf);
  $("login").hidden = true;
  $("logout").hidden = false;
  showWho();
  PAGES.filter((entry) => entry.roles.includes(session.agent.role)).forEach((entry) => entry.page.start(session));
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
