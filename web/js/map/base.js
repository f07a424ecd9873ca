// map/base.js - what the map draws without any tile server: the areas' own
// boundaries from the database (GET /api/v1/areas?geometry=1&at=<today in Vietnam>,
// fetched by the page), with labels that appear at suitable zooms, and the colours
// of categories and forces that the map's layers share. Whatever levels have
// outlines are drawn: the demo has the province, districts, communes and a sea
// zone; the real import (../shared/geo/) the province and its districts (with no
// commune outlines the districts' labels are the deepest). Leaflet (window.L) is
// loaded by the page before any of this.

import { h } from "../dom.js";

// Drawing order, bottom up: land (the province), sea over it (so the coast is where
// they meet), communes, boundary lines, then the labels under the markers.
const PANES = [
  ["ph-land", 200],
  ["ph-sea", 210],
  ["ph-communes", 220],
  ["ph-lines", 230],
  ["ph-labels", 450],
];

export const FORCE_COLOR = { police: "#0b5cad", military: "#2e6b1f", border_guard: "#7a3e9d" };

// One colour per default category (MISSION.md's order), distinguishable on the
// pale base; categories an administrator adds get one from the palette by id.
const CATEGORY_COLOR = {
  crime: "#c62828",
  drugs: "#6a1b9a",
  smuggling: "#ef6c00",
  illegal_border_crossing: "#4e342e",
  illegal_fishing: "#00838f",
  public_order: "#1565c0",
  mass_gathering: "#ad1457",
  political_security: "#283593",
  natural_disaster: "#2e7d32",
  search_rescue: "#f9a825",
  epidemic: "#558b2f",
  fire_explosion: "#d84315",
  accident: "#5d4037",
  maritime: "#0277bd",
  other: "#546e7a",
  defensive_zone: "#33691e",
};
const PALETTE = ["#00695c", "#8e24aa", "#3949ab", "#c0ca33", "#6d4c41", "#e53935", "#1e88e5", "#fb8c00"];

export function categoryColor(code, id) {
  return CATEGORY_COLOR[code] || PALETTE[Math.abs(Number(id) || 0) % PALETTE.length];
}

// Marker diameter in pixels by severity 1..4.
export function severitySize(sev) {
  return [14, 14, 18, 24, 30][Math.min(4, Math.max(1, Number(sev) || 1))];
}

export function makePanes(map) {
  for (const [name, z] of PANES) {
    const p = map.createPane(name);
    p.style.zIndex = String(z);
    if (name === "ph-labels") p.style.pointerEvents = "none";
  }
}

function areaStyle(a) {
  if (a.kind === "sea") return { pane: "ph-sea", color: "#4f7fa8", weight: 1.5, fillColor: "#bcd7ee", fillOpacity: 1 };
  if (a.level === "province") return { pane: "ph-land", stroke: false, fillColor: "#f3f0e4", fillOpacity: 1 };
  if (a.level === "district") return { pane: "ph-lines", color: "#4a5562", weight: 2, fill: false };
  const fill = a.kind === "coastal" ? "#ede3c4" : a.kind === "border" ? "#efdcdc" : "#eef0e0";
  return { pane: "ph-communes", color: "#98a2ad", weight: 0.8, fillColor: fill, fillOpacity: 1 };
}

// A label's text is about this many pixels per character (0.72–0.85rem, bold).
const CHAR_PX = 7.5;
const LEVELS = ["commune", "district", "province"]; // deepest first
function labelMarker(L, latlng, text, cls) {
  const el = h("span", { class: "map-label-text" }, text);
  return L.marker(latlng, {
    pane: "ph-labels",
    interactive: false,
    keyboard: false,
    icon: L.divIcon({ className: `map-label ${cls}`, html: el, iconSize: null }),
  });
}

// Draw the areas on map. Returns {bounds} (of the areas drawn; null when none had
// a geometry) and keeps the labels of the level that suits the zoom on the map.
export function drawAreas(L, map, areas) {
  const outlines = L.layerGroup();
  const labelled = [];
  let bounds = null;
  // The province's outline goes on top of everything else of the base.
  const order = (a) => (a.kind === "sea" ? 1 : a.level === "province" ? 0 : a.level === "district" ? 3 : 2);
  for (const a of [...areas].sort((x, y) => order(x) - order(y))) {
    if (!a.geometry) continue;
    let layer;
    try {
      layer = L.geoJSON(a.geometry, { style: () => areaStyle(a), interactive: false });
    } catch {
      continue; // a geometry Leaflet cannot draw is left out, not fatal
    }
    layer.addTo(map);
    const b = layer.getBounds();
    if (!b.isValid()) continue;
    bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
    if (a.level === "province" && a.kind !== "sea")
      outlines.addLayer(L.geoJSON(a.geometry, { style: () => ({ pane: "ph-lines", color: "#0d2b45", weight: 3, fill: false }), interactive: false }));
    labelled.push([a, layer]);
  }
  outlines.addTo(map);
  // Each label knows its area's extent: at a zoom, the deepest level most of whose
  // labels fit inside their areas is shown, and of it only the labels that fit (so
  // that names never pile up on a phone), plus the sea's when it fits.
  const labels = [];
  for (const [a, layer] of labelled) {
    let c;
    try {
      const first = layer.getLayers()[0];
      c = first && first.getCenter ? first.getCenter() : layer.getBounds().getCenter();
    } catch {
      c = layer.getBounds().getCenter();
    }
    const level = a.kind === "sea" ? "sea" : a.level;
    const marker = labelMarker(L, c, a.name, `map-label-${level}`);
    labels.push({ level, marker, bounds: layer.getBounds(), need: a.name.length * CHAR_PX });
  }
  const layerGroup = L.layerGroup().addTo(map);
  const widthPx = (b) => map.latLngToContainerPoint(b.getNorthEast()).x - map.latLngToContainerPoint(b.getSouthWest()).x;
  const update = () => {
    const fits = (l) => widthPx(l.bounds) >= l.need;
    let chosen = "province";
    for (const lvl of LEVELS) {
      const of = labels.filter((l) => l.level === lvl);
      if (of.length && of.filter(fits).length >= 0.6 * of.length) {
        chosen = lvl;
        break;
      }
    }
    for (const l of labels) {
      const show = (l.level === chosen || l.level === "sea") && fits(l);
      if (show && !layerGroup.hasLayer(l.marker)) layerGroup.addLayer(l.marker);
      else if (!show && layerGroup.hasLayer(l.marker)) layerGroup.removeLayer(l.marker);
    }
  };
  map.on("zoomend", update);
  update();
  return { bounds };
}
