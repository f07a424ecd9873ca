// pages/admin.js - Quản trị (administrators only: the route needs "admin"): units
// (#/admin, #/admin/units/<id|new>), people (#/admin/people/<id|new>), areas
// (#/admin/areas/<id>), routing rules and deadlines (#/admin/rules/<id|new>),
// incident categories (#/admin/categories) and the schedules of periodic bulletins
// (#/admin/schedules/<id|new>). Each part loads when shown.

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { subnav } from "../exchange/ui.js";

const PARTS = {
  units: () => import("../admin/units.js"),
  people: () => import("../admin/people.js"),
  areas: () => import("../admin/areas.js"),
  rules: () => import("../admin/rules.js"),
  categories: () => import("../admin/categories.js"),
  schedules: () => import("../admin/schedules.js"),
};

export function render(main, ctx) {
  const { segs } = ctx;
  const part = PARTS[segs[1]] ? segs[1] : "units";
  const items = Object.keys(PARTS).map((p) => [p === "units" ? "#/admin" : `#/admin/${p}`, t(`admin.tab.${p}`), p]);
  const body = h("div", { class: "page-body" }, h("p", { class: "muted loading" }, t("app.loading")));
  main.append(h("div", { class: "page-head" }, h("h1", null, t("nav.admin"))), subnav(t("admin.tab.label"), items, part), body);
  let cleanup = null;
  let gone = false;
  PARTS[part]()
    .then((m) => {
      if (gone) return;
      body.textContent = "";
      cleanup = m.render(body, { ...ctx, sub: segs[2] || null }) || null;
    })
    .catch(() => {
      if (!gone) body.textContent = t("error.load", { message: t("error.network") });
    });
  return () => {
    gone = true;
    if (cleanup) cleanup();
  };
}
