// i18n.js - every string the user reads comes from i18n/vi.json or i18n/en.json.
// Vietnamese first; the choice is remembered in localStorage. Times are shown in
// Asia/Ho_Chi_Minh as dd/mm/yyyy HH:mm (24-hour) whatever the language.

const LANGS = ["vi", "en"];
const KEY = "phoihop.lang";
const cache = new Map();
let lang = "vi";
let dict = {};

function stored() {
  try {
    const v = localStorage.getItem(KEY);
    return LANGS.includes(v) ? v : "vi";
  } catch {
    return "vi";
  }
}

async function fetchDict(l) {
  if (cache.has(l)) return cache.get(l);
  // Relative to this module, so it follows the versioned asset path.
  const res = await fetch(new URL(`../i18n/${l}.json`, import.meta.url));
  if (!res.ok) throw new Error(`i18n ${l}: ${res.status}`);
  const d = await res.json();
  cache.set(l, d);
  return d;
}

// Load the remembered language (or Vietnamese).
export async function initI18n() {
  await setLang(stored(), false);
}

export async function setLang(l, remember = true) {
  if (!LANGS.includes(l)) l = "vi";
  dict = await fetchDict(l);
  lang = l;
  document.documentElement.lang = l;
  if (remember) {
    try {
      localStorage.setItem(KEY, l);
    } catch {
      /* private mode: the choice lasts this page only */
    }
  }
}

export function currentLang() {
  return lang;
}

export function otherLang() {
  return lang === "vi" ? "en" : "vi";
}

// The string for key with {name} placeholders filled from params. A missing key
// shows itself, so that it is noticed rather than hidden.
export function t(key, params) {
  let s = Object.prototype.hasOwnProperty.call(dict, key) ? dict[key] : key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  return s;
}

// t() when the key exists, else fallback (for values from the server such as a
// category code the dictionaries do not list).
export function tOr(key, fallback) {
  return Object.prototype.hasOwnProperty.call(dict, key) ? dict[key] : fallback;
}

// ---- time: Asia/Ho_Chi_Minh ----------------------------------------------------------
const TZ = "Asia/Ho_Chi_Minh";
const partsFmt = new Intl.DateTimeFormat("en-GB", {
  timeZone: TZ,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

function parts(d) {
  const o = {};
  for (const p of partsFmt.formatToParts(d)) o[p.type] = p.value;
  return o;
}

// "29/11/2026 06:34" for an RFC 3339 string, a Date or milliseconds.
export function fmtDateTime(v) {
  if (v === null || v === undefined || v === "") return t("common.na");
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) return t("common.na");
  const p = parts(d);
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}

// "06:34" (today's events in the live feed).
export function fmtTime(v) {
  const d = v instanceof Date ? v : new Date(v);
  const p = parts(d);
  return `${p.hour}:${p.minute}`;
}

export function fmtNumber(n) {
  return new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-GB").format(n);
}

export function fmtPercent(share) {
  if (share === null || share === undefined) return t("common.na");
  return `${fmtNumber(Math.round(share * 1000) / 10)}%`;
}

// Vietnam has kept UTC+7 without daylight saving since 1975, so local calendar
// boundaries are plain arithmetic (the server does the same: bulletin periods).
const OFFSET_MS = 7 * 3600 * 1000;
const DAY_MS = 86400 * 1000;

// Start of today, of this week (Monday) and of this month, local, as Dates.
export function localPeriods(now = Date.now()) {
  const local = now + OFFSET_MS;
  const dayStart = Math.floor(local / DAY_MS) * DAY_MS;
  const weekday = (new Date(dayStart).getUTCDay() + 6) % 7; // Monday 0
  const weekStart = dayStart - weekday * DAY_MS;
  const ld = new Date(dayStart);
  const monthStart = Date.UTC(ld.getUTCFullYear(), ld.getUTCMonth(), 1);
  return {
    today: new Date(dayStart - OFFSET_MS),
    week: new Date(weekStart - OFFSET_MS),
    month: new Date(monthStart - OFFSET_MS),
  };
}
