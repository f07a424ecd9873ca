// exchange/ui.js - what the exchange, operations and administration pages share:
// panels, sub-navigation, form fields with their error line, the 422 / 409 answers
// shown next to the field they name, the directory (units, people) cached for a
// minute, local times for <input type=datetime-local>, and a live-feed helper.

import { api, can, streamUrl } from "../api.js";
import { clear, h } from "../dom.js";
import { currentLang, t } from "../i18n.js";

export const FORCES = ["police", "military", "border_guard"];
export const LEVELS = ["unclassified", "confidential", "secret", "top_secret"];

// What a person may do beyond api.js's can() (docs/API.md: the server decides).
const PLANNERS = ["duty_officer", "commander", "coordinator"];
const WRITERS = ["reporter", "duty_officer", "commander", "coordinator"];
export function may(user, action) {
  const roles = (user && user.roles) || [];
  const any = (list) => roles.some((r) => list.includes(r));
  switch (action) {
    case "operation.plan":
    case "operation.status":
    case "draft.decide":
      return any(PLANNERS);
    case "operation.log":
      return any(WRITERS); // the people assigned (any role but viewer), or who may change it
    case "message.send":
      return any(WRITERS) && Boolean(user.unit_id);
    default:
      return can(user, action);
  }
}

// Classifications the person may give (not above their clearance).
export function levelsFor(user) {
  const i = LEVELS.indexOf(user.clearance || "unclassified");
  return LEVELS.slice(0, Math.max(0, i) + 1);
}

export function panel(id, title, ...body) {
  return h("section", { class: "panel", id, "aria-labelledby": `${id}-title` }, h("h2", { id: `${id}-title` }, title), ...body);
}

export function loading() {
  return h("p", { class: "muted loading" }, t("app.loading"));
}

export function errText(e) {
  if (!e) return "";
  if (!e.status) return t("error.network");
  return e.message || e.code;
}

export function failure(e) {
  return h("p", { class: "error", role: "alert" }, t("error.load", { message: errText(e) }));
}

// The page's sub-navigation: [[hash, labelKey, name]], the active one marked.
export function subnav(label, items, active) {
  return h(
    "nav",
    { class: "subnav", "aria-label": label },
    h(
      "ul",
      null,
      items.map(([href, text, name, extra]) =>
        h("li", null, h("a", { href, "aria-current": name === active ? "page" : null, dataset: { sub: name, ...(extra || {}) } }, text)),
      ),
    ),
  );
}

// A labelled form control with its error line. name: the API member it sets (the
// 422's `field`); control: an <input>, <select>, <textarea> or a group.
let fieldSeq = 0;
export function field(name, label, control, opts = {}) {
  const id = control.id || `f-${name.replace(/[^a-z0-9_]/gi, "-")}-${++fieldSeq}`;
  const grouped = !["INPUT", "SELECT", "TEXTAREA"].includes(control.tagName);
  if (!grouped) control.id = id;
  const err = h("p", { class: "field-error", id: `${id}-error`, role: "alert" });
  if (!grouped) control.setAttribute("aria-describedby", `${id}-error${opts.hint ? ` ${id}-hint` : ""}`);
  const labelEl = grouped
    ? h("span", { class: "field-label", id: `${id}-label` }, label)
    : h("label", { for: id }, label, opts.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null);
  if (grouped) {
    control.setAttribute("role", control.getAttribute("role") || "group");
    control.setAttribute("aria-labelledby", `${id}-label`);
    control.setAttribute("aria-describedby", `${id}-error`);
  }
  if (opts.required && !grouped) control.required = true;
  return h(
    "div",
    { class: `field${opts.class ? ` ${opts.class}` : ""}`, dataset: { field: name } },
    labelEl,
    control,
    opts.hint ? h("p", { class: "muted small hint", id: `${id}-hint` }, opts.hint) : null,
    err,
  );
}

export function input(attrs = {}) {
  return h("input", { type: "text", ...attrs });
}

export function select(options, value, attrs = {}) {
  return h(
    "select",
    attrs,
    options.map(([v, label]) => h("option", { value: v, selected: String(v) === String(value ?? "") ? true : null }, label)),
  );
}

export function textarea(attrs = {}, value = "") {
  const el = h("textarea", { rows: 4, ...attrs });
  el.value = value ?? "";
  return el;
}

export function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach((p) => {
    p.textContent = "";
  });
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  const fe = form.querySelector(".form-error");
  if (fe) fe.textContent = "";
}

// Show an error next to the field the server named (`sections.situation` falls back
// to `sections`, `incident.title` to `incident`), else at the form's foot. Returns
// the field's element when there was one.
export function showError(form, fieldName, message) {
  let name = fieldName || "";
  let box = null;
  while (name) {
    box = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (box) break;
    const dot = name.lastIndexOf(".");
    name = dot > 0 ? name.slice(0, dot) : "";
  }
  if (box) {
    box.querySelector(".field-error").textContent = message;
    const ctl = box.querySelector("input, select, textarea");
    if (ctl) {
      ctl.setAttribute("aria-invalid", "true");
      ctl.focus({ preventScroll: false });
    }
    return box;
  }
  const fe = form.querySelector(".form-error");
  if (fe) fe.textContent = message;
  return null;
}

// The API's message without the "member: " it starts with, when it names the field.
export function apiMessage(e) {
  if (!e.status) return t("error.network");
  if (e.status === 412) return t("exchange.ui.stale");
  if (e.status === 403) return t("exchange.ui.forbidden");
  let m = e.message || e.code;
  if (e.field && m.startsWith(`${e.field}: `)) m = m.slice(e.field.length + 2);
  return m;
}

