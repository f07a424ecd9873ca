// datetime.js - a date and time field that reads and writes dd/mm/yyyy HH:mm (24-hour)
// in Asia/Ho_Chi_Minh whatever the browser's locale: <input type=datetime-local>
// shows mm/dd and AM/PM on an English-locale browser, and the forces write dd/mm.
// The field is a text box (typed, pasted, corrected from the keyboard), checked on
// leaving it, with a button that opens the browser's own calendar (showPicker() of a
// hidden native input) where the browser has one. The date-only form (dateOnly:
// true) reads dd/mm/yyyy.
//
// Besides dd/mm/yyyy HH:mm it accepts d/m/yyyy H:mm, "-" or "." between the date's
// parts, "h" between the hours and minutes (8h30), and the ISO form
// yyyy-mm-ddTHH:mm (what the native inputs used to hold: drafts kept before this
// field, scripts, tests).

import { h } from "./dom.js";
import { t } from "./i18n.js";

// Vietnam has kept UTC+7 without daylight saving since 1975.
const OFFSET_MS = 7 * 3600 * 1000;

const pad = (n) => String(n).padStart(2, "0");

function daysIn(y, m) {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function toDate(v) {
  if (v === null || v === undefined || v === "") return null;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

// "29/11/2026 06:34" (or "29/11/2026") in Vietnam's time; "" for no time.
export function formatDateTime(v, dateOnly = false) {
  const d = toDate(v);
  if (!d) return "";
  const l = new Date(d.getTime() + OFFSET_MS);
  const day = `${pad(l.getUTCDate())}/${pad(l.getUTCMonth() + 1)}/${l.getUTCFullYear()}`;
  return dateOnly ? day : `${day} ${pad(l.getUTCHours())}:${pad(l.getUTCMinutes())}`;
}

// The Date a text means in Vietnam's time: null when empty, undefined when it is not
// a date and time (or not a date, when dateOnly).
export function parseDateTime(s, dateOnly = false) {
  const str = String(s ?? "").trim();
  if (!str) return null;
  let y;
  let mo;
  let d;
  let hh = 0;
  let mi = 0;
  const time = dateOnly ? "" : "(?:[ T,]+(\\d{1,2})\\s*[:hH.]\\s*(\\d{2})(?::\\d{2}(?:\\.\\d+)?)?)?";
  let m = new RegExp(`^(\\d{4})-(\\d{1,2})-(\\d{1,2})${time}$`).exec(str);
  if (m) [, y, mo, d, hh = 0, mi = 0] = m;
  else {
    m = new RegExp(`^(\\d{1,2})[/.-](\\d{1,2})[/.-](\\d{4}|\\d{2})${time}$`).exec(str);
    if (!m) return undefined;
    [, d, mo, y, hh = 0, mi = 0] = m;
    if (y.length === 2) y = `20${y}`;
  }
  if (!dateOnly && m[4] === undefined) return undefined; // the time is required
  [y, mo, d, hh, mi] = [y, mo, d, hh, mi].map(Number);
  if (y < 1900 || y > 2999 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || hh > 23 || mi > 59) return undefined;
  return new Date(Date.UTC(y, mo - 1, d, hh, mi) - OFFSET_MS);
}

// The native inputs' value ("2026-11-29T06:34" / "2026-11-29") for a Date.
function nativeValue(d, dateOnly) {
  const iso = new Date(d.getTime() + OFFSET_MS).toISOString();
  return dateOnly ? iso.slice(0, 10) : iso.slice(0, 16);
}

// A small calendar drawn in SVG (no icon font, no image to fetch).
function calendarIcon() {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "18");
  svg.setAttribute("height", "18");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const [tag, attrs] of [
    ["rect", { x: 1.5, y: 3, width: 13, height: 11.5, rx: 1.5, fill: "none", stroke: "currentColor", "stroke-width": 1.5 }],
    ["path", { d: "M1.5 6.5h13M5 1.5v3M11 1.5v3", stroke: "currentColor", "stroke-width": 1.5, fill: "none" }],
    ["rect", { x: 4, y: 8.5, width: 2.5, height: 2, fill: "currentColor" }],
    ["rect", { x: 9, y: 8.5, width: 2.5, height: 2, fill: "currentColor" }],
  ]) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    svg.append(e);
  }
  return svg;
}

