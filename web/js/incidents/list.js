// incidents/list.js - Vụ việc: the list, newest first, with the full-text search
// (no diacritics needed: "dang thach" finds "Đặng Thạch") and filters (category,
// status, severity, time, overdue, my unit), "load more" paging, and new incidents
// arriving live. The filters live in the address (#/incidents?q=...), so a list
// can be bookmarked and the back button works.

import { api, can } from "../api.js";
import { clear, h } from "../dom.js";
import { fmtDateTime, t } from "../i18n.js";
import { dateTimeInput } from "../datetime.js";
import { fromLocalDate, toLocalDate } from "../exchange/ui.js";
import {
  categoryName,
  failureLine,
  followIncidents,
  loadCategories,
  loadingLine,
  loadUnit,
  overdueBadge,
  sevBadge,
  statusBadge,
} from "./common.js";

const PAGE = 50;
const STATUSES = ["new", "acknowledged", "responding", "resolved", "closed", "transferred", "merged"];
const FILTERS = ["q", "category", "status", "severity_min", "from", "to", "overdue", "mine"];

// "2026-11-29" (a local day in Vietnam) to the RFC 3339 start of that day.
function dayStart(s) {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00+07:00` : null;
}
function nextDayStart(s) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return null;
  const d = new Date(`${s}T00:00:00+07:00`);
  return new Date(d.getTime() + 86400000).toISOString();
}

export function render(main, ctx) {
  const user = ctx.user;
  const params = ctx.params || new URLSearchParams();
  const f = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) || ""]));
  const cleanups = [];
  let alive = true;
  cleanups.push(() => {
    alive = false;
  });

  const q = h("input", {
    type: "search",
    id: "inc-q",
    name: "q",
    value: f.q,
    autocomplete: "off",
    placeholder: t("inc.list.search_placeholder"),
    enterkeyhint: "search",
  });
  const cat = h("select", { id: "inc-f-category", name: "category" }, h("option", { value: "" }, t("inc.list.all_categories")));
  const status = h(
    "select",
    { id: "inc-f-status", name: "status" },
    h("option", { value: "" }, t("inc.list.all_statuses")),
    STATUSES.map((s) => h("option", { value: s, selected: s === f.status }, t(`status.${s}`))),
  );
  const sev = h(
    "select",
    { id: "inc-f-severity", name: "severity_min" },
    h("option", { value: "" }, t("inc.list.all_severities")),
    [2, 3, 4].map((n) => h("option", { value: n, selected: String(n) === f.severity_min }, t("inc.list.severity_min", { level: t(`severity.${n}`) }))),
  );
  // dd/mm/yyyy whatever the browser's locale (datetime.js); yyyy-mm-dd in the address.
  const fromDt = dateTimeInput({ id: "inc-f-from", name: "from", dateOnly: true, label: t("inc.list.from"), value: fromLocalDate(f.from) });
  const toDt = dateTimeInput({ id: "inc-f-to", name: "to", dateOnly: true, label: t("inc.list.to"), value: fromLocalDate(f.to) });
  const day = (dt) => (dt.date() ? toLocalDate(dt.date()) : "");
  const overdue = h("input", { type: "checkbox", id: "inc-f-overdue", name: "overdue", checked: f.overdue === "1" });
  const mine = h("input", { type: "checkbox", id: "inc-f-mine", name: "mine", checked: f.mine === "1" });
  const reset = h("button", { type: "button", class: "btn btn-small btn-plain", id: "inc-f-reset" }, t("inc.list.reset"));
  const lab = (id, key, el) => h("div", { class: "filter" }, h("label", { for: id }, t(key)), el);
  const filters = h(
    "form",
    { class: "panel inc-filters", id: "inc-filters", role: "search", "aria-label": t("inc.list.filters") },
    h(
      "div",
      { class: "search-row" },
      h("label", { for: "inc-q", class: "visually-hidden" }, t("inc.list.search")),
      q,
      h("button", { type: "submit", class: "btn btn-primary" }, t("inc.list.search")),
    ),
    h(
      "details",
      { class: "filter-more", open: Boolean(f.category || f.status || f.severity_min || f.from || f.to || f.overdue || f.mine) || null },
      h("summary", null, t("inc.list.filters")),
      h(
        "div",
        { class: "filter-grid" },
        lab("inc-f-category", "inc.f.category", cat),
        lab("inc-f-status", "inc.f.status", status),
        lab("inc-f-severity", "inc.f.severity", sev),
        lab("inc-f-from", "inc.list.from", fromDt.el),
        lab("inc-f-to", "inc.list.to", toDt.el),
        h(
          "div",
          { class: "filter checks" },
          h("label", { class: "check" }, overdue, t("inc.list.overdue_only")),
          user.unit_id ? h("label", { class: "check" }, mine, t("inc.list.mine")) : null,
        ),
        h("div", { class: "filter" }, reset),
      ),
    ),
  );
  const summary = h("p", { class: "muted small", id: "inc-summary", role: "status" });
  const liveNote = h("div", { class: "live-note", id: "inc-live-note", hidden: true });
  const list = h("ol", { class: "inc-list", id: "inc-list", "aria-label": t("inc.list.title") });
  const box = h("div", { class: "inc-list-box" }, loadingLine());
  const more = h("button", { type: "button", class: "btn btn-wide", id: "inc-more-btn", hidden: true }, t("inc.list.more"));

  main.append(
    h(
      "div",
      { class: "page-head inc-head" },
      h("h1", null, t("nav.incidents")),
      can(user, "incident.create")
        ? h("a", { class: "btn btn-primary", href: "#/incidents/new", dataset: { write: "incident.create" } }, t("action.new_incident"))
        : null,
    ),
    filters,
    h("section", { class: "panel", "aria-labelledby": "inc-list-title" }, h("h2", { id: "inc-list-title", class: "visually-hidden" }, t("inc.list.title")), summary, liveNote, box, more),
  );

  let cats = new Map();
  let cursor = null;
  let shown = 0;
  let reqSeq = 0;

  function current() {
    return {
      q: q.value.trim(),
      category: cat.value,
      status: status.value,
      severity_min: sev.value,
      from: day(fromDt),
      to: day(toDt),
      overdue: overdue.checked ? "1" : "",
      mine: mine.checked ? "1" : "",
    };
  }
  const filtered = (c) => Object.values(c).some(Boolean);

  function query(c, cur) {
    const p = new URLSearchParams({ limit: String(PAGE) });
    if (c.q) p.set("q", c.q);
    if (c.category) p.set("category", c.category);
    if (c.status) p.set("status", c.status);
    if (c.severity_min) p.set("severity_min", c.severity_min);
    if (c.from && dayStart(c.from)) p.set("from", dayStart(c.from));
    if (c.to && nextDayStart(c.to)) p.set("to", nextDayStart(c.to));
    if (c.overdue) p.set("overdue", "true");
    if (c.mine && user.unit_id) p.set("unit_id", String(user.unit_id));
    if (cur) p.set("cursor", cur);
    return `/incidents?${p}`;
  }

  function row(inc, fresh) {
    const c = cats.get(inc.category);
    const lead = h("span", { class: "inc-lead" }, inc.lead_force ? t(`force.${inc.lead_force}`) : "");
    loadUnit(inc.lead_unit_id)
      .then((u) => {
        if (u) lead.textContent = u.name;
      })
      .catch(() => {});
    return h(
      "li",
      { class: `inc-row${inc.overdue ? " overdue" : ""}${fresh ? " fresh" : ""}`, dataset: { id: inc.id, ref: inc.ref } },
      h(
        "a",
        { href: `#/incidents/${inc.id}`, class: "inc-link" },
        h(
          "span",
          { class: "inc-top" },
          h("span", { class: "inc-ref" }, inc.ref),
          h("time", { datetime: inc.occurred_at }, fmtDateTime(inc.occurred_at)),
        ),
        h("span", { class: "inc-title" }, inc.title),
      ),
      h(
        "span",
        { class: "inc-badges" },
        inc.overdue ? overdueBadge() : null,
        h("span", { class: "badge cat" }, categoryName(c, inc.category)),
        sevBadge(inc.severity),
        statusBadge(inc.status),
        inc.cap_status && inc.cap_status !== "actual" ? h("span", { class: "badge" }, t(`inc.cap.${inc.cap_status}`)) : null,
      ),
      h("span", { class: "inc-meta muted small" }, t("inc.list.lead"), " ", h("span", { class: `force-dot force-${inc.lead_force}` }), " ", lead),
    );
  }

  async function load(append) {
    const my = ++reqSeq;
    const c = current();
    if (!append) {
      cursor = null;
      shown = 0;
      more.hidden = true;
      if (!box.contains(list)) clear(box).append(loadingLine());
      else box.classList.add("busy");
    }
    more.disabled = true;
    let r;
    try {
      r = await api(query(c, append ? cursor : null));
    } catch (e) {
      if (!alive || my !== reqSeq) return;
      box.classList.remove("busy");
      more.disabled = false;
      if (e.status === 401) return;
      if (e.status === 400 && e.field === "q") clear(box).append(h("p", { class: "error" }, t("inc.list.bad_query")));
      else clear(box).append(failureLine(e));
      return;
    }
    if (!alive || my !== reqSeq) return;
    box.classList.remove("busy");
    if (!append) {
      clear(list);
      clear(box).append(list);
    }
    for (const inc of r.items) list.append(row(inc, false));
    shown += r.items.length;
    cursor = r.next_cursor;
    more.hidden = !cursor;
    more.disabled = false;
    if (!shown) clear(box).append(h("p", { class: "muted", id: "inc-empty" }, filtered(c) ? t("inc.list.none_match") : t("inc.list.none")));
    summary.textContent = cursor ? t("inc.list.count_more", { n: shown }) : t("inc.list.count", { n: shown });
  }

  // The filters into the address without a navigation (the page stays as it is).
  function remember() {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(current())) if (v) p.set(k, v);
    const s = p.toString();
    history.replaceState(null, "", `#/incidents${s ? `?${s}` : ""}`);
  }

  let qTimer = null;
  const apply = () => {
    clearTimeout(qTimer);
    liveNote.hidden = true;
    pendingNew = 0;
    remember();
    load(false);
  };
  filters.addEventListener("submit", (e) => {
    e.preventDefault();
    apply();
  });
  q.addEventListener("input", () => {
    clearTimeout(qTimer);
    qTimer = setTimeout(apply, 350);
  });
  filters.addEventListener("change", (e) => {
    if (e.target !== q) apply();
  });
  reset.addEventListener("click", () => {
    q.value = "";
    cat.value = "";
    status.value = "";
    sev.value = "";
    fromDt.input.value = "";
    toDt.input.value = "";
    overdue.checked = false;
    mine.checked = false;
    apply();
  });
  more.addEventListener("click", () => load(true));
  cleanups.push(() => clearTimeout(qTimer));

  // New incidents: on top at once when nothing filters the list; otherwise a note
  // offering to refresh (whether it matches a search is the server's to say).
  let pendingNew = 0;
  const seen = new Set();
  cleanups.push(
    followIncidents((topic, d) => {
      if (!alive || !d.id) return;
      if (topic === "incident.created" && !seen.has(d.id)) {
        seen.add(d.id);
        if (!filtered(current()) && box.contains(list)) {
          api(`/incidents/${d.id}`)
            .then((inc) => {
              if (alive && !list.querySelector(`[data-id="${inc.id}"]`)) {
                list.prepend(row(inc, true));
                shown++;
                summary.textContent = cursor ? t("inc.list.count_more", { n: shown }) : t("inc.list.count", { n: shown });
              }
            })
            .catch(() => {});
        } else {
          pendingNew++;
          liveNote.hidden = false;
          liveNote.replaceChildren(
            h("button", { type: "button", class: "btn btn-small", onclick: apply }, t("inc.list.new_arrived", { n: pendingNew })),
          );
        }
        return;
      }
      // A change to an incident on the list: its row follows (status, overdue ...).
      const li = list.querySelector(`[data-id="${d.id}"]`);
      if (li)
        api(`/incidents/${d.id}`)
          .then((inc) => {
            if (alive && li.isConnected) li.replaceWith(row(inc, li.classList.contains("fresh")));
          })
          .catch(() => {});
    }),
  );

  loadCategories()
    .then((all) => {
      cats = new Map(all.map((c) => [c.code, c]));
      cat.append(...all.map((c) => h("option", { value: c.code, selected: c.code === f.category }, categoryName(c))));
    })
    .catch(() => {})
    .finally(() => {
      if (alive) load(false);
    });

  return () => cleanups.forEach((fn) => fn());
}
