// map/hotspots.js - the map page's hot-spot layers, all off by default and loaded
// only when switched on (and again when the page's time, category or force filters
// change, which become the analyses' since/until/category/force):
//   "Điểm nóng (Gi*)": GET /api/v1/analytics/gistar, the cells significant after the
//     false-discovery-rate correction as polygons (hot red, cold blue, darker with |z|);
//   "Mật độ": GET /api/v1/analytics/density, a translucent colour ramp drawn on a
//     canvas (thousands of cells stay smooth, and nothing on it takes clicks);
//   "Điểm nóng đã phát hiện": the open records of GET /api/v1/hotspots (watch and
//     confirmed), outlined, with a popup leading to the record's page.
// A small legend (a map control) says what the colours mean while a layer is on.
// The server counts only incidents the person may see.
//
// map.js: const hs = hotspotControls(); put hs.toggles into the layers fieldset;
// once the map exists hs.attach({L, map, period, category, force, setSummary});
// hs.change(id) on filter changes; hs.destroy() when leaving.

import { abortReason, api, isAbort } from "../api.js";
import { fill, h } from "../dom.js";
import { fmtDateTime, fmtNumber, t } from "../i18n.js";
import {
  DENSITY_RAMP,
  GI_COLD,
  GI_HOT,
  categoriesText,
  densityColor,
  fmtDec,
  fmtP,
  giColor,
  statusName,
  trendName,
} from "../hotspots/common.js";

const LAYERS = ["layer-hs-gistar", "layer-hs-density", "layer-hs-records"];
const FILTERS = ["map-period", "map-from", "map-to", "map-category", "map-force"];
// Above the areas (200-230) and operations (overlayPane 400 sits above these), under
// the labels (450) and the markers (600).
const PANES = [
  ["ph-hs-density", 340],
  ["ph-hs-gistar", 350],
  ["ph-hs-records", 360],
];

function toggle(id, labelKey) {
  return h(
    "div",
    { class: "check" },
    h("input", { type: "checkbox", id, name: id }),
    h("label", { for: id }, t(labelKey)),
  );
}

function facts(rows) {
  return h(
    "dl",
    { class: "map-facts" },
    rows.filter((r) => r[1] !== null && r[1] !== undefined && r[1] !== "").map(([k, v]) => [h("dt", null, k), h("dd", null, v)]),
  );
}

function errText(e) {
  return e && e.status ? e.message || e.code : t("error.network");
}

