// pages/map.js - Bản đồ: the shared picture on a map that works with no internet.
// The base is the areas' own boundaries from the database (map/base.js); a tile
// server is drawn under them only when the server is configured with one
// (GET /api/v1/config, `phoihop serve --tile-url`). Layers: incidents (clustered,
// colour by category, size by severity; the last 30 days by default), active
// operations with their routes, areas and checkpoints, live positions (the latest
// fix of each device, then "position" events of the live feed), and the hot-spot
// layers (map/hotspots.js: Gi*, density, detected hot spots; off until switched on).
// Filters by time, category and force; a click shows the details.
// Leaflet and markercluster are loaded by this page only.

import { abortReason, api, isAbort, streamUrl } from "../api.js";
import { fill, h, loadScript, loadStyle } from "../dom.js";
import { currentLang, fmtDateTime, fmtNumber, localPeriods, t } from "../i18n.js";
import { FORCE_COLOR, categoryColor, drawAreas, makePanes, severitySize } from "../map/base.js";
import { hotspotControls } from "../map/hotspots.js";
import { dateTimeInput, parseDateTime } from "../datetime.js";

const FORCES = ["police", "military", "border_guard"];
const MAX_INCIDENTS = 2000; // four pages: beyond that, narrow the filters
const STALE_MS = 30 * 60 * 1000; // a fix older than this is shown greyed
const DAY_MS = 86400 * 1000;
const OFFSET_MS = 7 * 3600 * 1000; // Asia/Ho_Chi_Minh, no daylight saving
// Where the map opens before the areas are drawn (the Mekong delta coast).
const FALLBACK_VIEW = [[10.05, 106.3], 9];

const vendor = (p) => new URL(`../../vendor/${p}`, import.meta.url);

async function loadLeaflet() {
  await Promise.all([
    loadStyle(vendor("leaflet/leaflet.css")),
    loadStyle(vendor("markercluster/MarkerCluster.css")),
    loadStyle(vendor("markercluster/MarkerCluster.Default.css")),
    loadScript(vendor("leaflet/leaflet.js")),
  ]);
  await loadScript(vendor("markercluster/leaflet.markercluster.js"));
  return window.L;
}