// ---- the directory, cached for a minute -------------------------------------------------
const cache = new Map();
function cached(key, load, ttl = 60000) {
  const c = cache.get(key);
  if (c && Date.now() - c.at < ttl) return c.p;
  const p = load().catch((e) => {
    cache.delete(key);
    throw e;
  });
  cache.set(key, { at: Date.now(), p });
  return p;
}
export function forget(prefix) {
  for (const k of [...cache.keys()]) if (k.startsWith(prefix)) cache.delete(k);
}

async function allPages(path) {
  const out = [];
  let cursor = null;
  for (let i = 0; i < 20; i++) {
    const sep = path.includes("?") ? "&" : "?";
    const r = await api(`${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    out.push(...r.items);
    if (!r.next_cursor) break;
    cursor = r.next_cursor;
  }
  return out;
}
export { allPages };

export function units(includeInactive = false) {
  return cached(`units:${includeInactive}`, () => allPages(`/units${includeInactive ? "?include_inactive=1" : ""}`));
}
export async function unitMap(includeInactive = false) {
  return new Map((await units(includeInactive)).map((u) => [u.id, u]));
}
export function areas() {
  return cached("areas", () => allPages("/areas"));
}
export function person(id) {
  return cached(`person:${id}`, () => api(`/people/${id}`), 600000);
}
export function categories() {
  return cached("categories", () => allPages("/categories?include_inactive=1"));
}

export function categoryName(c) {
  if (!c) return t("common.na");
  const n = currentLang() === "vi" ? c.name_vi : c.name_en;
  return n.charAt(0).toLocaleUpperCase(currentLang()) + n.slice(1);
}

// Units grouped by force, for <select> and checkbox lists, in tree order.
export function byForce(list) {
  const out = new Map(FORCES.map((f) => [f, []]));
  for (const u of [...list].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (!out.has(u.force)) out.set(u.force, []);
    out.get(u.force).push(u);
  }
  return out;
}

export function depth(u) {
  return Math.max(0, (u.path || "").split("/").filter(Boolean).length - 1);
}

// ---- times: Asia/Ho_Chi_Minh is UTC+7 all year ------------------------------------------
const OFFSET = 7 * 3600 * 1000;
// "2026-03-01T08:00" (local) for <input type=datetime-local>.
export function toLocalInput(v) {
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) return "";
  return new Date(d.getTime() + OFFSET).toISOString().slice(0, 16);
}
// RFC 3339 for the API from a datetime-local value ("" → null).
export function fromLocalInput(s) {
  if (!s) return null;
  const d = new Date(`${s.length === 16 ? `${s}:00` : s}+07:00`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
// YYYY-MM-DD (local) for <input type=date>, and back to the start of that day.
export function toLocalDate(v) {
  return toLocalInput(v).slice(0, 10);
}
export function fromLocalDate(s, endOfDay = false) {
  if (!s) return null;
  const d = new Date(`${s}T00:00:00+07:00`);
  if (Number.isNaN(d.getTime())) return null;
  return new Date(d.getTime() + (endOfDay ? 86400000 : 0)).toISOString();
}

export function forceBadge(force) {
  return h("span", { class: `badge force-badge fb-${force}` }, t(`force.${force}`));
}

export function empty(text) {
  return h("p", { class: "muted empty" }, text);
}

// A live feed of the given topics (each handler(data)); returns the function that
// closes it. Reconnects by itself (EventSource), and after a refusal once the
// session is checked (a 401 there leads to the login page through api.js).
export function live(handlers, onState) {
  let es = null;
  let closed = false;
  let retry = null;
  const connect = () => {
    es = new EventSource(streamUrl());
    es.onopen = () => onState && onState("online");
    es.onerror = async () => {
      if (closed) return;
      if (onState) onState("offline");
      if (es.readyState !== EventSource.CLOSED) return;
      try {
        await api("/auth/me");
      } catch (e) {
        if (e.status === 401) return;
      }
      if (!closed) retry = setTimeout(connect, 5000);
    };
    for (const [topic, fn] of Object.entries(handlers))
      es.addEventListener(topic, (ev) => {
        let d = {};
        try {
          d = JSON.parse(ev.data);
        } catch {
          return;
        }
        fn(d, topic);
      });
  };
  connect();
  return () => {
    closed = true;
    clearTimeout(retry);
    if (es) es.close();
  };
}

export function liveBadge() {
  const el = h("span", { class: "live-state", role: "status" });
  const set = (k) => {
    el.textContent = t(`dash.live.${k}`);
    el.className = `live-state live-${k}`;
  };
  set("connecting");
  return [el, set];
}

// A small confirmation with a required text (cancel reason, dismiss reason): resolves
// to the text or null.
export function promptReason(anchor, label, submitLabel) {
  return new Promise((resolve) => {
    const ta = textarea({ rows: 2, required: true });
    const form = h("form", { class: "inline-form", novalidate: true });
    const f = field("reason", label, ta, { required: true });
    const done = (v) => {
      form.remove();
      resolve(v);
    };
    form.append(
      f,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", class: "btn btn-small btn-primary" }, submitLabel),
        h("button", { type: "button", class: "btn btn-small", onclick: () => done(null) }, t("exchange.ui.cancel")),
      ),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const v = ta.value.trim();
      if (!v) {
        showError(form, "reason", t("exchange.ui.required"));
        return;
      }
      done(v);
    });
    anchor.after(form);
    ta.focus();
  });
}

export { clear, h };