let seq = 0;

// opts: name, id, value (Date, RFC 3339, ms or null), required, dateOnly, label (the
// field's name, for the picker button's accessible name), onChange(date|null).
// Returns { input, el, date(), iso(), state(), set(v), place() }:
//   input  the text box (give it to a form's field() helper as the control);
//   el     the input with its picker button (what to put in the form);
//   place() after a field() helper has moved the input into its own markup, puts the
//          button back beside it;
//   state() "empty" | "invalid" | "ok"; date() the Date or null; iso() RFC 3339 or null.
export function dateTimeInput(opts = {}) {
  const dateOnly = Boolean(opts.dateOnly);
  const n = ++seq;
  const input = h("input", {
    type: "text",
    name: opts.name || null,
    id: opts.id || null,
    class: "dt-input",
    inputmode: "numeric",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: t(dateOnly ? "dt.placeholder_date" : "dt.placeholder"),
    title: t(dateOnly ? "dt.format_date" : "dt.format"),
    maxlength: 24,
    required: opts.required ? true : null,
  });
  input.value = formatDateTime(opts.value, dateOnly);
  input.defaultValue = input.value;
  const el = h("span", { class: "dt-field" }, input);

  const state = () => {
    const d = parseDateTime(input.value, dateOnly);
    return d === null ? "empty" : d === undefined ? "invalid" : "ok";
  };
  const date = () => parseDateTime(input.value, dateOnly) || null;
  const changed = () => {
    if (opts.onChange) opts.onChange(date());
  };

  // Leaving the field: the canonical form, or the mark of a wrong one.
  input.addEventListener("blur", () => {
    const d = parseDateTime(input.value, dateOnly);
    if (d) {
      const canon = formatDateTime(d, dateOnly);
      if (canon !== input.value) {
        input.value = canon;
        input.dispatchEvent(new Event("input", { bubbles: true }));
      }
    }
    if (d === undefined) input.setAttribute("aria-invalid", "true");
  });
  input.addEventListener("input", () => {
    // A correction takes back the message of the field (field() helpers name it
    // "<id>-error").
    if (input.getAttribute("aria-invalid")) input.removeAttribute("aria-invalid");
    const err = input.id && document.getElementById(`${input.id}-error`);
    if (err) err.textContent = "";
    changed();
  });

  // The browser's calendar, where it has showPicker() on date inputs.
  const native = h("input", {
    type: dateOnly ? "date" : "datetime-local",
    class: "dt-native",
    tabindex: "-1",
    "aria-hidden": "true",
    step: dateOnly ? null : 60,
  });
  if (typeof native.showPicker === "function") {
    const btn = h(
      "button",
      {
        type: "button",
        class: "btn btn-small dt-pick",
        id: `dt-pick-${n}`,
        "aria-label": opts.label ? t("dt.pick_for", { field: opts.label }) : t("dt.pick"),
        title: t("dt.pick"),
      },
      calendarIcon(),
    );
    btn.addEventListener("click", () => {
      const d = date() || new Date();
      native.value = nativeValue(d, dateOnly);
      try {
        native.showPicker();
      } catch {
        input.focus(); // not allowed here: typing still works
      }
    });
    native.addEventListener("change", () => {
      if (!native.value) return;
      const d = parseDateTime(native.value, dateOnly);
      if (!d) return;
      input.value = formatDateTime(d, dateOnly);
      input.removeAttribute("aria-invalid");
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
      input.focus();
    });
    el.append(native, btn);
  }

  return {
    input,
    el,
    state,
    date,
    iso: () => {
      const d = date();
      return d ? d.toISOString() : null;
    },
    set(v) {
      input.value = formatDateTime(v, dateOnly);
      input.removeAttribute("aria-invalid");
    },
    // The text unchanged since it was set (the form's default value).
    untouched: () => input.value === input.defaultValue,
    place() {
      if (input.parentNode === el) return;
      if (input.parentNode) input.replaceWith(el);
      el.prepend(input);
    },
  };
}
