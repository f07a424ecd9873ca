// incidents/locate.js - where it happened: tap a small map (Leaflet, loaded on
// demand, with the areas' boundaries as its only layer, drawn as the map page draws
// them (map/base.js): no tile server, no internet), use the device's GPS, or type
// the coordinates. Shows the area the point falls in, as the server will find it.

import { drawAreas, makePanes } from "../map/base.js";
import { areaAt, areasBounds, loadAreas, loadLeaflet } from "../areas-layer.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

const fix = (v) => Math.round(v * 1e6) / 1e6;

// opts: user, value ({lat, lon} or null), onChange(value). Returns {el, error
// (the line for messages), set(value), focus(), destroy()}.
export function locationPicker(opts) {
  let value = opts.value || null;
  let map = null;
  let marker = null;
  let L = null;
  let areas = [];
  let destroyed = false;
  let unitBounds = null;
  let allBounds = null;
  let roStop = null;

  const readout = h("p", { class: "loc-readout", id: "inc-location-readout", "aria-live": "polite" });
  const error = h("p", { class: "field-error", id: "inc-location-error", role: "alert" });
  const mapEl = h("div", { class: "loc-map", id: "inc-map", role: "application", "aria-label": t("inc.loc.map_label") });
  const mapNote = h("p", { class: "muted small loc-map-note" }, t("app.loading"));
  const latIn = h("input", { id: "inc-lat", type: "text", inputmode: "decimal", autocomplete: "off", class: "loc-coord" });
  const lonIn = h("input", { id: "inc-lon", type: "text", inputmode: "decimal", autocomplete: "off", class: "loc-coord" });
  const gpsBtn = h("button", { type: "button", class: "btn btn-small", id: "inc-gps" }, t("inc.loc.gps"));
  const clearBtn = h("button", { type: "button", class: "btn btn-small btn-plain", id: "inc-loc-clear" }, t("inc.loc.clear"));
  const wholeBtn = h("button", { type: "button", class: "btn btn-small btn-plain", id: "inc-loc-whole", hidden: true }, t("inc.loc.whole"));

  function describe() {
    if (!value) {
      readout.textContent = t("inc.loc.none");
      readout.classList.remove("set");
      clearBtn.hidden = true;
      return;
    }
    const a = areas.length ? areaAt(areas, value.lat, value.lon) : null;
    readout.textContent = `${value.lat.toFixed(5)}, ${value.lon.toFixed(5)}${a ? ` — ${a.name}` : areas.length ? ` — ${t("inc.loc.outside")}` : ""}${
      value.accuracy ? ` (±${Math.round(value.accuracy)} m)` : ""
    }`;
    readout.classList.add("set");
    clearBtn.hidden = false;
  }

  function placeMarker() {
    if (!map) return;
    if (!value) {
      if (marker) marker.remove();
      marker = null;
      return;
    }
    const ll = [value.lat, value.lon];
    if (!marker) {
      marker = L.marker(ll, {
        draggable: true,
        keyboard: true,
        title: t("inc.loc.marker"),
        icon: L.divIcon({ className: "loc-pin", iconSize: [26, 26], iconAnchor: [13, 26] }),
      }).addTo(map);
      marker.on("dragend", () => {
        const p = marker.getLatLng();
        set({ lat: fix(p.lat), lon: fix(p.lng) }, { fromMap: true });
      });
    } else marker.setLatLng(ll);
  }

  function set(v, how = {}) {
    value = v && Number.isFinite(v.lat) && Number.isFinite(v.lon) ? { lat: fix(v.lat), lon: fix(v.lon), accuracy: v.accuracy } : null;
    if (!how.fromInputs) {
      latIn.value = value ? String(value.lat) : "";
      lonIn.value = value ? String(value.lon) : "";
    }
    error.textContent = "";
    describe();
    placeMarker();
    if (value && map && how.pan) map.setView([value.lat, value.lon], Math.max(map.getZoom(), 13));
    if (!how.silent && opts.onChange) opts.onChange(value ? { lat: value.lat, lon: value.lon } : null);
  }

  function onCoords() {
    const lat = Number(latIn.value.replace(",", "."));
    const lon = Number(lonIn.value.replace(",", "."));
    if (latIn.value.trim() === "" && lonIn.value.trim() === "") return set(null, { fromInputs: true });
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180) {
      error.textContent = t("inc.err.location");
      return;
    }
    set({ lat, lon }, { fromInputs: true, pan: true });
  }
  latIn.addEventListener("change", onCoords);
  lonIn.addEventListener("change", onCoords);

  gpsBtn.addEventListener("click", () => {
    error.textContent = "";
    if (!("geolocation" in navigator)) {
      error.textContent = t("inc.loc.gps_unavailable");
      return;
    }
    gpsBtn.disabled = true;
    gpsBtn.textContent = t("inc.loc.gps_wait");
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        gpsBtn.disabled = false;
        gpsBtn.textContent = t("inc.loc.gps");
        set({ lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy }, { pan: true });
      },
      (err) => {
        gpsBtn.disabled = false;
        gpsBtn.textContent = t("inc.loc.gps");
        error.textContent =
          err.code === 1 ? t("inc.loc.gps_denied") : err.code === 3 ? t("inc.loc.gps_timeout") : t("inc.loc.gps_failed");
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });
  clearBtn.addEventListener("click", () => set(null));
  wholeBtn.addEventListener("click", () => {
    if (map && allBounds) map.fitBounds(allBounds, { padding: [8, 8] });
  });

  const el = h(
    "fieldset",
    { class: "field loc", id: "inc-location", "aria-describedby": "inc-location-readout inc-location-error" },
    h("legend", null, t("inc.f.location")),
    h("div", { class: "loc-tools" }, gpsBtn, wholeBtn, clearBtn),
    mapEl,
    mapNote,
    readout,
    error,
    h(
      "details",
      { class: "loc-manual" },
      h("summary", null, t("inc.loc.manual")),
      h(
        "div",
        { class: "loc-coords" },
        h("label", { for: "inc-lat" }, t("inc.loc.lat")),
        latIn,
        h("label", { for: "inc-lon" }, t("inc.loc.lon")),
        lonIn,
      ),
    ),
  );

  // The map: Leaflet and the areas on demand (about 180 KB the first time, then cached).
  (async () => {
    try {
      [L, areas] = await Promise.all([loadLeaflet(), loadAreas()]);
    } catch {
      if (!destroyed) mapNote.textContent = t("inc.loc.map_failed");
      mapEl.hidden = true;
      return;
    }
    if (destroyed) return;
    mapNote.textContent = t("inc.loc.map_hint");
    map = L.map(mapEl, { attributionControl: false, zoomSnap: 0.5, minZoom: 6, maxZoom: 18 });
    makePanes(map);
    // Start on the person's own unit's areas: where a duty officer usually reports.
    // (The view is set before the base is drawn: its labels measure themselves.)
    allBounds = areasBounds(L, areas);
    const ids = opts.unitAreaIds || [];
    unitBounds = ids.length ? areasBounds(L, areas, ids) : null;
    const start = unitBounds || allBounds;
    if (start) map.fitBounds(start, { padding: [8, 8] });
    else map.setView([16, 106], 6);
    drawAreas(L, map, areas);
    // What the map shows, west,south,east,north (the browser tests tap a place by it).
    const view = () => {
      const b = map.getBounds();
      mapEl.dataset.view = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(6)).join(",");
    };
    map.on("moveend", view);
    wholeBtn.hidden = !(unitBounds && allBounds);
    map.on("click", (e) => set({ lat: e.latlng.lat, lon: e.latlng.lng }));
    if (value) {
      placeMarker();
      map.setView([value.lat, value.lon], Math.max(map.getZoom(), 12));
    }
    describe();
    view();
    const ro = new ResizeObserver(() => map.invalidateSize());
    ro.observe(mapEl);
    roStop = () => ro.disconnect();
    mapEl.dataset.ready = "1";
  })();

  set(value, { silent: true });
  return {
    el,
    error,
    get: () => (value ? { lat: value.lat, lon: value.lon } : null),
    set: (v) => set(v, { silent: true, pan: true }),
    focus: () => gpsBtn.focus(),
    destroy: () => {
      destroyed = true;
      if (roStop) roStop();
      if (map) map.remove();
    },
  };
}
