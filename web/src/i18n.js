// Every string of the interface comes from a message catalogue (Azerbaijani, English, Russian); the chosen
// language is remembered in the browser. Numbers and dates are written the language's way.
import az from "../messages/az.json";
import en from "../messages/en.json";
import ru from "../messages/ru.json";

export const CATALOGUES = { az, en, ru };
export const LANGUAGES = [
  { code: "az", locale: "az-Latn-AZ", name: "Azərbaycanca" },
  { code: "en", locale: "en-GB", name: "English" },
  { code: "ru", locale: "ru-RU", name: "Русский" },
];
const STORAGE_KEY = "mineaction.language";

let current = "en";

export function initialLanguage() {
  const asked = new URLSearchParams(window.location.search).get("lang");
  let stored = null;
  try {
    stored = window.localStorage.getItem(STORAGE_KEY);
  } catch {
    stored = null; // storage may be disabled: the language is then chosen anew on each visit
  }
  const browser = (navigator.language || "en").slice(0, 2);
  for (const code of [asked, stored, browser, "en"]) {
    if (code && CATALOGUES[code]) return code;
  }
  return "en";
}

export function setLanguage(code) {
  current = CATALOGUES[code] ? code : "en";
  document.documentElement.lang = locale().split("-")[0];
  try {
    window.localStorage.setItem(STORAGE_KEY, current);
  } catch {
    // not remembered, but still used for this page
  }
}

export function language() {
  return current;
}

export function locale() {
  return LANGUAGES.find((l) => l.code === current).locale;
}

/** The message `key` in the current language, with `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  const text = CATALOGUES[current][key] ?? CATALOGUES.en[key];
  if (text === undefined) {
    console.warn(`no message ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** Whether the catalogues know `key`. */
export function has(key) {
  return key in CATALOGUES.en;
}

/** A vocabulary value (a code stored in the record) in the current language; the code itself when unknown. */
export function vocab(vocabulary, value) {
  if (value === null || value === undefined || value === "") return t("value.none");
  const key = `vocab.${vocabulary}.${value}`;
  if (has(key)) return t(key);
  return value === "unknown" ? t("value.unknown") : String(value);
}

export function district(name) {
  if (!name) return t("value.none");
  const key = `district.${name}`;
  return has(key) ? t(key) : String(name);
}

export function number(value, digits = 0) {
  if (value === null || value === undefined || value === "") return t("value.none");
  if (typeof value === "string") return value; // "<5" and other texts stay as they are
  return new Intl.NumberFormat(locale(), {
    maximumFractionDigits: digits,
    minimumFractionDigits: 0,
  }).format(value);
}

export function percent(share, digits = 0) {
  if (share === null || share === undefined) return t("value.none");
  return t("unit.percent", { value: number(share * 100, digits) });
}

export function date(text) {
  if (!text) return t("value.none");
  const when = new Date(text.length === 10 ? `${text}T12:00:00Z` : text);
  if (Number.isNaN(when.getTime())) return String(text);
  return new Intl.DateTimeFormat(locale(), { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" }).format(when);
}

export function moment(text) {
  if (!text) return t("value.none");
  const when = new Date(text);
  if (Number.isNaN(when.getTime())) return String(text);
  return new Intl.DateTimeFormat(locale(), {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "UTC",
  }).format(when);
}

/** A share with its interval and count, e.g. "33 % (95 % interval 12 % to 65 %; 3 of 9)". */
export function share(interval) {
  if (!interval || interval.share === null || interval.share === undefined) return t("value.none");
  return t("share.interval", {
    share: percent(interval.share),
    low: percent(interval.low),
    high: percent(interval.high),
    k: number(interval.k),
    n: number(interval.n),
  });
}
