// hotspots/common.js - what the hot-spot page, the map's hot-spot layers, the
// dashboard's live feed and the Exchange inbox share: the names of trends and
// statuses, numbers shown as z-scores and p-values, the colours of the Gi* classes
// and of the density ramp, and how a hot-spot record reads in an inbox or a feed
// (docs/HOTSPOTS.md; the API is /api/v1/hotspots and /api/v1/analytics/...).

import { h } from "../dom.js";
import { currentLang, fmtDateTime, fmtNumber, t, tOr } from "../i18n.js";

export const STATUSES = ["watch", "confirmed", "resolved"];

// "new_hot" -> "Điểm nóng mới"; an unknown trend shows itself rather than nothing.
export function trendName(trend) {
  if (!trend) return t("common.na");
  return tOr(`hotspots.trend.${trend}`, trend);
}

export function statusName(status) {
  return tOr(`hotspots.status.${status}`, status || t("common.na"));
}

export function statusBadge(status) {
  return h("span", { class: `badge hs-st hs-st-${status}` }, statusName(status));
}

export function trendBadge(trend) {
  const cold = /_cold$/.test(trend || "");
  return h("span", { class: `badge hs-trend ${cold ? "hs-trend-cold" : "hs-trend-hot"}` }, trendName(trend));
}

// 2,91 (vi) / 2.91 (en).
export function fmtDec(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return t("common.na");
  return new Intl.NumberFormat(currentLang() === "vi" ? "vi-VN" : "en-GB", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(Number(v));
}

// p-values: three significant places down to 0,001, then "< 0,001".
export function fmtP(p) {
  if (p === null || p === undefined) return t("common.na");
  if (p < 0.001) return `< ${fmtDec(0.001, 3)}`;
  return fmtDec(p, 3);
}

// The categories of a record (codes) as names, or "all categories".
export function categoriesText(codes, cats) {
  if (!codes || !codes.length) return t("hotspots.all_categories");
  return codes
    .map((c) => {
      const k = cats && cats.get(c);
      if (!k) return c;
      const n = currentLang() === "vi" ? k.name_vi : k.name_en;
      return n.charAt(0).toLocaleUpperCase(currentLang()) + n.slice(1);
    })
    .join(", ");
}

// ---- colours ------------------------------------------------------------------------------
// Gi* classes by |z| (the conventional 95 / 99 / 99.9 % confidence steps); only cells
// significant after the false-discovery-rate correction are drawn.
const HOT = ["#fc9272", "#ef3b2c", "#a50f15"];
const COLD = ["#9ecae1", "#4292c6", "#08519c"];
export function zStep(z) {
  const a = Math.abs(Number(z) || 0);
  return a >= 3.29 ? 2 : a >= 2.58 ? 1 : 0;
}
export function giColor(kind, z) {
  return (kind === "cold" ? COLD : HOT)[zStep(z)];
}
export const GI_HOT = HOT;
export const GI_COLD = COLD;

// Density: a yellow-orange-red ramp over density / max (square root, so that the
// edges of a cluster still show).
export const DENSITY_RAMP = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"];
export function densityColor(d, max) {
  if (!max || !(d > 0)) return DENSITY_RAMP[0];
  const s = Math.sqrt(Math.min(1, d / max));
  return DENSITY_RAMP[Math.min(DENSITY_RAMP.length - 1, Math.floor(s * DENSITY_RAMP.length))];
}

// ---- in the inbox and the live feed -------------------------------------------------------
export function hotspotTitle(hs) {
  return t("hotspots.item_title", { trend: trendName(hs.trend), area: hs.area_name || t("common.na") });
}

// One inbox item {kind: "hotspot", hotspot: {...}} as an <li> like the others (the
// status is set on the hot spot's own page, where the commander sees its cells).
export function hotspotInboxItem(it) {
  const hs = it.hotspot || {};
  return h(
    "li",
    { class: `inbox-item hs-inbox${it.overdue ? " overdue" : ""}`, dataset: { kind: "hotspot", id: hs.id ?? "" } },
    h(
      "div",
      { class: "inbox-head" },
      it.overdue ? h("span", { class: "badge badge-danger" }, t("dash.inbox.overdue")) : null,
      h("span", { class: "badge hs-kind" }, t("hotspots.inbox.kind")),
      hs.status ? statusBadge(hs.status) : null,
    ),
    h("a", { href: `#/hotspots/${hs.id}`, class: "inbox-title" }, hotspotTitle(hs)),
    h(
      "p",
      { class: "inbox-meta" },
      t("hotspots.inbox.meta", {
        z: fmtDec(hs.z),
        n: fmtNumber(hs.incident_count || 0),
        time: fmtDateTime(hs.detected_at),
      }),
      " · ",
      t("hotspots.inbox.awaiting"),
    ),
  );
}

// The text and link of a "hotspot.detected" / "hotspot.status" event in a feed.
export function hotspotFeed(topic, d) {
  const base = hotspotTitle(d);
  const extra =
    topic === "hotspot.status" && d.status
      ? ` (${statusName(d.status)})`
      : d.incident_count !== undefined
        ? ` · ${t("hotspots.feed.incidents", { n: fmtNumber(d.incident_count) })}`
        : "";
  return { text: `${base}${extra}`, href: d.id ? `#/hotspots/${d.id}` : null };
}
