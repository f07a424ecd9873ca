// operations/draw.js - drawing an operation's route (polyline), area (polygon) or
// checkpoint (point) on a Leaflet map with plain click handlers: each click adds a
// vertex, a double click or "Finish" ends, "Undo" takes the last point back. The
// coordinates are also a text box (one "lat, lon" per line), so the shape can be
// typed or corrected from the keyboard.

import { h } from "../dom.js";
import { t } from "../i18n.js";

const COLOR = "#c0392b";

// mode: "route" | "area" | "point". onChange(geometry | null) after every change.
export function drawTool(L, map, opts = {}) {
  let mode = opts.mode || "route";
  let pts = []; // [lat, lon]
  let finished = false;
  const layer = L.featureGroup().addTo(map);
  const status = h("p", { class: "draw-status small", role: "status", "aria-live": "polite" });
  const undo = h("button", { type: "button", class: "btn btn-small", id: "draw-undo" }, t("operations.draw.undo"));
  const finish = h("button", { type: "button", class: "btn btn-small btn-primary", id: "draw-finish" }, t("operations.draw.finish"));
  const reset = h("button", { type: "button", class: "btn btn-small", id: "draw-clear" }, t("operations.draw.clear"));
  const coords = h("textarea", { id: "draw-coords", rows: 3, class: "coords", spellcheck: "false" });
  const coordsLabel = h("label", { for: "draw-coords", class: "small" }, t("operations.draw.coords"));

  map.doubleClickZoom.disable();
  map.getContainer().classList.add("drawing");

  const need = () => (mode === "point" ? 1 : mode === "route" ? 2 : 3);

  function geometry() {
    if (pts.length < need()) return null;
    const c = pts.map(([lat, lon]) => [round(lon), round(lat)]);
    if (mode === "point") return { type: "Point", coordinates: c[0] };
    if (mode === "route") return { type: "LineString", coordinates: c };
    return { type: "Polygon", coordinates: [[...c, c[0]]] };
  }

  function paint(fromText = false) {
    layer.clearLayers();
    if (mode === "route" && pts.length > 1) L.polyline(pts, { color: COLOR, weight: 4, className: "draw-shape" }).addTo(layer);
    if (mode === "area" && pts.length > 2) L.polygon(pts, { color: COLOR, weight: 3, fillOpacity: 0.15, className: "draw-shape" }).addTo(layer);
    if (mode === "area" && pts.length === 2) L.polyline(pts, { color: COLOR, weight: 3, dashArray: "4 4" }).addTo(layer);
    pts.forEach((p, i) =>
      L.circleMarker(p, {
        radius: mode === "point" ? 9 : 6,
        color: "#fff",
        weight: 2,
        fillColor: COLOR,
        fillOpacity: 1,
        className: `draw-vertex${i === pts.length - 1 ? " last" : ""}`,
      }).addTo(layer),
    );
    if (!fromText) coords.value = pts.map(([lat, lon]) => `${round(lat)}, ${round(lon)}`).join("\n");
    undo.disabled = !pts.length;
    reset.disabled = !pts.length;
    finish.disabled = finished || pts.length < need() || mode === "point";
    finish.hidden = mode === "point";
    const key = finished ? "done" : pts.length < need() ? `need_${mode}` : `more_${mode}`;
    status.textContent = t(`operations.draw.${key}`, { n: pts.length });
    map.getContainer().classList.toggle("drawing", !finished);
    if (opts.onChange) opts.onChange(geometry(), { finished, n: pts.length });
  }

  map.on("click", (e) => {
    if (finished && mode !== "point") return;
    const p = [e.latlng.lat, e.latlng.lng];
    if (mode === "point") {
      pts = [p];
      finished = true;
    } else pts.push(p);
    paint();
  });
  map.on("dblclick", (e) => {
    if (mode === "point" || finished) return;
    // The two clicks of a double click added the same place twice.
    if (pts.length >= 2) {
      const a = map.latLngToContainerPoint(pts[pts.length - 1]);
      const b = map.latLngToContainerPoint(pts[pts.length - 2]);
      if (a.distanceTo(b) < 6) pts.pop();
    }
    if (L.DomEvent) L.DomEvent.stop(e);
    if (pts.length >= need()) {
      finished = true;
      paint();
    }
  });
  undo.addEventListener("click", () => {
    pts.pop();
    finished = mode === "point" ? pts.length > 0 : false;
    paint();
  });
  reset.addEventListener("click", () => {
    pts = [];
    finished = false;
    paint();
  });
  finish.addEventListener("click", () => {
    if (pts.length >= need()) {
      finished = true;
      paint();
    }
  });
  coords.addEventListener("change", () => {
    const next = [];
    for (const line of coords.value.split(/\n+/)) {
      const m = line.trim().match(/^(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)$/);
      if (m) next.push([Number(m[1]), Number(m[2])]);
    }
    pts = mode === "point" ? next.slice(0, 1) : next;
    finished = pts.length >= need();
    paint(true);
  });

  const controls = h(
    "div",
    { class: "draw-controls" },
    h("div", { class: "actions" }, finish, undo, reset),
    status,
    h("details", { class: "coords-box" }, h("summary", null, t("operations.draw.coords_summary")), coordsLabel, coords),
  );
  paint();
  return {
    controls,
    geometry,
    finished: () => finished,
    setMode(m) {
      if (m === mode) return;
      mode = m;
      if (mode === "point") pts = pts.slice(-1);
      finished = mode === "point" ? pts.length > 0 : false;
      paint();
    },
    // Start from an existing geometry (editing a plan).
    load(g) {
      if (!g) return;
      if (g.type === "Point") {
        mode = "point";
        pts = [[g.coordinates[1], g.coordinates[0]]];
      } else if (g.type === "LineString") {
        mode = "route";
        pts = g.coordinates.map((c) => [c[1], c[0]]);
      } else if (g.type === "Polygon") {
        mode = "area";
        pts = g.coordinates[0].slice(0, -1).map((c) => [c[1], c[0]]);
      }
      finished = true;
      paint();
    },
    bounds: () => (pts.length ? L.latLngBounds(pts) : null),
  };
}

function round(v) {
  return Math.round(v * 1e6) / 1e6;
}
