/* Order checks stopped by a limit (agents and admins): the last day's lockouts under
 * the queue, newest first, in words: when, why (which limit), from which address,
 * which order (partly hidden) and which conversation. A shopper who says « le bot ne
 * veut plus vérifier ma commande » is found here; so is an attack in progress. */
import { api } from "./api.js";
import { $, el, fill } from "./dom.js";
import { label, language, onLanguageChange, t } from "./i18n.js";

const REFRESH_MS = 30000;

let session = null;
let lockouts = [];
let list = null;

function when(iso) {
  const at = new Date(iso);
  const locale = language() === "en" ? "en-GB" : "fr-FR";
  return at.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
}

function render() {
  if (!list) return;
  const items = lockouts.map((lockout) =>
    el(
      "li",
      { dataset: { limit: lockout.limit } },
      el("strong", {}, when(lockout.at) + " · " + label("lockout_limit", lockout.limit)),
      el(
        "div",
        { class: "meta" },
        t("lockoutDetails", {
          address: lockout.client_address || t("unknownAddress"),
          order: lockout.order_number || t("none"),
          conversation: lockout.conversation_id,
        }),
      ),
    ),
  );
  fill(list, items.length ? items : el("li", { class: "meta" }, t("lockoutsEmpty")));
}

function load() {
  if (!session || !session.active()) return Promise.resolve();
  return api("GET", "/lockouts").then((data) => {
    if (data.status === 200) {
      lockouts = data.lockouts;
      render();
    }
  });
}

/** Mount the list under the queue (the first column of the agents' page). */
export function start(current) {
  session = current;
  const column = $("queue").closest("section");
  list = el("ul", { id: "lockouts", class: "meta", "aria-live": "polite" });
  column.append(el("h2", { id: "lockouts-title", class: "spaced", "data-i18n": "lockoutsTitle" }, t("lockoutsTitle")), list);
  list.setAttribute("aria-labelledby", "lockouts-title");
  onLanguageChange(render);
  load();
  setInterval(load, REFRESH_MS);
}
