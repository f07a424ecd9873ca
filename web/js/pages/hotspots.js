// pages/hotspots.js - Điểm nóng: the hot spots the early-warning run found (#/hotspots,
// filtered by status) and one of them (#/hotspots/<id>): its cells on a small map,
// the incidents in it, its notes, and for the commanders who may move it the status
// buttons (watch -> confirmed -> resolved, or back to watch). A page of its own
// rather than a panel of the map: the inbox, the live feed and the map's popups link
// to a hot spot by its address, and a phone has no room for a panel beside the map.
// The parts load when shown; Leaflet only with the detail's map.

import { h } from "../dom.js";
import { t } from "../i18n.js";

export function render(main, ctx) {
  const { segs } = ctx;
  const id = /^\d+$/.test(segs[1] || "") ? Number(segs[1]) : 0;
  const body = h("div", { class: "page-body" }, h("p", { class: "muted loading" }, t("app.loading")));
  main.append(
    h("div", { class: "page-head" }, h("h1", null, t("hotspots.title")), h("p", { class: "muted" }, t("hotspots.intro"))),
    body,
  );
  let cleanup = null;
  let gone = false;
  (id ? import("../hotspots/detail.js") : import("../hotspots/list.js"))
    .then((m) => {
      if (gone) return;
      body.textContent = "";
      cleanup = m.render(body, { ...ctx, id }) || null;
    })
    .catch(() => {
      if (!gone) body.textContent = t("error.load", { message: t("error.network") });
    });
  return () => {
    gone = true;
    if (cleanup) cleanup();
  };
}
