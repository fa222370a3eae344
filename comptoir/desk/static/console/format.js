/* Numbers, durations and dates in the reader's language, with Intl: « 72,4 % »,
 * « +3,1 pts », « 1 h 12 min », « 26 oct. » in French; "72.4%", "+3.1 pts",
 * "1 h 12 min", "26 Oct" in English. The reports page and its charts use these only. */
import { language, t } from "./i18n.js";

const LOCALES = { fr: "fr-FR", en: "en-GB" };

export function locale() {
  return LOCALES[language()] || "fr-FR";
}

/** A count: « 1 234 », "1,234". */
export function count(value) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(value);
}

/** A rate in [0, 1] as a percentage: « 72,4 % ». */
export function percent(rate, places = 1) {
  const options = { style: "percent", minimumFractionDigits: places, maximumFractionDigits: places };
  return new Intl.NumberFormat(locale(), options).format(rate);
}

/** The sign Intl writes before a negative number in this language. */
function minusSign() {
  const parts = new Intl.NumberFormat(locale()).formatToParts(-1);
  const sign = parts.find((part) => part.type === "minusSign");
  return sign ? sign.value : "-";
}

/** A change of a rate, in percentage points: « +3,1 pts », « −0,4 pt ». */
export function points(delta) {
  const value = Math.round(delta * 1000) / 10;
  const options = { minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: "exceptZero" };
  const n = new Intl.NumberFormat(locale(), options).format(value);
  return Math.abs(value) < 2 ? t("point", { n }) : t("points", { n });
}

/** A change of a count: « +34 », « −5 ». */
export function signedCount(delta) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 0, signDisplay: "exceptZero" }).format(delta);
}

/** A duration in seconds: « 45 s », « 12 min », « 1 h 12 min », « 2 j 3 h ». */
export function duration(seconds) {
  const total = Math.round(Math.abs(seconds));
  if (total < 60) return t("durationSeconds", { s: total });
  const minutes = Math.round(total / 60);
  if (minutes < 60) return t("durationMinutes", { m: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const m = minutes % 60;
    return m ? t("durationHoursMinutes", { h: hours, m }) : t("durationHours", { h: hours });
  }
  const days = Math.floor(hours / 24);
  const h = hours % 24;
  return h ? t("durationDaysHours", { d: days, h }) : t("durationDays", { d: days });
}

/** A change of a duration: « +5 min », « −1 h 2 min ». */
export function signedDuration(delta) {
  if (Math.round(delta) === 0) return duration(0);
  return (delta > 0 ? "+" : minusSign()) + duration(delta);
}

/** A ``YYYY-MM-DD`` day as a Date at midnight UTC (never shifted by the time zone). */
export function day(value) {
  const found = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
  return found ? new Date(Date.UTC(Number(found[1]), Number(found[2]) - 1, Number(found[3]))) : null;
}

/** ``YYYY-MM-DD`` of a Date (its UTC day). */
export function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

/** A day in words: short « 26 oct. », long « 26 octobre 2026 ». */
export function dayText(value, long = false) {
  const date = day(value);
  if (!date) return String(value ?? "");
  const options = long
    ? { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }
    : { day: "numeric", month: "short", timeZone: "UTC" };
  return date.toLocaleDateString(locale(), options);
}

/** A weekday (Monday = 0) in words: « lundi », short « lun. ». */
export function weekdayText(index, short = false) {
  const monday = Date.UTC(2024, 0, 1); // 1 January 2024 was a Monday
  const date = new Date(monday + index * 86400000);
  return date.toLocaleDateString(locale(), { weekday: short ? "short" : "long", timeZone: "UTC" });
}

/** An hour of the day: « 14 h », "14:00". */
export function hourText(hour) {
  return t("hour", { h: hour });
}