// Every page of a list (up to max items): {items, more}.
async function fetchAll(path, max, signal) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const r = await api(`${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { signal });
    items.push(...r.items);
    cursor = r.next_cursor;
  } while (cursor && items.length < max);
  return { items, more: Boolean(cursor) };
}

// "YYYY-MM-DD" of a moment in Vietnam.
function localDate(ms) {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 10);
}

function capital(s) {
  return s ? s.charAt(0).toLocaleUpperCase(currentLang()) + s.slice(1) : s;
}

function categoryName(cats, code) {
  const c = cats.get(code);
  if (!c) return code || t("common.na");
  return capital(currentLang() === "vi" ? c.name_vi : c.name_en);
}

// A definition list of [label, value] rows for a popup.
function facts(rows) {
  return h(
    "dl",
    { class: "map-facts" },
    rows.filter((r) => r[1] !== null && r[1] !== undefined && r[1] !== "").map(([k, v]) => [h("dt", null, k), h("dd", null, v)]),
  );
}

// ---- the filters -----------------------------------------------------------------------------
function select(id, labelKey, options, value) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, t(labelKey)),
    h(
      "select",
      { id, name: id },
      options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)),
    ),
  );
}

function checkbox(id, labelKey, checked, extra = {}) {
  return h(
    "div",
    { class: "check" },
    h("input", { type: "checkbox", id, name: id, checked, ...extra }),
    h("label", { for: id }, t(labelKey)),
  );
}

// The period the filters ask for, as [from, to) ms (to null: now).
function periodOf(form) {
  const p = form.elements["map-period"].value;
  const now = Date.now();
  if (p === "today") return [localPeriods(now).today.getTime(), null];
  if (p === "7d") return [now - 7 * DAY_MS, null];
  if (p === "custom") {
    // dd/mm/yyyy whatever the browser's locale (datetime.js): midnight in Vietnam.
    const f = parseDateTime(form.elements["map-from"].value, true);
    const to = parseDateTime(form.elements["map-to"].value, true);
    if (!f || !to) return null;
    const a = f.getTime();
    const b = to.getTime() + DAY_MS; // the "to" day included
    return a < b ? [a, b] : null;
  }
  return [now - 30 * DAY_MS, null];
}

// ---- the page ----------------------------------------------------------------------------------
export function render(main, ctx) {
  const cleanups = [];
  let closed = false;
  const abort = new AbortController();
  main.classList.add("main-map");
  cleanups.push(() => main.classList.remove("main-map"));

  const status = h("p", { class: "map-status", id: "map-status", role: "status", "aria-live": "polite" }, t("app.loading"));
  const canvas = h("div", { id: "map", class: "map-canvas", role: "region", "aria-label": t("map.canvas_label"), tabindex: "0" });
  const legend = h("div", { class: "map-legend", id: "map-legend" });
  const hs = hotspotControls();
  cleanups.push(() => hs.destroy());
  const form = h(
    "form",
    { class: "map-filters", id: "map-filters", "aria-label": t("map.filters.label") },
    h("h2", { class: "map-filters-title" }, t("map.filters.title")),
    select(
      "map-period",
      "map.filters.period",
      [
        ["today", t("map.period.today")],
        ["7d", t("map.period.7d")],
        ["30d", t("map.period.30d")],
        ["custom", t("map.period.custom")],
      ],
      "30d",
    ),
    h(
      "div",
      { class: "map-custom", id: "map-custom", hidden: true },
      h("div", { class: "field" }, h("label", { for: "map-from" }, t("map.filters.from")), dateTimeInput({ id: "map-from", dateOnly: true, label: t("map.filters.from"), value: Date.now() - 30 * DAY_MS }).el),
      h("div", { class: "field" }, h("label", { for: "map-to" }, t("map.filters.to")), dateTimeInput({ id: "map-to", dateOnly: true, label: t("map.filters.to"), value: Date.now() }).el),
    ),
    select("map-category", "map.filters.category", [["", t("map.filters.all_categories")]], ""),
    select("map-force", "map.filters.force", [["", t("map.filters.all_forces")], ...FORCES.map((f) => [f, t(`force.${f}`)])], ""),
    h(
      "fieldset",
      { class: "map-layers" },
      h("legend", null, t("map.layers.title")),
      checkbox("layer-incidents", "map.layers.incidents", true),
      checkbox("layer-operations", "map.layers.operations", true),
      checkbox("layer-positions", "map.layers.positions", true),
      hs.toggles,
      h("div", { id: "tiles-toggle" }),
    ),
    legend,
  );
  const filtersBtn = h(
    "button",
    { type: "button", class: "btn btn-small map-filters-btn", id: "map-filters-btn", "aria-controls": "map-filters", "aria-expanded": "false" },
    t("map.filters.toggle"),
  );
  filtersBtn.addEventListener("click", () => {
    const open = !form.classList.contains("open");
    form.classList.toggle("open", open);
    filtersBtn.setAttribute("aria-expanded", String(open));
  });
  const page = h(
    "section",
    { class: "map-page", "aria-labelledby": "map-title" },
    h("div", { class: "map-bar" }, h("h1", { id: "map-title" }, t("map.title")), status, filtersBtn),
    h("div", { class: "map-body" }, form, canvas),
  );
  main.append(page);

  // The map fills what is left of the window below the header.
  const body = page.querySelector(".map-body");
  const fit = () => {
    const top = body.getBoundingClientRect().top + window.scrollY;
    body.style.height = `${Math.max(320, window.innerHeight - top)}px`;
  };
  fit();
  window.addEventListener("resize", fit);
  cleanups.push(() => window.removeEventListener("resize", fit));
  // The status line may wrap, the header may grow: the map follows.
  const barRo = new ResizeObserver(fit);
  barRo.observe(page.querySelector(".map-bar"));
  if (document.getElementById("top")) barRo.observe(document.getElementById("top"));
  cleanups.push(() => barRo.disconnect());

  const state = {
    L: null,
    map: null,
    cats: new Map(),
    units: new Map(),
    incidents: null, // cluster group
    ops: null,
    positions: null,
    devices: new Map(), // device_id -> {marker, props}
    incSeq: 0,
    incCount: { n: 0, total: 0, more: false },
  };

  const setStatus = (text) => {
    status.textContent = text;
  };

  // ---- incidents ----
  function incidentPopup(inc) {
    return h(
      "div",
      { class: "map-popup" },
      h("p", { class: "map-popup-ref" }, inc.ref),
      h("h3", null, inc.title),
      facts([
        [t("map.popup.category"), categoryName(state.cats, inc.category)],
        [t("map.popup.severity"), t(`severity.${inc.severity}`)],
        [t("map.popup.status"), t(`status.${inc.status}`)],
        [t("map.popup.force"), inc.lead_force ? t(`force.${inc.lead_force}`) : null],
        [t("map.popup.occurred"), fmtDateTime(inc.occurred_at)],
      ]),
      h("a", { href: `#/incidents/${inc.id}`, class: "map-popup-link" }, t("map.popup.open_incident")),
    );
  }

  function incidentMarker(inc) {
    const L = state.L;
    const size = severitySize(inc.severity);
    const dot = h("span", { class: `inc-dot inc-sev-${inc.severity}` });
    dot.style.width = dot.style.height = `${size}px`;
    dot.style.background = categoryColor(inc.category, inc.category_id);
    const m = L.marker([inc.location.lat, inc.location.lon], {
      icon: L.divIcon({ className: "inc-icon", html: dot, iconSize: [size, size] }),
      title: `${inc.ref} — ${inc.title}`,
      alt: `${inc.ref} — ${inc.title}`,
      keyboard: true,
      riseOnHover: true,
    });
    m.options.incidentId = inc.id;
    m.bindPopup(() => incidentPopup(inc), { maxWidth: 300 });
    return m;
  }

  function incidentQuery(period) {
    const q = new URLSearchParams({ cap_status: "actual", from: new Date(period[0]).toISOString() });
    if (period[1]) q.set("to", new Date(period[1]).toISOString());
    const cat = form.elements["map-category"].value;
    const force = form.elements["map-force"].value;
    if (cat) q.set("category", cat);
    if (force) q.set("force", force);
    return q;
  }

  // Whether an incident read on its own (the live feed) passes the filters.
  function incidentMatches(inc) {
    const period = periodOf(form);
    if (!period || !inc.location || inc.cap_status !== "actual") return false;
    const at = new Date(inc.occurred_at).getTime();
    if (at < period[0] || (period[1] && at >= period[1])) return false;
    const cat = form.elements["map-category"].value;
    const force = form.elements["map-force"].value;
    return (!cat || inc.category === cat) && (!force || inc.lead_force === force);
  }

  const summary = { base: "", incidents: "", ops: "", positions: "", hotspots: "" };
  function showSummary() {
    const parts = [summary.base, summary.incidents, summary.ops, summary.positions, summary.hotspots].filter(Boolean);
    setStatus(parts.join(" · "));
  }

  async function loadIncidents() {
    const my = ++state.incSeq;
    state.incidents.clearLayers();
    if (!form.elements["layer-incidents"].checked) {
      summary.incidents = "";
      showSummary();
      return;
    }
    const period = periodOf(form);
    if (!period) {
      summary.incidents = t("map.status.bad_period");
      showSummary();
      return;
    }
    summary.incidents = t("app.loading");
    showSummary();
    let r;
    try {
      r = await fetchAll(`/incidents?${incidentQuery(period)}`, MAX_INCIDENTS, abort.signal);
    } catch (e) {
      if (my !== state.incSeq || isAbort(e) || e.status === 401) return;
      summary.incidents = t("error.load", { message: e.status ? e.message : t("error.network") });
      showSummary();
      return;
    }
    if (my !== state.incSeq || closed) return;
    const located = r.items.filter((i) => i.location);
    state.incidents.addLayers(located.map(incidentMarker));
    state.incCount = { n: located.length, total: r.items.length, more: r.more };
    incidentsSummary();
  }

  function incidentsSummary() {
    const c = state.incCount;
    summary.incidents = t(c.more ? "map.status.incidents_more" : "map.status.incidents", { n: fmtNumber(c.n), total: fmtNumber(c.total) });
    showSummary();
  }

  // ---- operations ----
  function opPopup(op) {
    return h(
      "div",
      { class: "map-popup" },
      h("h3", null, op.title),
      facts([
        [t("map.popup.kind"), t(`map.op.kind.${op.kind}`)],
        [t("map.popup.domain"), t(`map.op.domain.${op.domain}`)],
        [t("map.popup.status"), t(`map.op.status.${op.status}`)],
        [t("map.popup.units"), (op.units || []).map((u) => u.unit_name).join(", ")],
        [t("map.popup.started"), op.started_at ? fmtDateTime(op.started_at) : null],
      ]),
      op.is_joint ? h("p", { class: "badge" }, t("map.popup.joint")) : null,
      h("a", { href: `#/operations/${op.id}`, class: "map-popup-link" }, t("map.popup.open_operation")),
    );
  }

  function opLayer(op) {
    const L = state.L;
    const color = FORCE_COLOR[op.owner_force] || "#333";
    const title = op.title;
    const layer = L.geoJSON(op.geometry, {
      style: () => ({ color, weight: op.geometry_kind === "route" || op.geometry.type === "LineString" ? 4 : 2, dashArray: op.is_joint ? "8 6" : null, fillColor: color, fillOpacity: 0.12 }),
      pointToLayer: (f, latlng) => {
        const box = h("span", { class: "op-checkpoint" });
        box.style.borderColor = color;
        return L.marker(latlng, { icon: L.divIcon({ className: "op-icon", html: box, iconSize: [18, 18] }), title, alt: title, keyboard: true });
      },
    });
    layer.bindPopup(() => opPopup(op), { maxWidth: 320 });
    layer.bindTooltip(title, { sticky: true, className: "map-tip" });
    return layer;
  }

  async function loadOperations() {
    state.ops.clearLayers();
    if (!form.elements["layer-operations"].checked) {
      summary.ops = "";
      showSummary();
      return;
    }
    let r;
    try {
      r = await fetchAll("/operations?status=active&with_geometry=true", 500, abort.signal);
    } catch (e) {
      if (isAbort(e) || e.status === 401) return;
      summary.ops = t("error.load", { message: e.status ? e.message : t("error.network") });
      showSummary();
      return;
    }
    if (closed) return;
    const force = form.elements["map-force"].value;
    const shown = r.items.filter((op) => op.geometry && (!force || (op.units || []).some((u) => u.force === force)));
    for (const op of shown) {
      try {
        state.ops.addLayer(opLayer(op));
      } catch {
        /* a geometry Leaflet cannot draw is left out */
      }
    }
    summary.ops = t("map.status.operations", { n: fmtNumber(shown.length) });
    showSummary();
  }

  // ---- positions ----
  function unitName(id) {
    const u = state.units.get(id);
    return u ? u.name : id ? `#${id}` : null;
  }

  function positionPopup(p) {
    return h(
      "div",
      { class: "map-popup" },
      h("h3", null, p.callsign || p.uid),
      facts([
        [t("map.popup.unit"), unitName(p.unit_id)],
        [t("map.popup.person"), p.person || null],
        [t("map.popup.fix_time"), fmtDateTime(p.at)],
        [t("map.popup.speed"), typeof p.speed === "number" ? t("map.popup.speed_value", { v: fmtNumber(Math.round(p.speed * 3.6)) }) : null],
      ]),
    );
  }

  function positionIcon(p) {
    const L = state.L;
    const u = state.units.get(p.unit_id);
    const stale = Date.now() - new Date(p.at).getTime() > STALE_MS;
    const dot = h("span", { class: `pos-dot${stale ? " pos-stale" : ""}` });
    dot.style.background = stale ? "#8a939c" : FORCE_COLOR[u && u.force] || "#0d2b45";
    const label = h("span", { class: "pos-label" }, p.callsign || p.uid);
    return L.divIcon({ className: "pos-icon", html: h("span", { class: "pos-wrap" }, dot, label), iconSize: [16, 16] });
  }

  function positionPasses(p) {
    const force = form.elements["map-force"].value;
    if (!force) return true;
    const u = state.units.get(p.unit_id);
    return Boolean(u && u.force === force);
  }

  function placePosition(p, lat, lon) {
    const L = state.L;
    let d = state.devices.get(p.device_id);
    if (!d) {
      const marker = L.marker([lat, lon], { icon: positionIcon(p), title: p.callsign || p.uid, alt: p.callsign || p.uid, keyboard: true, zIndexOffset: 500 });
      d = { marker, props: p };
      marker.bindPopup(() => positionPopup(d.props), { maxWidth: 280 });
      state.devices.set(p.device_id, d);
    } else {
      d.props = { ...d.props, ...p };
      d.marker.setLatLng([lat, lon]);
      d.marker.setIcon(positionIcon(d.props));
    }
    if (positionPasses(d.props)) state.positions.addLayer(d.marker);
    else state.positions.removeLayer(d.marker);
  }

  function positionsSummary() {
    summary.positions = form.elements["layer-positions"].checked ? t("map.status.positions", { n: fmtNumber(state.positions.getLayers().length) }) : "";
    showSummary();
  }

  async function loadPositions() {
    state.positions.clearLayers();
    state.devices.clear();
    let r;
    try {
      r = await api("/positions/latest", { signal: abort.signal });
    } catch (e) {
      if (isAbort(e) || e.status === 401) return;
      summary.positions = t("error.load", { message: e.status ? e.message : t("error.network") });
      showSummary();
      return;
    }
    if (closed) return;
    for (const f of r.features || []) {
      const c = f.geometry && f.geometry.coordinates;
      if (c) placePosition(f.properties, c[1], c[0]);
    }
    positionsSummary();
  }

  function refilterPositions() {
    for (const d of state.devices.values()) {
      if (positionPasses(d.props)) state.positions.addLayer(d.marker);
      else state.positions.removeLayer(d.marker);
    }
    positionsSummary();
  }

  // ---- the live feed ----
  function startFeed() {
    let es = null;
    let retry = null;
    let opTimer = null;
    const connect = () => {
      es = new EventSource(streamUrl());
      es.onerror = async () => {
        if (closed || es.readyState !== EventSource.CLOSED) return; // the browser retries
        try {
          await api("/auth/me");
        } catch (e) {
          if (e.status === 401) return;
        }
        if (!closed) retry = setTimeout(connect, 5000);
      };
      // The feed has no replay of positions: after a reconnection ask again.
      es.onopen = () => {
        if (state.feedOpened) loadPositions();
        state.feedOpened = true;
      };
      es.addEventListener("position", (ev) => {
        let p;
        try {
          p = JSON.parse(ev.data);
        } catch {
          return;
        }
        if (typeof p.lat !== "number" || typeof p.lon !== "number") return;
        placePosition(p, p.lat, p.lon);
        positionsSummary();
      });
      es.addEventListener("incident.created", async (ev) => {
        let d;
        try {
          d = JSON.parse(ev.data);
        } catch {
          return;
        }
        if (!d.id || !form.elements["layer-incidents"].checked) return;
        try {
          const inc = await api(`/incidents/${d.id}`);
          if (closed || !incidentMatches(inc)) return;
          state.incidents.addLayer(incidentMarker(inc));
          state.incCount.n++;
          state.incCount.total++;
          incidentsSummary();
        } catch {
          /* not visible after all, or gone: nothing to draw */
        }
      });
      for (const topic of ["hotspot.detected", "hotspot.status"]) es.addEventListener(topic, () => hs.change("feed"));
      for (const topic of ["operation.started", "operation.completed", "operation.cancelled", "operation.updated"])
        es.addEventListener(topic, () => {
          clearTimeout(opTimer);
          opTimer = setTimeout(loadOperations, 1000);
        });
    };
    connect();
    return () => {
      clearTimeout(retry);
      clearTimeout(opTimer);
      if (es) es.close();
    };
  }

  // ---- legend ----
  function drawLegend() {
    const cats = [...state.cats.values()].filter((c) => c.is_active).sort((a, b) => a.sort_order - b.sort_order || a.id - b.id);
    fill(
      legend,
      h("h3", null, t("map.legend.title")),
      h(
        "ul",
        { class: "map-legend-list" },
        cats.map((c) => {
          const sw = h("span", { class: "map-swatch" });
          sw.style.background = categoryColor(c.code, c.id);
          return h("li", null, sw, categoryName(state.cats, c.code));
        }),
      ),
      h(
        "p",
        { class: "map-legend-sev" },
        [1, 2, 3, 4].map((s) => {
          const dot = h("span", { class: "map-swatch map-swatch-sev" });
          dot.style.width = dot.style.height = `${severitySize(s)}px`;
          return h("span", { class: "sev-item" }, dot, t(`severity.${s}`));
        }),
      ),
      h(
        "ul",
        { class: "map-legend-list" },
        FORCES.map((f) => {
          const sw = h("span", { class: "map-swatch map-swatch-line" });
          sw.style.background = FORCE_COLOR[f];
          return h("li", null, sw, t("map.legend.operation_of", { force: t(`force.${f}`) }));
        }),
      ),
    );
  }

  // ---- start ----
  (async () => {
    let L;
    const configP = api("/config").catch(() => ({}));
    const areasP = fetchAll(`/areas?geometry=1&at=${localDate(Date.now())}`, 30000, abort.signal); // the whole country's list may be imported
    // Awaited (and its failure shown) only once Leaflet and the lists below are in;
    // the page left before that cancels it, and nobody awaits it then: this handler
    // keeps that cancellation from surfacing as an unhandled rejection.
    areasP.catch(() => {});
    const catsP = api("/categories?limit=500&include_inactive=1").catch(() => ({ items: [] }));
    const unitsP = fetchAll("/units?include_inactive=1", 5000, abort.signal).catch(() => ({ items: [] }));
    try {
      L = await loadLeaflet();
    } catch {
      if (!closed) fill(canvas, h("p", { class: "error", role: "alert" }, t("map.error.library")));
      return;
    }
    if (closed) return;
    state.L = L;
    const map = L.map(canvas, { zoomControl: true, attributionControl: false, minZoom: 5, maxZoom: 18, zoomSnap: 0.25, keyboard: true });
    state.map = map;
    cleanups.push(() => {
      map.stop();
      map.off();
      map.remove();
    });
    map.setView(...FALLBACK_VIEW);
    makePanes(map);
    // Callsigns beside the positions only once there is room for them.
    const zoomClass = () => canvas.classList.toggle("map-zoom-low", map.getZoom() < 11);
    map.on("zoomend", zoomClass);
    zoomClass();
    L.control.scale({ imperial: false }).addTo(map);
    const ro = new ResizeObserver(() => map.invalidateSize());
    ro.observe(canvas);
    cleanups.push(() => ro.disconnect());

    const [config, cats, units] = await Promise.all([configP, catsP, unitsP]);
    if (closed) return;
    state.cats = new Map((cats.items || []).map((c) => [c.code, c]));
    state.units = new Map((units.items || []).map((u) => [u.id, u]));
    const catSel = form.elements["map-category"];
    for (const c of [...state.cats.values()].sort((a, b) => a.sort_order - b.sort_order || a.id - b.id))
      catSel.append(h("option", { value: c.code }, categoryName(state.cats, c.code)));
    drawLegend();

    if (config && config.tile_url) {
      const tiles = L.tileLayer(config.tile_url, { maxZoom: 18, opacity: 0.85 });
      const box = checkbox("layer-tiles", "map.layers.tiles", true);
      form.querySelector("#tiles-toggle").append(box);
      tiles.addTo(map);
      box.querySelector("input").addEventListener("change", (e) => (e.target.checked ? tiles.addTo(map) : tiles.remove()));
    }

    // Added in one go (a few thousand at most): chunked loading would go on after the
    // page was left.
    state.incidents = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45, chunkedLoading: false });
    state.ops = L.layerGroup();
    state.positions = L.layerGroup();

    try {
      const areas = await areasP;
      if (closed) return;
      const { bounds } = drawAreas(L, map, areas.items);
      if (bounds) map.fitBounds(bounds, { padding: [8, 8], animate: false });
    } catch (e) {
      if (closed || isAbort(e) || e.status === 401) return;
      summary.base = t("map.error.areas");
    }
    state.ops.addTo(map);
    state.incidents.addTo(map);
    state.positions.addTo(map);
    hs.attach({
      L,
      map,
      period: () => periodOf(form),
      category: () => form.elements["map-category"].value,
      force: () => form.elements["map-force"].value,
      setSummary: (text) => {
        summary.hotspots = text;
        showSummary();
      },
    });

    await Promise.all([loadIncidents(), loadOperations(), loadPositions()]);
    if (closed) return;
    canvas.dataset.ready = "1";
    cleanups.push(startFeed());
  })().catch((e) => {
    // A request the leaving page cancelled; anything else is a real error.
    if (!(closed && isAbort(e))) throw e;
  });

  // ---- filter changes ----
  form.addEventListener("submit", (e) => e.preventDefault());
  form.addEventListener("change", (e) => {
    const id = e.target.id;
    if (id === "map-period") form.querySelector("#map-custom").hidden = e.target.value !== "custom";
    if (!state.map || !state.incidents) return;
    hs.change(id);
    if (["map-period", "map-from", "map-to", "map-category", "map-force", "layer-incidents"].includes(id)) loadIncidents();
    if (id === "map-force" || id === "layer-operations") loadOperations();
    if (id === "map-force") refilterPositions();
    if (id === "layer-positions") {
      if (e.target.checked) state.positions.addTo(state.map);
      else state.positions.remove();
      positionsSummary();
    }
  });

  return () => {
    closed = true;
    abort.abort(abortReason("left the map page"));
    cleanups.reverse().forEach((f) => {
      try {
        f();
      } catch {
        /* leaving the page must not fail */
      }
    });
  };
}
