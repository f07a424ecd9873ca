// hotspots/detail.js - one hot spot (GET /api/v1/hotspots/{id}): what it is (trend,
// z, the window analysed, the categories), its cells on a small map over the areas,
// the incidents in it (links to their pages), its notes with the status moves, and,
// when the record says can_set_status (the commanders of the responsible units), the
// status buttons with a note. A 409 (not a legal move) or 412 (someone moved it
// first) is shown next to the buttons; the record is then read again.

import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { fmtDateTime, fmtNumber, t } from "../i18n.js";
import { areasLayer, loadAreas, loadLeaflet } from "../areas-layer.js";
import { categories, failure, live, loading, textarea } from "../exchange/ui.js";
import { categoriesText, fmtDec, fmtP, statusBadge, statusName, trendBadge, trendName } from "./common.js";

const MOVES = ["confirmed", "resolved", "watch"]; // the buttons, in this order
const MAX_INCIDENTS = 40; // read one by one: beyond this, a count

function fact(label, value, cls) {
  return h("div", { class: `fact${cls ? ` ${cls}` : ""}` }, h("dt", null, label), h("dd", null, value));
}

export function render(body, ctx) {
  const { id } = ctx;
  let gone = false;
  const cleanups = [];
  let hs = null; // the Feature
  let cats = new Map();
  let noteText = ""; // kept across re-renders of the actions

  const head = h("div", { class: "hs-detail-head" }, h("p", null, h("a", { href: "#/hotspots" }, t("hotspots.back"))));
  const factsBox = h("section", { class: "panel", id: "hs-facts", "aria-labelledby": "hs-title" }, loading());
  const actionsBox = h("section", { class: "panel hs-actions", id: "hs-actions", "aria-labelledby": "hs-actions-title", hidden: true });
  const mapEl = h("div", { class: "hs-map", id: "hs-map", role: "region", "aria-label": t("hotspots.detail.map_label"), tabindex: "0" });
  const mapBox = h(
    "section",
    { class: "panel", "aria-labelledby": "hs-map-title" },
    h("h2", { id: "hs-map-title" }, t("hotspots.detail.map")),
    mapEl,
  );
  const incBox = h("section", { class: "panel", id: "hs-incidents", "aria-labelledby": "hs-inc-title" }, h("h2", { id: "hs-inc-title" }, t("hotspots.detail.incidents")), loading());
  const notesBox = h("section", { class: "panel", id: "hs-notes", "aria-labelledby": "hs-notes-title" }, h("h2", { id: "hs-notes-title" }, t("hotspots.detail.notes")), loading());
  body.append(
    head,
    h(
      "div",
      { class: "hs-detail-grid" },
      h("div", { class: "hs-col" }, factsBox, actionsBox, notesBox),
      h("div", { class: "hs-col" }, mapBox, incBox),
    ),
  );

  // ---- what it is ----
  function paintFacts() {
    const p = hs.properties;
    fill(
      factsBox,
      h("h2", { id: "hs-title" }, t("hotspots.detail.title", { id: p.id, area: p.area_name || t("common.na") })),
      h("p", { class: "badges" }, statusBadge(p.status), " ", trendBadge(p.trend)),
      h(
        "dl",
        { class: "facts" },
        fact(t("hotspots.col.trend"), trendName(p.trend)),
        fact(t("hotspots.col.status"), statusName(p.status)),
        fact(t("hotspots.col.area"), p.area_name || t("common.na")),
        fact(t("hotspots.col.z"), fmtDec(p.z)),
        fact(t("hotspots.popup.p"), fmtP(p.p)),
        fact(t("hotspots.col.incidents"), fmtNumber(p.incident_count || 0)),
        fact(t("hotspots.detail.cells"), t("hotspots.detail.cells_value", { n: fmtNumber(p.n_cells || 0), m: fmtNumber(p.cell_m || 0) })),
        fact(t("hotspots.col.categories"), categoriesText(p.categories, cats)),
        fact(t("hotspots.detail.window"), t("hotspots.detail.window_value", { from: fmtDateTime(p.window_from), to: fmtDateTime(p.window_to) }), "wide"),
        fact(t("hotspots.col.detected"), fmtDateTime(p.detected_at)),
        fact(t("hotspots.detail.updated"), fmtDateTime(p.updated_at)),
      ),
    );
  }

  // ---- the status buttons (commanders) ----
  function paintActions(message, isError) {
    const p = hs.properties;
    if (!p.can_set_status) {
      actionsBox.hidden = true;
      actionsBox.textContent = "";
      return;
    }
    actionsBox.hidden = false;
    const note = textarea({ id: "hs-note", rows: 3, maxlength: 4000, "aria-describedby": "hs-action-msg" }, noteText);
    note.addEventListener("input", () => {
      noteText = note.value;
    });
    const msg = h("p", { class: isError ? "field-error hs-action-msg" : "ok-msg hs-action-msg", id: "hs-action-msg", role: isError ? "alert" : "status" }, message || "");
    const buttons = MOVES.filter((s) => s !== p.status).map((s) =>
      h(
        "button",
        {
          type: "button",
          class: `btn btn-small${s === "confirmed" ? " btn-primary" : ""}`,
          dataset: { write: "hotspot.status", status: s },
          onclick: () => move(s, buttons),
        },
        t(`hotspots.action.${s}`),
      ),
    );
    const noteBtn = h(
      "button",
      { type: "button", class: "btn btn-small", id: "hs-add-note", dataset: { write: "hotspot.note" }, onclick: () => addNote([...buttons, noteBtn]) },
      t("hotspots.add_note"),
    );
    buttons.push(noteBtn);
    fill(
      actionsBox,
      h("h2", { id: "hs-actions-title" }, t("hotspots.detail.actions")),
      h("p", { class: "muted small" }, t("hotspots.detail.actions_hint")),
      h("div", { class: "field" }, h("label", { for: "hs-note" }, t("hotspots.note_label")), note),
      h("div", { class: "actions" }, buttons),
      msg,
    );
  }

  function failMessage(e) {
    if (!e.status) return t("error.network");
    if (e.status === 412) return t("hotspots.stale");
    if (e.status === 403) return t("hotspots.forbidden");
    let m = e.message || e.code;
    if (e.field && m.startsWith(`${e.field}: `)) m = m.slice(e.field.length + 2); // "status: ..." next to the buttons
    return m;
  }

  async function move(status, buttons) {
    buttons.forEach((b) => (b.disabled = true));
    const body = { status, version: hs.properties.version };
    if (noteText.trim()) body.note = noteText.trim();
    try {
      hs = await api(`/hotspots/${id}/status`, { method: "POST", body });
    } catch (e) {
      if (gone || e.status === 401) return;
      // Read it again (someone may have moved it), keeping the note being written.
      await reload(false);
      paintActions(t("hotspots.status_failed", { message: failMessage(e) }), true);
      return;
    }
    if (gone) return;
    noteText = "";
    await reload(false); // the notes and version as stored
    paintActions(t("hotspots.status_done", { status: statusName(status) }), false);
  }

  async function addNote(buttons) {
    const text = noteText.trim();
    if (!text) {
      paintActions(t("hotspots.note_required"), true);
      document.getElementById("hs-note")?.focus();
      return;
    }
    buttons.forEach((b) => (b.disabled = true));
    try {
      await api(`/hotspots/${id}/notes`, { method: "POST", body: { text } });
    } catch (e) {
      if (gone || e.status === 401) return;
      paintActions(t("hotspots.note_failed", { message: failMessage(e) }), true);
      return;
    }
    if (gone) return;
    noteText = "";
    await reload(false);
    paintActions(t("hotspots.note_done"), false);
  }

  // ---- notes ----
  function paintNotes() {
    const notes = [...(hs.properties.notes || [])].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.id - a.id));
    fill(
      notesBox,
      h("h2", { id: "hs-notes-title" }, t("hotspots.detail.notes")),
      notes.length
        ? h(
            "ol",
            { class: "hs-notes" },
            notes.map((n) =>
              h(
                "li",
                { class: "hs-note" },
                h(
                  "p",
                  { class: "hs-note-head" },
                  h("time", { datetime: n.at }, fmtDateTime(n.at)),
                  " · ",
                  n.person_name || t("common.na"),
                  n.status_to ? [" · ", h("span", { class: "hs-note-move" }, t("hotspots.detail.note_move", { from: statusName(n.status_from), to: statusName(n.status_to) }))] : null,
                ),
                n.text ? h("p", { class: "pre" }, n.text) : null,
              ),
            ),
          )
        : h("p", { class: "muted" }, t("hotspots.detail.no_notes")),
    );
  }

  // ---- incidents ----
  let incSeq = 0;
  async function paintIncidents() {
    const my = ++incSeq;
    const ids = hs.properties.incident_ids || [];
    const title = h("h2", { id: "hs-inc-title" }, t("hotspots.detail.incidents_n", { n: fmtNumber(ids.length) }));
    if (!ids.length) {
      fill(incBox, title, h("p", { class: "muted" }, t("hotspots.detail.no_incidents")));
      return;
    }
    const shown = ids.slice(0, MAX_INCIDENTS);
    const got = await Promise.all(shown.map((i) => api(`/incidents/${i}`).catch(() => null)));
    if (gone || my !== incSeq) return;
    fill(
      incBox,
      title,
      h(
        "ul",
        { class: "plain hs-incidents" },
        shown.map((i, k) => {
          const inc = got[k];
          return h(
            "li",
            null,
            inc
              ? [
                  h("a", { href: `#/incidents/${i}` }, `${inc.ref} — ${inc.title}`),
                  h("span", { class: "muted small" }, ` · ${fmtDateTime(inc.occurred_at)}`),
                ]
              : h("a", { href: `#/incidents/${i}` }, t("hotspots.detail.incident_n", { id: i })),
          );
        }),
      ),
      ids.length > shown.length ? h("p", { class: "muted small" }, t("hotspots.detail.incidents_more", { n: fmtNumber(ids.length - shown.length) })) : null,
    );
  }

  // ---- the map ----
  let map = null;
  let cellsLayer = null;
  let painted = null; // the status the cells are drawn for
  async function paintMap() {
    painted = hs.properties.status;
    try {
      if (!map) {
        const [L, areas] = await Promise.all([loadLeaflet(), loadAreas()]);
        if (gone) return;
        map = L.map(mapEl, { zoomSnap: 0.25, attributionControl: false, minZoom: 6, maxZoom: 18 });
        areasLayer(L, areas).addTo(map);
        L.control.scale({ imperial: false }).addTo(map);
        cleanups.push(() => map.remove());
      }
      const L = window.L;
      if (cellsLayer) cellsLayer.remove();
      const st = hs.properties.status;
      cellsLayer = L.geoJSON(hs.geometry, {
        style: () => ({
          color: "#5c0011",
          weight: 2,
          dashArray: st === "watch" ? "7 5" : null,
          fillColor: "#ef3b2c",
          fillOpacity: st === "resolved" ? 0.15 : 0.45,
          className: "hs-detail-cell",
        }),
      }).addTo(map);
      const b = cellsLayer.getBounds();
      if (b.isValid()) map.fitBounds(b, { padding: [30, 30], maxZoom: 14 });
      else if (hs.properties.lat) map.setView([hs.properties.lat, hs.properties.lon], 13);
      else map.setView([10.2, 106.4], 9);
      mapEl.dataset.ready = "1";
    } catch (e) {
      if (!gone && e.status !== 401) fill(mapEl, failure(e));
    }
  }

  async function reload(all = true) {
    let f;
    try {
      f = await api(`/hotspots/${id}`);
    } catch (e) {
      if (gone || e.status === 401) return;
      if (!hs)
        fill(factsBox, e.status === 404 ? h("p", { role: "alert" }, t("hotspots.detail.not_found")) : failure(e));
      return;
    }
    if (gone) return;
    hs = f;
    paintFacts();
    paintNotes();
    if (all) {
      paintActions();
      paintIncidents();
    }
    if (all || painted !== hs.properties.status) paintMap();
  }

  (async () => {
    cats = new Map((await categories().catch(() => [])).map((c) => [c.code, c]));
    if (!gone) await reload(true);
  })();

  // Someone else moved it: read it again (the note being written stays).
  const close = live({
    "hotspot.status": (d) => {
      if (d.id === id && hs && d.status !== hs.properties.status)
        reload(false).then(() => {
          if (!gone && hs) paintActions();
        });
    },
  });
  return () => {
    gone = true;
    close();
    cleanups.forEach((f) => {
      try {
        f();
      } catch {
        /* leaving must not fail */
      }
    });
  };
}
