/* The agent's language: French or English, chosen in the header, remembered in
 * localStorage, else the browser's (English when it starts with "en", else French).
 * Every string the console shows goes through t() or label(). */
import { CODES, UI, UNKNOWN } from "./labels.js";

const STORAGE_KEY = "comptoir-console:lang";
export const LANGUAGES = ["fr", "en"];

const listeners = [];
let current = initialLanguage();

export function browserLanguage(tag) {
  return String(tag || "").toLowerCase().startsWith("en") ? "en" : "fr";
}

function initialLanguage() {
  let saved = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch (e) {
    /* storage disabled: follow the browser */
  }
  if (LANGUAGES.includes(saved)) return saved;
  return browserLanguage((navigator.languages && navigator.languages[0]) || navigator.language);
}

export function language() {
  return current;
}

/** A console sentence; ``{name}`` placeholders are filled from ``params``. */
export function t(key, params) {
  const table = UI[current];
  const text = Object.hasOwn(table, key) ? table[key] : Object.hasOwn(UI.fr, key) ? UI.fr[key] : "";
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

/** The words for a code of one ``kind`` (reason, intent, step…); a generic label when unknown. */
export function label(kind, code) {
  const known = CODES[kind] || {};
  if (code != null && Object.hasOwn(known, code)) return known[code][current];
  return (UNKNOWN[kind] || UNKNOWN.status)[current];
}

/** Whether the code has its own words (else label() gives the generic ones). */
export function isKnown(kind, code) {
  return code != null && Object.hasOwn(CODES[kind] || {}, code);
}

/** Fill the page's static strings: data-i18n (text), -placeholder and -aria-label. */
export function translatePage(root = document) {
  root.querySelectorAll("[data-i18n]").forEach((node) => {
    node.textContent = t(node.dataset.i18n);
  });
  root.querySelectorAll("[data-i18n-placeholder]").forEach((node) => {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  });
  root.querySelectorAll("[data-i18n-aria-label]").forEach((node) => {
    node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel));
  });
  root.querySelectorAll("[data-i18n-code]").forEach((node) => {
    const [kind, code] = node.dataset.i18nCode.split(":");
    node.textContent = label(kind, code);
  });
  document.documentElement.lang = current;
}

export function onLanguageChange(listener) {
  listeners.push(listener);
}

export function setLanguage(next) {
  if (!LANGUAGES.includes(next)) return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch (e) {
    /* not remembered, still switched */
  }
  translatePage();
  listeners.forEach((listener) => listener(next));
}

/** The FR/EN buttons of the header: the pressed one is the console's language. */
export function mountLanguageSwitch(group) {
  const buttons = Array.from(group.querySelectorAll("button[data-lang]"));
  const show = () => buttons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === current)));
  buttons.forEach((button) => button.addEventListener("click", () => setLanguage(button.dataset.lang)));
  onLanguageChange(show);
  show();
  translatePage();
}
