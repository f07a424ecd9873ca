// incidents/common.js - what the incident pages share: the categories and units
// (cached for the page load), badges, the fields each category asks for, the live
// feed, and raw fetches for attachments (bytes, not JSON).

import { api, ApiError, isAbort, sessionEnded, streamUrl, token } from "../api.js";
import { h } from "../dom.js";
import { currentLang, t } from "../i18n.js";

// ---- categories ------------------------------------------------------------------------
let catsP = null;
// Every category (inactive ones too: old incidents refer to them), in sort_order.
export function loadCategories() {
  if (!catsP)
    catsP = api("/categories?limit=500&include_inactive=1")
      .then((r) => [...r.items].sort((a, b) => a.sort_order - b.sort_order || a.id - b.id))
      .catch((e) => {
        catsP = null;
        throw e;
      });
  return catsP;
}

export function categoryName(cat, code) {
  if (!cat) return code || t("common.na");
  const name = currentLang() === "vi" ? cat.name_vi : cat.name_en;
  return name.charAt(0).toLocaleUpperCase(currentLang()) + name.slice(1);
}

// ---- units ---------------------------------------------------------------------------
const units = new Map(); // id -> Promise<unit|null>
export function loadUnit(id) {
  if (id === null || id === undefined) return Promise.resolve(null);
  if (!units.has(id))
    units.set(
      id,
      api(`/units/${id}`).catch((e) => {
        units.delete(id);
        if (e.status === 404) return null;
        throw e;
      }),
    );
  return units.get(id);
}

// Is the person's unit this unit or above it?
export function atOrAbove(user, unit) {
  return Boolean(user && unit && user.unit_id && (unit.id === user.unit_id || (unit.path || "").includes(`/${user.unit_id}/`)));
}

// ---- badges --------------------------------------------------------------------------
export function sevBadge(n) {
  return h("span", { class: `badge sev sev-${n}` }, t(`severity.${n}`));
}
export function statusBadge(s) {
  return h("span", { class: `badge st st-${s}` }, t(`status.${s}`));
}
export function overdueBadge() {
  return h("span", { class: "badge badge-danger" }, t("inc.overdue"));
}

// ---- the fields each category asks for -------------------------------------------------
// Every report asks title, severity, time, place, description and photos; these are
// the figures that matter for the category. The others are under "more details".
export const COUNT_FIELDS = ["people_involved", "vehicles_involved", "vessels_involved", "casualties_dead", "casualties_injured"];
export const CATEGORY_FIELDS = {
  crime: ["people_involved", "casualties_dead", "casualties_injured"],
  drugs: ["people_involved", "vehicles_involved"],
  smuggling: ["people_involved", "vehicles_involved", "vessels_involved"],
  illegal_border_crossing: ["people_involved", "vessels_involved"],
  illegal_fishing: ["vessels_involved", "people_involved"],
  public_order: ["people_involved"],
  mass_gathering: ["people_involved"],
  political_security: ["people_involved"],
  natural_disaster: ["casualties_dead", "casualties_injured", "damage"],
  search_rescue: ["people_involved", "vessels_involved", "casualties_dead", "casualties_injured"],
  epidemic: ["people_involved", "casualties_dead"],
  fire_explosion: ["casualties_dead", "casualties_injured", "damage"],
  accident: ["vehicles_involved", "casualties_dead", "casualties_injured", "damage"],
  maritime: ["vessels_involved", "people_involved", "casualties_dead", "casualties_injured", "damage"],
  defensive_zone: ["people_involved"],
  other: ["people_involved"],
};
export function fieldsFor(code) {
  return CATEGORY_FIELDS[code] || ["people_involved"];
}

export const CLASSIFICATIONS = ["unclassified", "confidential", "secret", "top_secret"];

// ---- bytes ---------------------------------------------------------------------------
export function byteLength(s) {
  return new TextEncoder().encode(s || "").length;
}

export function fmtSize(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// fetch() with the session's token for what api() does not do: a raw body (an
// attachment's bytes) or a binary answer. Resolves to the Response when ok.
export async function rawFetch(path, opts = {}) {
  const tk = token();
  if (!tk) {
    sessionEnded(false);
    throw new ApiError(401, "unauthenticated", "not logged in");
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method: opts.method || "GET",
      headers: { Authorization: `Bearer ${tk}`, "Accept-Language": currentLang(), ...opts.headers },
      body: opts.body,
      signal: opts.signal,
    });
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new ApiError(0, "network", e.message);
  }
  if (res.ok) return res;
  let err = {};
  try {
    err = ((await res.json()) || {}).error || {};
  } catch {
    /* h2o's own 413 is plain text */
  }
  if (res.status === 401) sessionEnded(true);
  throw new ApiError(res.status, err.code || (res.status === 413 ? "too_large" : ""), err.message, err.field || (res.status === 413 ? "file" : null));
}

// Upload one file to an incident: the bytes as the body (docs/API.md, "Attachments").
export async function uploadAttachment(incidentId, file, note) {
  const q = new URLSearchParams({ filename: (file.name || "anh.jpg").normalize("NFC") });
  if (note) q.set("note", note);
  const res = await rawFetch(`/incidents/${incidentId}/attachments?${q}`, { method: "POST", body: file });
  return res.json();
}

// ---- live feed ---------------------------------------------------------------------------
export const INCIDENT_TOPICS = [
  "incident.created",
  "incident.updated",
  "incident.status",
  "incident.transferred",
  "incident.merged",
  "incident.acknowledged",
  "incident.refused",
  "incident.overdue",
  "incident.escalated",
  "incident.attachment",
];

// Follow the incident events: onEvent(topic, data). Returns the function that stops.
// The browser reconnects by itself (resuming with Last-Event-ID); a refused
// reconnect asks /auth/me (which leads to the login page when the session is over)
// and tries again later.
export function followIncidents(onEvent, onState) {
  let es = null;
  let timer = null;
  let closed = false;
  const state = (s) => onState && onState(s);
  const connect = () => {
    state("connecting");
    es = new EventSource(streamUrl());
    es.onopen = () => state("online");
    es.onerror = async () => {
      if (closed) return;
      state("offline");
      if (es.readyState !== EventSource.CLOSED) return;
      try {
        await api("/auth/me");
      } catch (e) {
        if (e.status === 401) return;
      }
      if (!closed) timer = setTimeout(connect, 5000);
    };
    for (const topic of INCIDENT_TOPICS)
      es.addEventListener(topic, (ev) => {
        let d = {};
        try {
          d = JSON.parse(ev.data);
        } catch {
          /* a summary we cannot read: still an event */
        }
        onEvent(topic, d);
      });
  };
  connect();
  return () => {
    closed = true;
    clearTimeout(timer);
    if (es) es.close();
  };
}

export function loadingLine() {
  return h("p", { class: "muted loading" }, t("app.loading"));
}

export function failureLine(e) {
  return h("p", { class: "error", role: "alert" }, t("error.load", { message: e.status ? e.message : t("error.network") }));
}
