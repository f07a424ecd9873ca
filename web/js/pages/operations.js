// pages/operations.js - Tuần tra, kiểm soát: the list (#/operations), the calendar
// (#/operations/calendar), planning one by drawing it on the map (#/operations/new)
// and one operation with its live track and results log (#/operations/<id>). The
// parts load when shown; Leaflet only with a map.

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { may, subnav } from "../exchange/ui.js";

export function render(main, ctx) {
  const { user, segs } = ctx;
  const sub = segs[1] || "list";
  let part = /^\d+$/.test(sub) ? "detail" : sub;
  if (!["list", "calendar", "new", "detail"].includes(part) || (part === "new" && !may(user, "operation.plan"))) part = "list";
  const items = [
    ["#/operations", t("operations.tab.list"), "list"],
    ["#/operations/calendar", t("operations.tab.calendar"), "calendar"],
    may(user, "operation.plan") ? ["#/operations/new", t("operations.tab.new"), "new", { write: "operation.plan" }] : null,
  ].filter(Boolean);
  const body = h("div", { class: "page-body" }, h("p", { class: "muted loading" }, t("app.loading")));
  main.append(h("div", { class: "page-head" }, h("h1", null, t("nav.operations"))), subnav(t("operations.tab.label"), items, part), body);
  let cleanup = null;
  let gone = false;
  const load =
    part === "detail" ? import("../operations/detail.js") : part === "new" ? import("../operations/plan.js") : import("../operations/list.js");
  load
    .then((m) => {
      if (gone) return;
      body.textContent = "";
      const fn = part === "list" ? m.renderList : part === "calendar" ? m.renderCalendar : m.render;
      cleanup = fn(body, { ...ctx, id: Number(sub) }) || null;
    })
    .catch(() => {
      if (!gone) body.textContent = t("error.load", { message: t("error.network") });
    });
  return () => {
    gone = true;
    if (cleanup) cleanup();
  };
}
