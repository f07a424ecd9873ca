// operations/detail.js - one operation: what, where, when and who; the status
// actions the person's role allows (start, complete, cancel with a reason); the map
// with the plan and, once started, the tracks of the people assigned, followed live
// ("position" events); the summary figures; the results log, with an entry form
// that may also file an incident. #/operations/<id>/edit is the plan's form
// (plan.js) filled with the operation, for who may change it.

import { api, ApiError, sessionEnded, token } from "../api.js";
import { fill, h } from "../dom.js";
import { fmtDateTime, fmtNumber, t } from "../i18n.js";
import { areasLayer, loadAreas, loadLeaflet } from "../areas-layer.js";
import {
  apiMessage,
  categories,
  categoryName,
  clearErrors,
  empty,
  failure,
  field,
  forceBadge,
  input,
  live,
  liveBadge,
  loading,
  may,
  person,
  promptReason,
  select,
  showError,
  textarea,
  unitMap,
} from "../exchange/ui.js";
import { dateTimeInput } from "../datetime.js";
import { mayEdit, renderEdit } from "./plan.js";

const TRACK_COLORS = ["#0b5cad", "#2e6b1f", "#7a3e9d", "#b35900", "#006d6f", "#8c1c3a"];

// GET of a GeoJSON answer: api() reads only application/json, and the track is
// application/geo+json.
async function geojson(path) {
  const res = await fetch(`/api/v1${path}`, { headers: { Accept: "application/geo+json, application/json", Authorization: `Bearer ${token() || ""}` } });
  if (res.status === 401) {
    sessionEnded(true);
    throw new ApiError(401, "unauthenticated");
  }
  if (!res.ok) throw new ApiError(res.status, "", `HTTP ${res.status}`);
  return res.json();
}

export function statusBadge(s) {
  return h("span", { class: `badge op-st op-${s}` }, t(`operations.status.${s}`));
}

