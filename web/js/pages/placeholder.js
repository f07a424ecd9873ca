// pages/placeholder.js - the pages that later rounds build (map, incidents, exchange,
// operations, administration) say so, in the page's language.

import { h } from "../dom.js";
import { t } from "../i18n.js";

export function render(main, ctx) {
  main.append(
    h(
      "section",
      { class: "panel placeholder" },
      h("h1", null, t(ctx.route.title)),
      h("p", { class: "building" }, t("page.building")),
      h("p", { class: "muted" }, t("page.building_detail")),
      h("p", null, h("a", { href: "#/dashboard" }, t("page.back_dashboard"))),
    ),
  );
}
