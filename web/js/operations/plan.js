// operations/plan.js - planning an operation: its kind and place drawn on the map
// (route, area or checkpoint), the units of several forces (joint when two forces),
// the people and vehicles or vessels of those units, the times and classification.
// A 409 conflict is shown next to the people or the assets, naming the other
// operation.

import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { t } from "../i18n.js";
import { areasBounds, areasLayer, loadAreas, loadLeaflet } from "../areas-layer.js";
import {
  apiMessage,
  clearErrors,
  failure,
  field,
  forceBadge,
  fromLocalInput,
  input,
  levelsFor,
  loading,
  select,
  showError,
  textarea,
  toLocalInput,
  units as loadUnits,
} from "../exchange/ui.js";
import { drawTool } from "./draw.js";
import { fold, unitPicker } from "./unitpicker.js";

const KINDS = ["patrol", "control", "checkpoint"];
const DOMAINS = ["land", "river", "sea"];
const SHAPES = { patrol: ["route", "area"], control: ["area", "point"], checkpoint: ["point"] };

export function render(body, ctx) {
  const { user } = ctx;
  const cleanups = [];
  const title = input({ name: "title", maxlength: 300, autocomplete: "off" });
  const kind = select(KINDS.map((k) => [k, t(`operations.kind.${k}`)]), "patrol", { name: "kind" });
  const domain = select(DOMAINS.map((k) => [k, t(`operations.domain.${k}`)]), "land", { name: "domain" });
  const description = textarea({ name: "description", rows: 3 });
  const start0 = new Date(Math.ceil((Date.now() + 3600000) / 1800000) * 1800000);
  const start = input({ type: "datetime-local", name: "planned_start", value: toLocalInput(start0) });
  const end = input({ type: "datetime-local", name: "planned_end", value: toLocalInput(new Date(start0.getTime() + 4 * 3600000)) });
  const cls = select(levelsFor(user).map((c) => [c, t(`exchange.class.${c}`)]), "unclassified", { name: "classification" });
  const shapeBox = h("div", { class: "checks shape-choice" });
  const mapEl = h("div", { class: "op-map", id: "plan-map", role: "application", "aria-label": t("operations.draw.map_label") });
  const drawBox = h("div", { class: "draw-box" }, loading());
  const unitsBox = h("div", null, loading());
  const jointNote = h("p", { class: "joint-note", id: "joint-note", "aria-live": "polite" });
  const peopleBox = h("div", { class: "people-box", id: "people-box" }, h("p", { class: "muted small" }, t("operations.plan.people_hint")));
  const assetsBox = h("div", { class: "people-box", id: "assets-box" });
  const commander = select([["", t("operations.plan.no_commander")]], "", { name: "commander_id" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", id: "plan-submit", dataset: { write: "operation.plan" } }, t("operations.plan.submit"));

  const form = h(
    "form",
    { class: "panel form plan-form", id: "plan-form", novalidate: true },
    h("h2", null, t("operations.plan.title")),
    field("title", t("operations.f.title"), title, { required: true }),
    h("div", { class: "form-row" }, field("kind", t("operations.f.kind"), kind), field("domain", t("operations.f.domain"), domain), field("classification", t("operations.f.classification"), cls)),
    h(
      "fieldset",
      { class: "where", dataset: { field: "geometry" } },
      h("legend", null, t("operations.f.geometry")),
      shapeBox,
      h("p", { class: "muted small" }, t("operations.draw.help")),
      mapEl,
      drawBox,
      h("p", { class: "field-error", role: "alert" }),
    ),
    h("div", { class: "form-row" }, field("planned_start", t("operations.f.start"), start, { required: true }), field("planned_end", t("operations.f.end"), end, { required: true })),
    h(
      "fieldset",
      { dataset: { field: "unit_ids" } },
      h("legend", null, t("operations.f.units")),
      h("p", { class: "muted small" }, t("operations.plan.units_hint")),
      jointNote,
      unitsBox,
      h("p", { class: "field-error", role: "alert" }),
    ),
    h("fieldset", { dataset: { field: "people_ids" } }, h("legend", null, t("operations.f.people")), field("commander_id", t("operations.f.commander"), commander), peopleBox, h("p", { class: "field-error", role: "alert" })),
    h("fieldset", { dataset: { field: "asset_ids" } }, h("legend", null, t("operations.f.assets")), assetsBox, h("p", { class: "field-error", role: "alert" })),
    field("description", t("operations.f.description"), description),
    h("p", { class: "form-error", role: "alert" }),
    h("div", { class: "actions" }, submit, h("a", { class: "btn", href: "#/operations" }, t("exchange.ui.cancel"))),
  );
  body.append(form);

  // ---- the map ---------------------------------------------------------------------------
  let tool = null;
  let shape = "route";
  const paintShapes = () => {
    const allowed = SHAPES[kind.value];
    if (!allowed.includes(shape)) shape = allowed[0];
    fill(
      shapeBox,
      allowed.map((s) =>
        h(
          "label",
          { class: "check" },
          h("input", {
            type: "radio",
            name: "shape",
            value: s,
            checked: s === shape ? true : null,
            onchange: () => {
              shape = s;
              if (tool) tool.setMode(s);
            },
          }),
          " ",
          t(`operations.shape.${s}`),
        ),
      ),
    );
    if (tool) tool.setMode(shape);
  };
  kind.addEventListener("change", paintShapes);
  paintShapes();
  let gone = false;
  (async () => {
    try {
      const [L, areas] = await Promise.all([loadLeaflet(), loadAreas()]);
      if (gone) return;
      const map = L.map(mapEl, { zoomSnap: 0.25, attributionControl: false });
      areasLayer(L, areas, { tooltip: false }).addTo(map);
      const b = areasBounds(L, areas);
      if (b) map.fitBounds(b, { padding: [8, 8] });
      else map.setView([10.2, 106.4], 9);
      tool = drawTool(L, map, { mode: shape });
      fill(drawBox, tool.controls);
      cleanups.push(() => map.remove());
      mapEl.dataset.ready = "1";
    } catch (e) {
      if (!gone) fill(drawBox, failure(e));
    }
  })();

  // ---- units, people, assets -------------------------------------------------------------
  let picker = null;
  let unitById = new Map();
  const owner = () => unitById.get(user.unit_id);
  const peopleSel = new Set();
  const assetSel = new Set();
  const peopleCache = new Map();
  const assetCache = new Map();
  const chosenUnits = () => [user.unit_id, ...(picker ? picker.value() : [])].filter(Boolean);
  const refreshJoint = () => {
    const forces = new Set(chosenUnits().map((id) => (unitById.get(id) || {}).force).filter(Boolean));
    fill(
      jointNote,
      forces.size > 1 ? h("span", { class: "badge badge-joint" }, t("operations.joint")) : null,
      " ",
      [...forces].map((f) => forceBadge(f)),
    );
  };
  const checkList = (items, sel, name, label) =>
    h(
      "ul",
      { class: "picker-list" },
      items.map((it) =>
        h(
          "li",
          { dataset: { search: fold(label(it)) } },
          h(
            "label",
            null,
            h("input", {
              type: "checkbox",
              name,
              value: it.id,
              checked: sel.has(it.id) ? true : null,
              onchange: (e) => {
                if (e.target.checked) sel.add(it.id);
                else sel.delete(it.id);
              },
            }),
            " ",
            label(it),
          ),
        ),
      ),
    );
  let seqP = 0;
  const refreshPeople = async () => {
    const my = ++seqP;
    const ids = chosenUnits();
    try {
      await Promise.all(
        ids.map(async (id) => {
          if (!peopleCache.has(id)) peopleCache.set(id, api(`/people?unit_id=${id}&limit=200`).then((r) => r.items));
          if (!assetCache.has(id)) assetCache.set(id, api(`/assets?unit_id=${id}&limit=100`).then((r) => r.items.filter((a) => a.unit_id === id)));
        }),
      );
      const people = (await Promise.all(ids.map((id) => peopleCache.get(id)))).map((list, i) => [ids[i], list]);
      const assets = (await Promise.all(ids.map((id) => assetCache.get(id)))).map((list, i) => [ids[i], list]);
      if (my !== seqP || gone) return;
      const keepCmd = commander.value;
      fill(commander, h("option", { value: "" }, t("operations.plan.no_commander")));
      const pgroups = [];
      for (const [uid, list] of people) {
        const u = unitById.get(uid);
        const active = list.filter((p) => !p.is_disabled);
        for (const p of active) commander.append(h("option", { value: p.id, selected: String(p.id) === keepCmd ? true : null }, `${p.full_name}${p.rank ? ` (${p.rank})` : ""} — ${u ? u.name : ""}`));
        if (active.length)
          pgroups.push(h("fieldset", { class: "picker-force" }, h("legend", null, u ? u.name : `#${uid}`), checkList(active, peopleSel, "people_ids", (p) => `${p.full_name}${p.rank ? `, ${p.rank}` : ""}${p.position ? ` — ${p.position}` : ""}`)));
      }
      fill(peopleBox, pgroups.length ? pgroups : h("p", { class: "muted small" }, t("operations.plan.no_people")));
      const agroups = [];
      for (const [uid, list] of assets) {
        const u = unitById.get(uid);
        const active = list.filter((a) => a.is_active);
        if (active.length)
          agroups.push(h("fieldset", { class: "picker-force" }, h("legend", null, u ? u.name : `#${uid}`), checkList(active, assetSel, "asset_ids", (a) => `${a.name} (${t(`operations.asset.${a.kind}`)} ${a.code})`)));
      }
      fill(assetsBox, agroups.length ? agroups : h("p", { class: "muted small" }, t("operations.plan.no_assets")));
    } catch (e) {
      if (e.status !== 401 && !gone) fill(peopleBox, failure(e));
    }
  };
  loadUnits()
    .then((list) => {
      if (gone) return;
      unitById = new Map(list.map((u) => [u.id, u]));
      picker = unitPicker(
        list.filter((u) => u.is_active && u.id !== user.unit_id),
        [],
        {
          name: "unit_ids",
          onChange: () => {
            refreshJoint();
            refreshPeople();
          },
        },
      );
      fill(unitsBox, owner() ? h("p", { class: "small" }, t("operations.plan.lead_unit", { unit: owner().name }), " ", forceBadge(owner().force)) : null, picker.el);
      refreshJoint();
      refreshPeople();
    })
    .catch((e) => fill(unitsBox, failure(e)));

  // ---- submit ----------------------------------------------------------------------------
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    form.querySelectorAll(".conflict-link").forEach((x) => x.remove());
    const geometry = tool ? tool.geometry() : null;
    const ps = fromLocalInput(start.value);
    const pe = fromLocalInput(end.value);
    let bad = false;
    const err = (f, k) => {
      if (!bad) showError(form, f, t(k));
      else {
        const box = form.querySelector(`[data-field="${f}"] .field-error`);
        if (box) box.textContent = t(k);
      }
      bad = true;
    };
    if (!title.value.trim()) err("title", "exchange.ui.required");
    if (!geometry) err("geometry", `operations.draw.need_${shape}`);
    if (!ps) err("planned_start", "exchange.ui.required");
    if (!pe) err("planned_end", "exchange.ui.required");
    else if (ps && pe <= ps) err("planned_end", "operations.plan.end_after");
    if (bad) return;
    const payload = {
      kind: kind.value,
      domain: domain.value,
      title: title.value.trim(),
      geometry,
      planned_start: ps,
      planned_end: pe,
      unit_ids: picker ? picker.value() : [],
      people_ids: [...peopleSel],
      asset_ids: [...assetSel],
      classification: cls.value,
    };
    if (description.value.trim()) payload.description = description.value.trim();
    if (commander.value) payload.commander_id = Number(commander.value);
    submit.disabled = true;
    try {
      const op = await api("/operations", { method: "POST", body: payload });
      location.hash = `#/operations/${op.id}`;
    } catch (er) {
      submit.disabled = false;
      if (er.status === 401) return;
      const box = showError(form, er.field, apiMessage(er));
      // 409: another operation holds a person or an asset at that time.
      // The error names it (conflict_operation_id); older servers only in the text.
      const cid = er.details && er.details.conflict_operation_id;
      const m = er.status !== 409 ? null : cid ? [String(cid), String(cid)] : /operation (\d+)/.exec(er.message || "");
      if (box && m) {
        const quoted = /\("(.*)"\)/.exec(er.message || "");
        box.querySelector(".field-error").replaceChildren(
          t("operations.plan.conflict", { what: t(`operations.conflict.${er.field === "asset_ids" ? "asset" : "person"}`) }),
          " ",
          h("a", { href: `#/operations/${m[1]}`, class: "conflict-link" }, quoted ? quoted[1] : t("operations.plan.conflict_op", { id: m[1] })),
        );
      }
    }
  });
  title.focus();
  return () => {
    gone = true;
    cleanups.forEach((f) => f());
  };
}
