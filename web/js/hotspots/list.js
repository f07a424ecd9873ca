// hotspots/list.js - the hot-spot records, newest first (GET /api/v1/hotspots), filtered
// by status; each row leads to the record. Administrators and coordinators may run the
// early-warning detection now (POST /api/v1/hotspots/detect). Refreshed from the live
// feed ("hotspot.detected", "hotspot.status").

import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { fmtDateTime, fmtNumber, t } from "../i18n.js";
import { categories, empty, failure, field, live, liveBadge, loading, select } from "../exchange/ui.js";
import { STATUSES, categoriesText, fmtDec, statusBadge, trendBadge } from "./common.js";

export function mayDetect(user) {
  const roles = (user && user.roles) || [];
  return roles.includes("admin") || roles.includes("coordinator");
}

export function render(body, ctx) {
  const { user, params } = ctx;
  const initial = STATUSES.includes(params.get("status")) ? params.get("status") : "";
  const status = select([["", t("hotspots.filter.all")], ...STATUSES.map((s) => [s, t(`hotspots.status.${s}`)])], initial, {
    name: "status",
    id: "hs-filter-status",
  });
  const filters = h("form", { class: "filters", role: "search", "aria-label": t("hotspots.filter.label") }, field("status", t("hotspots.filter.status"), status));
  status.addEventListener("change", () => {
    location.hash = `#/hotspots${status.value ? `?status=${status.value}` : ""}`;
  });
  filters.addEventListener("submit", (e) => e.preventDefault());

  const detectMsg = h("p", { class: "ack-status", role: "status", "aria-live": "polite" });
  const detect = mayDetect(user)
    ? h("button", { type: "button", class: "btn btn-small", id: "hs-detect", dataset: { write: "hotspot.detect" } }, t("hotspots.detect"))
    : null;

  const tbody = h("tbody");
  const table = h(
    "table",
    { class: "list-table", id: "hotspot-list" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        ["hotspots.col.hotspot", "hotspots.col.status", "hotspots.col.area", "hotspots.col.z", "hotspots.col.incidents", "hotspots.col.detected"].map((k, i) =>
          h("th", { scope: "col", class: i === 3 || i === 4 ? "num" : null }, t(k)),
        ),
      ),
    ),
    tbody,
  );
  const state = h("div", null, loading());
  const more = h("button", { type: "button", class: "btn", hidden: true }, t("hotspots.more"));
  const [liveState, setLive] = liveBadge();
  body.append(
    h(
      "section",
      { class: "panel", "aria-labelledby": "hs-list-title" },
      h("div", { class: "panel-head" }, h("h2", { id: "hs-list-title" }, t("hotspots.list_title")), liveState),
      h("div", { class: "hs-list-tools" }, filters, detect ? h("div", { class: "actions" }, detect, detectMsg) : null),
      h("div", { class: "table-wrap" }, table),
      state,
      more,
    ),
  );

  let cats = new Map();
  let before = null;
  let gone = false;
  let seq = 0;
  let n = 0;
  const row = (p) =>
    h(
      "tr",
      { class: p.status === "resolved" ? "inactive" : null, dataset: { id: p.id, status: p.status } },
      h(
        "td",
        null,
        h("a", { href: `#/hotspots/${p.id}` }, trendBadge(p.trend), " ", t("hotspots.ref", { id: p.id })),
        h("span", { class: "muted small hs-cats" }, categoriesText(p.categories, cats)),
      ),
      h("td", { dataset: { label: t("hotspots.col.status") } }, statusBadge(p.status)),
      h("td", { dataset: { label: t("hotspots.col.area") } }, p.area_name || t("common.na")),
      h("td", { class: "num", dataset: { label: t("hotspots.col.z") } }, fmtDec(p.z)),
      h("td", { class: "num", dataset: { label: t("hotspots.col.incidents") } }, fmtNumber(p.incident_count || 0)),
      h("td", { class: "nowrap", dataset: { label: t("hotspots.col.detected") } }, fmtDateTime(p.detected_at)),
    );
  const page = async (reset) => {
    const my = ++seq;
    if (reset) {
      before = null;
      n = 0;
    }
    const q = new URLSearchParams({ limit: "50" });
    if (status.value) q.set("status", status.value);
    if (before) q.set("before", before);
    more.hidden = true;
    let r;
    try {
      r = await api(`/hotspots?${q}`);
    } catch (e) {
      if (!gone && my === seq && e.status !== 401) fill(state, failure(e));
      return;
    }
    if (gone || my !== seq) return;
    if (reset) tbody.textContent = "";
    const feats = r.features || [];
    for (const f of feats) tbody.append(row(f.properties || {}));
    n += feats.length;
    before = r.next_before;
    more.hidden = !(r.has_more && before);
    fill(state, n ? h("p", { class: "muted small", id: "hs-count" }, t("hotspots.count", { n: fmtNumber(n) })) : empty(t("hotspots.empty")));
    table.hidden = n === 0;
  };
  more.addEventListener("click", () => page(false));
  if (detect)
    detect.addEventListener("click", async () => {
      detect.disabled = true;
      detectMsg.textContent = t("hotspots.detect_running");
      try {
        const r = await api("/hotspots/detect", { method: "POST" });
        detectMsg.textContent = t("hotspots.detect_done", { n: fmtNumber((r && r.created) || 0) });
        page(true);
      } catch (e) {
        detectMsg.textContent = t("hotspots.detect_failed", { message: e.status ? e.message : t("error.network") });
      } finally {
        detect.disabled = false;
      }
    });
  categories()
    .then((list) => {
      cats = new Map(list.map((c) => [c.code, c]));
    })
    .catch(() => {})
    .finally(() => {
      if (!gone) page(true);
    });
  let timer = null;
  const soon = () => {
    if (!timer)
      timer = setTimeout(() => {
        timer = null;
        if (!gone) page(true);
      }, 1500);
  };
  const close = live({ "hotspot.detected": soon, "hotspot.status": soon }, setLive);
  return () => {
    gone = true;
    clearTimeout(timer);
    close();
  };
}