export function hotspotControls() {
  const toggles = h(
    "div",
    { class: "hs-toggles", id: "hs-toggles" },
    toggle("layer-hs-gistar", "hotspots.layer.gistar"),
    toggle("layer-hs-density", "hotspots.layer.density"),
    toggle("layer-hs-records", "hotspots.layer.records"),
    h("p", { class: "muted small", id: "hs-note" }, t("hotspots.layer.note")),
  );
  const box = (id) => toggles.querySelector(`#${id}`);

  let ctx = null; // {L, map, period(), category(), force(), setSummary(text)}
  let closed = false;
  const layers = {}; // id -> Leaflet layer on the map
  const seqs = {};
  const aborts = {};
  const parts = {}; // id -> the status line's part
  let legend = null;
  let legendEl = null;
  let cats = null; // category code -> category, for the records' popups

  const summary = () => {
    if (!ctx) return;
    ctx.setSummary(LAYERS.filter((id) => box(id).checked && parts[id]).map((id) => parts[id]).join(" · "));
  };

  function drop(id) {
    if (aborts[id]) aborts[id].abort(abortReason(`${id}: reloaded or switched off`));
    aborts[id] = null;
    seqs[id] = (seqs[id] || 0) + 1;
    if (layers[id]) layers[id].remove();
    layers[id] = null;
    parts[id] = "";
    const c = ctx && ctx.map.getContainer();
    if (c) delete c.dataset[{ "layer-hs-gistar": "hsGistar", "layer-hs-density": "hsDensity", "layer-hs-records": "hsRecords" }[id]];
  }

  // The analyses' query from the map's filters, or null when the period is not valid.
  function analysisQuery() {
    const period = ctx.period();
    if (!period) return null;
    const q = new URLSearchParams({
      since: new Date(period[0]).toISOString(),
      until: new Date(period[1] || Date.now()).toISOString(),
    });
    const cat = ctx.category();
    const force = ctx.force();
    if (cat) q.set("category", cat);
    if (force) q.set("force", force);
    return q;
  }

  // Fetch for layer id; resolves to the answer, or null when superseded or failed
  // (the status line then says why).
  async function fetchFor(id, path) {
    drop(id);
    const my = seqs[id];
    const ac = new AbortController();
    aborts[id] = ac;
    parts[id] = t("hotspots.status.loading", { layer: t(`hotspots.layer.${id.slice(9)}`) });
    summary();
    try {
      const r = await api(path, { signal: ac.signal });
      if (closed || my !== seqs[id] || !box(id).checked) return null;
      aborts[id] = null;
      return r;
    } catch (e) {
      if (closed || my !== seqs[id] || isAbort(e) || e.status === 401) return null;
      aborts[id] = null;
      parts[id] = t("hotspots.status.failed", { layer: t(`hotspots.layer.${id.slice(9)}`), message: errText(e) });
      summary();
      return null;
    }
  }

  // ---- Gi* ----
  function cellPopup(p) {
    return h(
      "div",
      { class: "map-popup" },
      h("h3", null, p.kind === "cold" ? t("hotspots.kind.cold") : t("hotspots.kind.hot")),
      facts([
        [t("hotspots.popup.count"), fmtNumber(p.count || 0)],
        [t("hotspots.popup.z"), fmtDec(p.z)],
        [t("hotspots.popup.p"), fmtP(p.p)],
      ]),
      h("p", { class: "muted small" }, t("hotspots.popup.significant")),
    );
  }

  async function loadGistar() {
    const id = "layer-hs-gistar";
    const q = analysisQuery();
    if (!q) {
      drop(id);
      parts[id] = t("map.status.bad_period");
      return summary();
    }
    const r = await fetchFor(id, `/analytics/gistar?${q}`);
    if (!r) return;
    const { L, map } = ctx;
    const sig = (r.features || []).filter((f) => f.properties && f.properties.significant && f.geometry);
    const layer = L.geoJSON(
      { type: "FeatureCollection", features: sig },
      {
        pane: "ph-hs-gistar",
        style: (f) => {
          const p = f.properties;
          const kind = p.kind === "cold" ? "cold" : "hot";
          return {
            pane: "ph-hs-gistar",
            color: giColor(kind, p.z),
            weight: 1,
            opacity: 0.9,
            fillColor: giColor(kind, p.z),
            fillOpacity: 0.55,
            className: `hs-cell hs-${kind}`,
          };
        },
        onEachFeature: (f, l) => l.bindPopup(() => cellPopup(f.properties), { maxWidth: 260 }),
      },
    );
    layer.addTo(map);
    layers[id] = layer;
    const m = r.meta || {};
    const hot = sig.filter((f) => f.properties.kind !== "cold").length;
    const cold = sig.length - hot;
    parts[id] = t("hotspots.status.gistar", {
      hot: fmtNumber(m.hot ?? hot),
      cold: fmtNumber(m.cold ?? cold),
      incidents: fmtNumber(m.incidents ?? 0),
    });
    map.getContainer().dataset.hsGistar = String(sig.length);
    summary();
  }

  // ---- density ----
  let renderer = null;
  async function loadDensity() {
    const id = "layer-hs-density";
    const q = analysisQuery();
    if (!q) {
      drop(id);
      parts[id] = t("map.status.bad_period");
      return summary();
    }
    const r = await fetchFor(id, `/analytics/density?${q}`);
    if (!r) return;
    const { L, map } = ctx;
    const m = r.meta || {};
    const feats = (r.features || []).filter((f) => f.geometry && f.properties && f.properties.density > 0);
    const max = m.max || Math.max(0, ...feats.map((f) => f.properties.density));
    if (!renderer) renderer = L.canvas({ pane: "ph-hs-density", padding: 0.3 });
    const layer = L.geoJSON(
      { type: "FeatureCollection", features: feats },
      {
        pane: "ph-hs-density",
        renderer,
        interactive: false,
        style: (f) => ({
          pane: "ph-hs-density",
          renderer,
          stroke: false,
          fillColor: densityColor(f.properties.density, max),
          fillOpacity: 0.5,
          interactive: false,
        }),
      },
    );
    layer.addTo(map);
    layers[id] = layer;
    parts[id] = t("hotspots.status.density", { cells: fmtNumber(feats.length), max: fmtDec(max, 1) });
    map.getContainer().dataset.hsDensity = String(feats.length);
    summary();
  }

  // ---- the records ----
  function recordPopup(p) {
    return h(
      "div",
      { class: "map-popup" },
      h("h3", null, trendName(p.trend)),
      facts([
        [t("hotspots.col.area"), p.area_name],
        [t("hotspots.col.status"), statusName(p.status)],
        [t("hotspots.col.z"), fmtDec(p.z)],
        [t("hotspots.col.incidents"), fmtNumber(p.incident_count || 0)],
        [t("hotspots.col.categories"), categoriesText(p.categories, cats)],
        [t("hotspots.col.detected"), fmtDateTime(p.detected_at)],
      ]),
      h("a", { href: `#/hotspots/${p.id}`, class: "map-popup-link" }, t("hotspots.popup.open")),
    );
  }

  async function loadRecords() {
    const id = "layer-hs-records";
    drop(id);
    const my = seqs[id];
    const ac = new AbortController();
    aborts[id] = ac;
    parts[id] = t("hotspots.status.loading", { layer: t("hotspots.layer.records") });
    summary();
    let rs;
    try {
      // Open ones only: resolved hot spots are history (the hot-spot page lists them).
      rs = await Promise.all(["watch", "confirmed"].map((s) => api(`/hotspots?status=${s}&limit=200`, { signal: ac.signal })));
      if (!cats) {
        // Without the names the popups show codes; a cancellation is not that (and
        // must not leave the names empty for good).
        const c = await api("/categories?limit=500&include_inactive=1", { signal: ac.signal }).catch((e) => {
          if (isAbort(e)) throw e;
          return { items: [] };
        });
        cats = new Map((c.items || []).map((x) => [x.code, x]));
      }
    } catch (e) {
      if (closed || my !== seqs[id] || isAbort(e) || e.status === 401) return;
      parts[id] = t("hotspots.status.failed", { layer: t("hotspots.layer.records"), message: errText(e) });
      return summary();
    }
    if (closed || my !== seqs[id] || !box(id).checked) return;
    aborts[id] = null;
    const cat = ctx.category();
    const feats = rs
      .flatMap((r) => r.features || [])
      .filter((f) => f.geometry && (!cat || !(f.properties.categories || []).length || f.properties.categories.includes(cat)));
    const { L, map } = ctx;
    const layer = L.geoJSON(
      { type: "FeatureCollection", features: feats },
      {
        pane: "ph-hs-records",
        style: (f) => ({
          pane: "ph-hs-records",
          color: "#5c0011",
          weight: 3,
          dashArray: f.properties.status === "watch" ? "7 5" : null,
          fillColor: "#5c0011",
          fillOpacity: 0.06,
          className: `hs-record hs-record-${f.properties.status}`,
        }),
        onEachFeature: (f, l) => {
          l.bindPopup(() => recordPopup(f.properties), { maxWidth: 300 });
          l.bindTooltip(`${trendName(f.properties.trend)} — ${f.properties.area_name || ""}`, { sticky: true, className: "map-tip" });
        },
      },
    );
    layer.addTo(map);
    layers[id] = layer;
    parts[id] = t("hotspots.status.records", { n: fmtNumber(feats.length) });
    map.getContainer().dataset.hsRecords = String(feats.length);
    summary();
  }

  const loaders = { "layer-hs-gistar": loadGistar, "layer-hs-density": loadDensity, "layer-hs-records": loadRecords };
  // Started from event handlers, awaited by nobody: a cancellation (the layer reloaded
  // or switched off, the page left) ends quietly; a real error still surfaces.
  const load = (id) =>
    loaders[id]().catch((e) => {
      if (!isAbort(e)) throw e;
    });

  // ---- legend ----
  function ramp(colors) {
    return h(
      "span",
      { class: "hs-ramp", "aria-hidden": "true" },
      colors.map((c) => {
        const s = h("span", { class: "hs-ramp-step" });
        s.style.background = c;
        return s;
      }),
    );
  }

  function drawLegend() {
    if (!legendEl) return;
    const on = (id) => box(id).checked;
    const rows = [];
    if (on("layer-hs-gistar")) {
      rows.push(h("li", null, ramp(GI_HOT), t("hotspots.legend.hot")));
      rows.push(h("li", null, ramp(GI_COLD), t("hotspots.legend.cold")));
    }
    if (on("layer-hs-density")) rows.push(h("li", null, ramp(DENSITY_RAMP), t("hotspots.legend.density")));
    if (on("layer-hs-records")) {
      rows.push(h("li", null, h("span", { class: "hs-outline hs-outline-watch", "aria-hidden": "true" }), t("hotspots.legend.watch")));
      rows.push(h("li", null, h("span", { class: "hs-outline", "aria-hidden": "true" }), t("hotspots.legend.confirmed")));
    }
    legendEl.hidden = rows.length === 0;
    fill(
      legendEl,
      h("h3", null, t("hotspots.legend.title")),
      h("ul", { class: "hs-legend-list" }, rows),
      on("layer-hs-gistar") ? h("p", { class: "small muted" }, t("hotspots.legend.z")) : null,
    );
  }

  return {
    toggles,
    attach(c) {
      ctx = c;
      const { L, map } = c;
      for (const [name, z] of PANES) {
        if (map.getPane(name)) continue;
        const p = map.createPane(name);
        p.style.zIndex = String(z);
      }
      legend = L.control({ position: "bottomright" });
      legend.onAdd = () => {
        legendEl = h("div", { class: "hs-legend", id: "hs-legend", hidden: true, role: "group", "aria-label": t("hotspots.legend.title") });
        L.DomEvent.disableClickPropagation(legendEl);
        L.DomEvent.disableScrollPropagation(legendEl);
        return legendEl;
      };
      legend.addTo(map);
      for (const id of LAYERS) if (box(id).checked) load(id);
      drawLegend();
    },
    // A change of the map's form (or "feed": a hot spot was found or moved).
    change(id) {
      if (!ctx || closed) return;
      if (LAYERS.includes(id)) {
        if (box(id).checked) load(id);
        else {
          drop(id);
          summary();
        }
        drawLegend();
        return;
      }
      if (FILTERS.includes(id)) {
        for (const l of LAYERS) if (box(l).checked) load(l);
        return;
      }
      if (id === "feed" && box("layer-hs-records").checked) load("layer-hs-records");
    },
    destroy() {
      closed = true;
      for (const id of LAYERS) if (aborts[id]) aborts[id].abort(abortReason("left the map page"));
      if (legend) legend.remove();
    },
  };
}
