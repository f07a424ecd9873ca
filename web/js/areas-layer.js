// areas-layer.js - the offline base layer every map of the application shares: the
// areas' own boundaries from the database (GET /api/v1/areas?geometry=1&at=today:
// the map of the day, of whatever levels have outlines: the demo's province,
// districts, communes and sea; the real import's province and districts, whose
// communes have none), drawn by Leaflet with no tile server. Also loads
// Leaflet itself (vendored, on demand) and finds the area under a point, so a page
// can say "Xã Thới Khánh" before the server does.
//
// Used by the administration and operations pages; the map page and the incident
// report form draw the base with map/base.js (labels, panes) and use
// loadLeaflet/loadAreas/areaAt from here.
//   const L = await loadLeaflet();
//   const areas = await loadAreas();
//   const layer = areasLayer(L, areas).addTo(map);
//   map.fitBounds(areasBounds(L, areas));

import { api } from "./api.js";
import { loadScript, loadStyle } from "./dom.js";

// /assets/<version>/vendor/... (this module is /assets/<version>/js/areas-layer.js).
export const vendorUrl = (p) => new URL(`../vendor/${p}`, import.meta.url);

let leafletP = null;
// Leaflet 1.9 (its stylesheet and script), loaded once; resolves to window.L.
export function loadLeaflet() {
  if (!leafletP)
    leafletP = Promise.all([loadStyle(vendorUrl("leaflet/leaflet.css")), loadScript(vendorUrl("leaflet/leaflet.js"))]).then(
      () => window.L,
      (e) => {
        leafletP = null; // a dropped link: the next call tries again
        throw e;
      },
    );
  return leafletP;
}

const OFFSET_MS = 7 * 3600 * 1000; // Asia/Ho_Chi_Minh

// Pages of 500 areas at most: the whole country's official list (about 11,400
// units before July 2025) with room to spare. Outlined areas can come last (an
// import numbers the provinces in code order, so Bến Tre's are among the last),
// so stopping short would leave out the very areas the map has outlines for.
const MAX_AREA_PAGES = 60;

let areasP = null;
// Every area valid today (in Vietnam), with its geometry (about 30 KB for the demo
// province), fetched once per page load and shared by every map.
export function loadAreas() {
  if (!areasP) {
    const today = new Date(Date.now() + OFFSET_MS).toISOString().slice(0, 10);
    areasP = (async () => {
      const out = [];
      let cursor = null;
      for (let i = 0; i < MAX_AREA_PAGES; i++) {
        const r = await api(`/areas?geometry=1&at=${today}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        out.push(...r.items);
        cursor = r.next_cursor;
        if (!cursor) break;
      }
      return out;
    })().catch((e) => {
      areasP = null;
      throw e;
    });
  }
  return areasP;
}

const LEVEL_RANK = { province: 0, district: 1, commune: 2 };

// Styles: the province outline strongest, districts medium, communes light; the sea
// tinted blue, coastal and border communes outlined in their colours.
export function areaStyle(a) {
  const sea = a.kind === "sea";
  const base = {
    province: { color: "#0d2b45", weight: 3, fillOpacity: 0 },
    district: { color: "#33516b", weight: 2, fillOpacity: 0 },
    commune: { color: "#7d8d9c", weight: 1, fillOpacity: 0.04, fillColor: "#6b7785" },
  }[a.level] || { color: "#7d8d9c", weight: 1, fillOpacity: 0 };
  if (sea) return { ...base, color: "#1d6fa5", fillColor: "#7fb8e0", fillOpacity: 0.25 };
  if (a.kind === "coastal") return { ...base, fillColor: "#e0c36f", fillOpacity: 0.12 };
  if (a.kind === "border") return { ...base, fillColor: "#c58ad9", fillOpacity: 0.12 };
  return base;
}

// A Leaflet feature group of the areas' outlines, the largest first so that the
// communes lie on top. Each SVG path carries the classes "area area-<id>
// area-<level> area-<kind>". Options: interactive (default false: taps reach the
// map), tooltip (default false: the area's name on hover), style (a function of
// the area overriding areaStyle).
export function areasLayer(L, areas, opts = {}) {
  const group = L.featureGroup();
  const sorted = [...areas]
    .filter((a) => a.geometry)
    .sort((a, b) => (LEVEL_RANK[a.level] ?? 3) - (LEVEL_RANK[b.level] ?? 3) || (a.kind === "sea" ? -1 : 0));
  for (const a of sorted) {
    const style = { ...areaStyle(a), ...(opts.style ? opts.style(a) : null) };
    const layer = L.geoJSON(
      { type: "Feature", geometry: a.geometry, properties: { id: a.id } },
      {
        interactive: Boolean(opts.interactive || opts.tooltip),
        style: () => ({ ...style, className: `area area-${a.id} area-${a.level} area-${a.kind}` }),
      },
    );
    if (opts.tooltip) layer.bindTooltip(a.name, { sticky: true });
    layer.areaId = a.id;
    group.addLayer(layer);
  }
  return group;
}

function ringContains(ring, lon, lat) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function polygonContains(rings, lon, lat) {
  if (!rings.length || !ringContains(rings[0], lon, lat)) return false;
  for (let k = 1; k < rings.length; k++) if (ringContains(rings[k], lon, lat)) return false; // a hole
  return true;
}

export function geometryContains(g, lat, lon) {
  if (!g) return false;
  if (g.type === "Polygon") return polygonContains(g.coordinates, lon, lat);
  if (g.type === "MultiPolygon") return g.coordinates.some((p) => polygonContains(p, lon, lat));
  return false;
}

// The deepest area whose polygon holds the point (as the server decides an
// incident's area), or null.
export function areaAt(areas, lat, lon) {
  let best = null;
  for (const a of areas)
    if (geometryContains(a.geometry, lat, lon) && (!best || (LEVEL_RANK[a.level] ?? 3) > (LEVEL_RANK[best.level] ?? 3))) best = a;
  return best;
}

function eachCoord(g, fn) {
  if (!g) return;
  const polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
  for (const p of polys) for (const ring of p) for (const c of ring) fn(c[0], c[1]);
}

// The bounds of the given areas (all of them when ids is empty), or null.
export function areasBounds(L, areas, ids = null) {
  const pick = ids && ids.length ? areas.filter((a) => ids.includes(a.id)) : areas;
  let b = null;
  for (const a of pick)
    eachCoord(a.geometry, (lon, lat) => {
      if (!b) b = L.latLngBounds([lat, lon], [lat, lon]);
      else b.extend([lat, lon]);
    });
  return b;
}
