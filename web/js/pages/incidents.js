// pages/incidents.js - Vụ việc: #/incidents (the list and its search),
// #/incidents/new (the report form), #/incidents/<id or reference> (one incident).
// Each part is its own module (web/js/incidents/), loaded when first used, so the
// phone that only files a report never fetches the list or the detail page.

import { h } from "../dom.js";
import { t } from "../i18n.js";

const PARTS = {
  list: () => import("../incidents/list.js"),
  form: () => import("../incidents/form.js"),
  detail: () => import("../incidents/detail.js"),
};

export function render(main, ctx) {
  const sub = ctx.segs[1];
  const part = !sub ? "list" : sub === "new" ? "form" : "detail";
  let leave = null;
  let gone = false;
  PARTS[part]()
    .then((m) => {
      if (!gone) leave = m.render(main, ctx) || null;
    })
    .catch(() => {
      if (!gone) main.append(h("div", { class: "panel error", role: "alert" }, t("error.load", { message: t("error.network") })));
    });
  return () => {
    gone = true;
    if (leave) leave();
  };
}