export function render(body, ctx) {
  if (ctx.segs && ctx.segs[2] === "edit") return renderEdit(body, ctx);
  const { user, id } = ctx;
  const saved = ctx.params && ctx.params.get("saved") === "1";
  const cleanups = [];
  let gone = false;
  const head = h("div", { id: "op-head" }, loading());
  const actions = h("div", { class: "actions op-actions", id: "op-actions" });
  const actMsg = h("p", { class: "form-error", role: "alert" });
  const savedMsg = saved ? h("p", { class: "flash flash-ok", id: "op-saved", role: "status" }, t("operations.edit.saved")) : null;
  const mapEl = h("div", { class: "op-map", id: "op-map", "aria-label": t("operations.detail.map") });
  const [state, setState] = liveBadge();
  const summary = h("div", { id: "op-summary" }, loading());
  const logList = h("div", { id: "op-log" }, loading());
  const logFormBox = h("div", { id: "op-log-form" });
  body.append(
    h("p", null, h("a", { href: "#/operations" }, t("operations.back"))),
    h(
      "div",
      { class: "op-grid" },
      h("section", { class: "panel op-info", "aria-labelledby": "op-title" }, savedMsg, head, actions, actMsg),
      h("section", { class: "panel op-live", "aria-labelledby": "op-map-title" }, h("div", { class: "panel-head" }, h("h2", { id: "op-map-title" }, t("operations.detail.map")), state), mapEl, h("div", { id: "track-legend", class: "small" })),
      h("section", { class: "panel", "aria-labelledby": "op-sum-title" }, h("h2", { id: "op-sum-title" }, t("operations.detail.summary")), summary),
      h("section", { class: "panel op-log-panel", "aria-labelledby": "op-log-title" }, h("h2", { id: "op-log-title" }, t("operations.detail.log")), logFormBox, logList),
    ),
  );

  let op = null;
  let map = null;
  let L = null;
  let trackLayer = null;
  let mapClick = null; // the open log form's handler of clicks on the map
  const tracks = new Map(); // device_id → { line, marker, coords }

  const loadSummary = async () => {
    try {
      const s = await api(`/operations/${id}/summary`);
      if (gone) return;
      const fig = (k, v) => h("div", { class: "figure" }, h("span", { class: "fig-v" }, v), h("span", { class: "fig-k" }, t(`operations.sum.${k}`)));
      fill(
        summary,
        h(
          "div",
          { class: "figures" },
          fig("hours", fmtNumber(s.duration_hours)),
          fig("entries", fmtNumber(s.entries)),
          fig("people_checked", fmtNumber(s.people_checked)),
          fig("vehicles_checked", fmtNumber(s.vehicles_checked)),
          fig("vessels_checked", fmtNumber(s.vessels_checked)),
          fig("violations", fmtNumber(s.violations)),
          fig("incidents", fmtNumber(s.incidents)),
        ),
      );
    } catch (e) {
      if (e.status !== 401 && !gone) fill(summary, failure(e));
    }
  };

  const loadLog = async () => {
    try {
      const r = await api(`/operations/${id}/log?limit=500`);
      if (gone) return;
      if (!r.items.length) {
        fill(logList, empty(t("operations.log.empty")));
        return;
      }
      const counts = (e) =>
        ["people_checked", "vehicles_checked", "vessels_checked", "violations"]
          .filter((k) => e[k])
          .map((k) => `${t(`operations.sum.${k}`)}: ${fmtNumber(e[k])}`)
          .join(" · ");
      fill(
        logList,
        h(
          "ol",
          { class: "log-list" },
          [...r.items].reverse().map((e) =>
            h(
              "li",
              { dataset: { id: e.id } },
              h("p", { class: "log-head" }, h("time", { datetime: e.at }, fmtDateTime(e.at)), " · ", e.person_name || t("common.na")),
              h("p", { class: "pre" }, e.text),
              counts(e) ? h("p", { class: "small" }, counts(e)) : null,
              e.items_seized ? h("p", { class: "small" }, t("operations.log.seized", { items: e.items_seized })) : null,
              e.incident_id ? h("p", { class: "small" }, h("a", { href: `#/incidents/${e.incident_id}` }, t("operations.log.incident_link"))) : null,
            ),
          ),
        ),
      );
    } catch (e) {
      if (e.status !== 401 && !gone) fill(logList, failure(e));
    }
  };

  const paintHead = async () => {
    const names = new Map();
    const ids = [...new Set([op.commander_id, ...op.people_ids].filter(Boolean))].slice(0, 60);
    await Promise.all(ids.map((pid) => person(pid).then((p) => names.set(pid, p.full_name)).catch(() => {})));
    if (gone) return;
    fill(
      head,
      h("h2", { id: "op-title" }, op.title),
      h(
        "p",
        { class: "badges" },
        statusBadge(op.status),
        h("span", { class: "badge" }, t(`operations.kind.${op.kind}`)),
        h("span", { class: "badge" }, t(`operations.domain.${op.domain}`)),
        op.is_joint ? h("span", { class: "badge badge-joint" }, t("operations.joint")) : null,
        op.classification !== "unclassified" ? h("span", { class: "badge badge-class" }, t(`exchange.class.${op.classification}`)) : null,
      ),
      h(
        "dl",
        { class: "meta" },
        h("dt", null, t("operations.detail.planned")),
        h("dd", null, `${fmtDateTime(op.planned_start)} – ${fmtDateTime(op.planned_end)}`),
        op.started_at ? [h("dt", null, t("operations.detail.started")), h("dd", null, fmtDateTime(op.started_at))] : null,
        op.ended_at ? [h("dt", null, t("operations.detail.ended")), h("dd", null, fmtDateTime(op.ended_at))] : null,
        op.cancel_reason ? [h("dt", null, t("operations.detail.cancel_reason")), h("dd", null, op.cancel_reason)] : null,
        h("dt", null, t("operations.f.units")),
        h(
          "dd",
          null,
          h(
            "ul",
            { class: "plain", id: "op-units" },
            op.units.map((u) => h("li", null, u.unit_name, " ", forceBadge(u.force), u.role === "lead" ? h("span", { class: "muted small" }, ` (${t("operations.detail.lead")})`) : null)),
          ),
        ),
        op.commander_id ? [h("dt", null, t("operations.f.commander")), h("dd", null, names.get(op.commander_id) || `#${op.commander_id}`)] : null,
        h("dt", null, t("operations.f.people")),
        h("dd", null, op.people_ids.length ? op.people_ids.map((p) => names.get(p) || `#${p}`).join(", ") : t("common.na")),
        op.description ? [h("dt", null, t("operations.f.description")), h("dd", { class: "pre" }, op.description)] : null,
      ),
    );
  };

  const paintActions = async () => {
    actions.replaceChildren();
    actMsg.textContent = "";
    if (!may(user, "operation.status")) return;
    // Changing the plan: planned or active, by a planner of the planning unit or above.
    let owner = null;
    try {
      owner = (await unitMap(true)).get(op.owner_unit_id);
    } catch {
      owner = null;
    }
    if (gone) return;
    actions.replaceChildren();
    const act = (status, key, primary) => {
      const b = h("button", { type: "button", class: `btn btn-small${primary ? " btn-primary" : ""}`, dataset: { write: "operation.status", action: status } }, t(key));
      b.addEventListener("click", async () => {
        const body = { status, version: op.version };
        if (status === "cancelled") {
          const reason = await promptReason(actions, t("operations.detail.cancel_reason"), t("operations.action.cancel_do"));
          if (!reason) return;
          body.reason = reason;
        }
        b.disabled = true;
        try {
          op = await api(`/operations/${id}/status`, { method: "POST", body });
          await refresh();
        } catch (e) {
          b.disabled = false;
          if (e.status !== 401) actMsg.textContent = apiMessage(e);
        }
      });
      return b;
    };
    if (op.status === "planned") actions.append(act("active", "operations.action.start", true), act("cancelled", "operations.action.cancel"));
    if (op.status === "active") actions.append(act("completed", "operations.action.complete", true), act("cancelled", "operations.action.cancel"));
    if (mayEdit(user, op, owner))
      actions.append(h("a", { class: "btn btn-small", id: "op-edit", href: `#/operations/${op.id}/edit`, dataset: { write: "operation.plan" } }, t("operations.action.edit")));
  };

  const paintLogForm = async () => {
    logFormBox.replaceChildren();
    if (op.status !== "active" || !may(user, "operation.log")) return;
    const toggle = h("button", { type: "button", class: "btn btn-small btn-primary", id: "log-add", dataset: { write: "operation.log" }, "aria-expanded": "false" }, t("operations.log.add"));
    logFormBox.append(toggle);
    let cats = [];
    toggle.addEventListener("click", async () => {
      if (logFormBox.querySelector("form")) {
        logFormBox.querySelector("form").remove();
        toggle.setAttribute("aria-expanded", "false");
        return;
      }
      toggle.setAttribute("aria-expanded", "true");
      try {
        cats = (await categories()).filter((c) => c.is_active).sort((a, b) => a.sort_order - b.sort_order);
      } catch {
        cats = [];
      }
      logFormBox.append(logForm(cats));
    });
  };

  const logForm = (cats) => {
    const atDt = dateTimeInput({ name: "at", label: t("operations.log.at"), value: new Date() });
    const text = textarea({ name: "text", rows: 3 });
    const num = (name) => input({ type: "number", name, min: 0, max: 1000000, value: 0, inputmode: "numeric", class: "num-input" });
    const nums = { people_checked: num("people_checked"), vehicles_checked: num("vehicles_checked"), vessels_checked: num("vessels_checked"), violations: num("violations") };
    const seized = input({ name: "items_seized" });
    const withInc = h("input", { type: "checkbox", id: "log-incident" });
    const incCat = select([["", t("exchange.drafts.choose_category")], ...cats.map((c) => [c.code, categoryName(c)])], "", { name: "incident.category" });
    const incSev = select([["", t("exchange.drafts.default_severity")], ...[1, 2, 3, 4].map((s) => [s, t(`severity.${s}`)])], "", { name: "incident.severity" });
    const incTitle = input({ name: "incident.title", maxlength: 300 });
    const incBox = h(
      "div",
      { class: "inc-box", hidden: true },
      field("incident.category", t("exchange.drafts.category"), incCat, { required: true }),
      field("incident.severity", t("exchange.drafts.severity"), incSev),
      field("incident.title", t("operations.log.incident_title"), incTitle, { required: true }),
    );
    withInc.addEventListener("change", () => {
      incBox.hidden = !withInc.checked;
    });
    let loc = null;
    const locText = h("span", { class: "small", id: "log-loc" }, t("operations.log.no_location"));
    const submit = h("button", { type: "submit", class: "btn btn-primary", dataset: { write: "operation.log" } }, t("operations.log.save"));
    const form = h(
      "form",
      { class: "form log-form", id: "log-form", novalidate: true },
      h("div", { class: "form-row" }, field("at", t("operations.log.at"), atDt.input, { hint: t("dt.format") })),
      field("text", t("operations.log.text"), text, { required: true }),
      h("div", { class: "form-row nums" }, Object.entries(nums).map(([k, el]) => field(k, t(`operations.sum.${k}`), el))),
      field("items_seized", t("operations.log.items_seized"), seized),
      h("p", { class: "muted small", dataset: { field: "location" } }, t("operations.log.location_hint"), " ", locText, h("span", { class: "field-error" })),
      h("label", { class: "check" }, withInc, " ", t("operations.log.with_incident")),
      incBox,
      h("p", { class: "form-error", role: "alert" }),
      h("div", { class: "actions" }, submit),
    );
    // A click on the map while the form is open places the entry.
    let marker = null;
    const onMap = (e) => {
      loc = { lat: Math.round(e.latlng.lat * 1e6) / 1e6, lon: Math.round(e.latlng.lng * 1e6) / 1e6 };
      locText.textContent = `${loc.lat}, ${loc.lon}`;
      if (marker) marker.setLatLng(e.latlng);
      else if (L) marker = L.circleMarker(e.latlng, { radius: 7, color: "#b00020", fillOpacity: 0.9 }).addTo(map);
    };
    mapClick = onMap;
    const detach = () => {
      if (mapClick === onMap) mapClick = null;
      if (marker) marker.remove();
    };
    cleanups.push(detach);
    atDt.place();
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      if (!text.value.trim()) {
        showError(form, "text", t("exchange.ui.required"));
        return;
      }
      const body = { text: text.value.trim() };
      // The minute shown is not the second of now: unchanged, the server's clock decides.
      if (atDt.state() === "invalid") return void showError(form, "at", t("dt.invalid"));
      const atIso = !atDt.untouched() ? atDt.iso() : null;
      if (atIso) body.at = atIso;
      for (const [k, el] of Object.entries(nums)) if (Number(el.value)) body[k] = Number(el.value);
      if (seized.value.trim()) body.items_seized = seized.value.trim();
      if (loc) body.location = loc;
      if (withInc.checked) {
        if (!incCat.value) return void showError(form, "incident.category", t("exchange.ui.required"));
        if (!incTitle.value.trim()) return void showError(form, "incident.title", t("exchange.ui.required"));
        body.incident = { category: incCat.value, title: incTitle.value.trim() };
        if (incSev.value) body.incident.severity = Number(incSev.value);
      }
      submit.disabled = true;
      try {
        await api(`/operations/${id}/log`, { method: "POST", body });
        detach();
        form.remove();
        logFormBox.querySelector("#log-add")?.setAttribute("aria-expanded", "false");
        loadLog();
        loadSummary();
      } catch (er) {
        submit.disabled = false;
        if (er.status !== 401) showError(form, er.field, apiMessage(er));
      }
    });
    setTimeout(() => text.focus(), 0);
    return form;
  };

  // ---- the map: plan and tracks ------------------------------------------------------------
  const color = (i) => TRACK_COLORS[i % TRACK_COLORS.length];
  const loadTrack = async () => {
    if (!map || !op || op.status === "planned" || op.status === "cancelled" && !op.started_at) return;
    let fc;
    try {
      fc = await geojson(`/operations/${id}/track`);
    } catch (e) {
      return;
    }
    if (!fc || !Array.isArray(fc.features)) return;
    if (gone) return;
    trackLayer.clearLayers();
    tracks.clear();
    fc.features.forEach((f, i) => addTrack(f.properties, f.geometry.type === "Point" ? [f.geometry.coordinates] : f.geometry.coordinates, i));
    paintLegend();
  };
  const addTrack = (p, coords, i) => {
    const ll = coords.map((c) => [c[1], c[0]]);
    const line = L.polyline(ll, { color: color(i), weight: 3, opacity: 0.85, className: "track" }).addTo(trackLayer);
    const last = ll[ll.length - 1];
    const marker = L.circleMarker(last, { radius: 7, color: "#fff", weight: 2, fillColor: color(i), fillOpacity: 1, className: "track-head" }).addTo(trackLayer);
    marker.bindTooltip(p.callsign || p.person_name || p.uid);
    tracks.set(p.device_id, { line, marker, p, i });
  };
  const paintLegend = () => {
    const legend = body.querySelector("#track-legend");
    if (!legend) return;
    fill(
      legend,
      tracks.size
        ? h(
            "ul",
            { class: "legend" },
            [...tracks.values()].map(({ p, i }) => h("li", null, h("span", { class: "swatch", dataset: { c: i % TRACK_COLORS.length } }), ` ${p.callsign || p.uid}${p.person_name ? ` — ${p.person_name}` : ""}`)),
          )
        : h("p", { class: "muted" }, op.status === "planned" ? t("operations.detail.no_track_planned") : t("operations.detail.no_track")),
    );
    legend.querySelectorAll(".swatch").forEach((s) => {
      s.style.background = TRACK_COLORS[Number(s.dataset.c)];
    });
  };
  const onPosition = (d) => {
    if (!map || !op || op.status !== "active") return;
    const tr = tracks.get(d.device_id);
    if (tr) {
      tr.line.addLatLng([d.lat, d.lon]);
      tr.marker.setLatLng([d.lat, d.lon]);
    } else if (d.person_id && op.people_ids.includes(d.person_id)) {
      addTrack(d, [[d.lon, d.lat]], tracks.size);
      paintLegend();
    }
  };

  const initMap = async () => {
    try {
      const [Lx, areas] = await Promise.all([loadLeaflet(), loadAreas()]);
      if (gone) return;
      L = Lx;
      map = L.map(mapEl, { zoomSnap: 0.25, attributionControl: false });
      areasLayer(L, areas).addTo(map);
      const g = op.geometry;
      const planStyle = { color: "#c0392b", weight: 4, dashArray: "8 6", fillOpacity: 0.1, className: "op-plan" };
      const plan = L.geoJSON(g, { style: () => planStyle, pointToLayer: (f, ll) => L.circleMarker(ll, { ...planStyle, radius: 9, dashArray: null, fillOpacity: 0.6 }) }).addTo(map);
      trackLayer = L.featureGroup().addTo(map);
      map.on("click", (e) => mapClick && mapClick(e));
      const b = plan.getBounds();
      if (b.isValid()) {
        if (g.type === "Point") map.setView(b.getCenter(), 13);
        else map.fitBounds(b, { padding: [24, 24], maxZoom: 15 });
      } else map.setView([10.2, 106.4], 9);
      cleanups.push(() => map.remove());
      mapEl.dataset.ready = "1";
      await loadTrack();
      if (op.status !== "active") paintLegend();
    } catch (e) {
      if (!gone) fill(mapEl, failure(e));
    }
  };

  const refresh = async () => {
    op = await api(`/operations/${id}`);
    if (gone) return;
    paintActions();
    await paintHead();
    paintLogForm();
    loadSummary();
    loadLog();
    if (map) await loadTrack();
  };

  (async () => {
    try {
      op = await api(`/operations/${id}`);
    } catch (e) {
      if (e.status !== 401 && !gone)
        fill(body, h("p", null, h("a", { href: "#/operations" }, t("operations.back"))), h("section", { class: "panel" }, e.status === 404 ? h("p", null, t("operations.not_found")) : failure(e)));
      return;
    }
    if (gone) return;
    paintActions();
    paintHead();
    paintLogForm();
    loadSummary();
    loadLog();
    initMap();
  })();

  let timer = null;
  const soonAll = (d) => {
    if (Number(d.id) !== Number(id) && Number(d.operation_id) !== Number(id)) return;
    if (!timer)
      timer = setTimeout(() => {
        timer = null;
        if (!logFormBox.querySelector("form")) refresh().catch(() => {});
        else {
          loadLog();
          loadSummary();
        }
      }, 800);
  };
  cleanups.push(
    live(
      {
        position: onPosition,
        "operation.started": soonAll,
        "operation.completed": soonAll,
        "operation.cancelled": soonAll,
        "operation.updated": soonAll,
        "operation.logged": soonAll,
      },
      setState,
    ),
  );
  // Minutes pass: the hours figure of an active operation.
  const tick = setInterval(() => {
    if (op && op.status === "active") loadSummary();
  }, 60000);
  cleanups.push(() => clearInterval(tick));
  return () => {
    gone = true;
    clearTimeout(timer);
    cleanups.forEach((f) => f());
  };
}
