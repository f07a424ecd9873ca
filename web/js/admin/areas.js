// admin/areas.js - the administrative areas as a tree (province → district →
// commune, or province → commune after the 2025 reform) and one area's details and
// boundary on a small map.

import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { t } from "../i18n.js";
import { areasLayer, loadAreas, loadLeaflet } from "../areas-layer.js";
import { empty, failure, loading } from "../exchange/ui.js";
import { fold } from "../operations/unitpicker.js";

export function render(body, ctx) {
  const { sub } = ctx;
  const filter = h("input", { type: "search", id: "area-filter", class: "picker-filter", placeholder: t("admin.areas.filter"), "aria-label": t("admin.areas.filter"), autocomplete: "off" });
  const tree = h("div", { id: "area-tree", class: "area-tree" }, loading());
  const detail = h("div", { id: "area-detail" }, h("p", { class: "muted" }, t("admin.areas.pick")));
  const mapEl = h("div", { class: "op-map small-map", id: "area-map", "aria-label": t("admin.areas.map") });
  body.append(
    h(
      "div",
      { class: "admin-split" },
      h("section", { class: "panel" }, h("h2", null, t("admin.areas.title")), filter, tree),
      h("section", { class: "panel" }, detail, mapEl),
    ),
  );
  let map = null;
  let L = null;
  let highlight = null;
  let gone = false;
  (async () => {
    let areas;
    try {
      areas = await loadAreas();
    } catch (e) {
      if (!gone) fill(tree, failure(e));
      return;
    }
    if (gone) return;
    const kids = new Map();
    for (const a of areas) {
      const k = a.parent_id || 0;
      if (!kids.has(k)) kids.set(k, []);
      kids.get(k).push(a);
    }
    const ids = new Set(areas.map((a) => a.id));
    const branch = (list) =>
      h(
        "ul",
        { class: "tree" },
        list
          .sort((x, y) => x.name.localeCompare(y.name, "vi"))
          .map((a) =>
            h(
              "li",
              { dataset: { search: fold(`${a.name} ${a.code}`), id: a.id } },
              h("a", { href: `#/admin/areas/${a.id}`, "aria-current": String(a.id) === sub ? "true" : null }, a.name),
              h("span", { class: "muted small" }, ` ${a.code} · ${t(`admin.level.${a.level}`)} · ${t(`admin.kind.${a.kind}`)}`),
              kids.has(a.id) ? branch(kids.get(a.id)) : null,
            ),
          ),
      );
    const roots = areas.filter((a) => !a.parent_id || !ids.has(a.parent_id));
    fill(tree, roots.length ? branch(roots) : empty(t("admin.empty")));
    filter.addEventListener("input", () => {
      const q = fold(filter.value.trim());
      tree.querySelectorAll("li").forEach((li) => {
        li.hidden = Boolean(q) && ![li, ...li.querySelectorAll("li")].some((x) => x.dataset.search.includes(q));
      });
    });
    try {
      L = await loadLeaflet();
      if (gone) return;
      map = L.map(mapEl, { attributionControl: false, zoomSnap: 0.25 });
      areasLayer(L, areas, { tooltip: true }).addTo(map);
      map.setView([10.2, 106.4], 9);
      mapEl.dataset.ready = "1";
    } catch (e) {
      fill(mapEl, failure(e));
    }
    if (sub) show(Number(sub));
    else if (map) {
      const b = L.geoJSON({ type: "FeatureCollection", features: areas.filter((a) => a.geometry).map((a) => ({ type: "Feature", geometry: a.geometry })) }).getBounds();
      if (b.isValid()) map.fitBounds(b);
    }
  })();
  const show = async (id) => {
    let a;
    try {
      a = await api(`/areas/${id}?geometry=1`);
    } catch (e) {
      if (e.status !== 401) fill(detail, e.status === 404 ? empty(t("admin.not_found")) : failure(e));
      return;
    }
    if (gone) return;
    fill(
      detail,
      h("h2", { id: "area-name" }, a.name),
      h(
        "dl",
        { class: "meta" },
        h("dt", null, t("admin.f.code")),
        h("dd", null, a.code),
        h("dt", null, t("admin.f.level")),
        h("dd", null, t(`admin.level.${a.level}`)),
        h("dt", null, t("admin.areas.kind")),
        h("dd", null, t(`admin.kind.${a.kind}`)),
        h("dt", null, t("admin.areas.valid")),
        h("dd", null, `${a.valid_from.split("-").reverse().join("/")} – ${a.valid_to ? a.valid_to.split("-").reverse().join("/") : t("admin.areas.now")}`),
        h("dt", null, t("admin.version_label")),
        h("dd", null, String(a.version)),
      ),
    );
    if (map && a.geometry) {
      if (highlight) highlight.remove();
      highlight = L.geoJSON(a.geometry, { style: () => ({ color: "#c0392b", weight: 3, fillOpacity: 0.2 }) }).addTo(map);
      map.fitBounds(highlight.getBounds(), { padding: [16, 16] });
    }
  };
  return () => {
    gone = true;
    if (map) map.remove();
  };
}
