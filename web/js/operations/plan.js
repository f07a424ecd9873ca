// operations/plan.js - planning an operation, and changing the plan: one form for
// both. Its kind and place drawn on the map (route, area or checkpoint), the units of
// several forces (joint when two forces), the people and vehicles or vessels of those
// units, the times (dd/mm/yyyy HH:mm, datetime.js) and classification. A new plan is
// POSTed; a change is PATCHed with If-Match (the version read), and only what
// changed is sent. A 409 conflict is shown next to the people or the assets, naming
// the other operation; a 412 (someone changed it in between) reloads the form with
// the plan as it is now and says so.

import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { t } from "../i18n.js";
import { areasBounds, areasLayer, loadAreas, loadLeaflet } from "../areas-layer.js";
import { dateTimeInput } from "../datetime.js";
import {
  apiMessage,
  clearErrors,
  failure,
  field,
  forceBadge,
  input,
  levelsFor,
  loading,
  may,
  person,
  select,
  showError,
  textarea,
  units as loadUnits,
} from "../exchange/ui.js";
import { drawTool } from "./draw.js";
import { fold, unitPicker } from "./unitpicker.js";

const KINDS = ["patrol", "control", "checkpoint"];
const DOMAINS = ["land", "river", "sea"];
const SHAPES = { patrol: ["route", "area"], control: ["area", "point"], checkpoint: ["point"] };
const SHAPE_OF = { Point: "point", LineString: "route", Polygon: "area" };
// The statuses in which the plan may still change (docs/API.md: a completed or
// cancelled operation is 409).
export const EDITABLE = ["planned", "active"];

// May the person change this operation? A planner (duty officer, commander,
// coordinator) of the planning unit or above, while it is planned or active.
export function mayEdit(user, op, ownerUnit) {
  if (!op || !EDITABLE.includes(op.status) || !may(user, "operation.plan")) return false;
  if (!user.unit_id) return false;
  return Boolean(ownerUnit && (ownerUnit.id === user.unit_id || (ownerUnit.path || "").includes(`/${user.unit_id}/`)));
}

// #/operations/new
export function render(body, ctx) {
  return planForm(body, ctx, null);
}

// #/operations/<id>/edit: the plan as it is, in the same form. reload(message) shows
// the form again from the server's copy (after a 412).
export function renderEdit(body, ctx) {
  let inner = null;
  let gone = false;
  const show = async (message) => {
    if (inner) inner();
    inner = null;
    fill(body, loading());
    let op;
    let all;
    try {
      [op, all] = await Promise.all([api(`/operations/${ctx.id}`), loadUnits(true)]);
    } catch (e) {
      if (e.status === 401 || gone) return;
      fill(body, h("p", null, h("a", { href: "#/operations" }, t("operations.back"))), h("section", { class: "panel" }, e.status === 404 ? h("p", null, t("operations.not_found")) : failure(e)));
      return;
    }
    if (gone) return;
    body.replaceChildren();
    const back = h("p", null, h("a", { href: `#/operations/${op.id}`, id: "op-edit-back" }, t("operations.edit.back")));
    const owner = all.find((u) => u.id === op.owner_unit_id);
    if (!mayEdit(ctx.user, op, owner)) {
      body.append(back, h("section", { class: "panel" }, h("p", { id: "op-edit-refused" }, t(EDITABLE.includes(op.status) ? "operations.edit.not_allowed" : "operations.edit.closed"))));
      return;
    }
    body.append(back);
    inner = planForm(body, ctx, op, { message, reload: show, units: all });
  };
  show(null);
  return () => {
    gone = true;
    if (inner) inner();
  };
}

// The form. op: null to plan a new operation, else the operation to change.
// opts: message (shown above: why the form was reloaded), reload(message), units.
export function planForm(body, ctx, op, opts = {}) {
  const { user } = ctx;
  const editing = Boolean(op);
  const cleanups = [];
  const title = input({ name: "title", maxlength: 300, autocomplete: "off", value: editing ? op.title : null });
  const kind = select(KINDS.map((k) => [k, t(`operations.kind.${k}`)]), editing ? op.kind : "patrol", { name: "kind" });
  const domain = select(DOMAINS.map((k) => [k, t(`operations.domain.${k}`)]), editing ? op.domain : "land", { name: "domain" });
  const description = textarea({ name: "description", rows: 3 }, editing ? op.description || "" : "");
  const start0 = new Date(Math.ceil((Date.now() + 3600000) / 1800000) * 1800000);
  const start = dateTimeInput({ name: "planned_start", required: true, label: t("operations.f.start"), value: editing ? op.planned_start : start0 });
  const end = dateTimeInput({ name: "planned_end", required: true, label: t("operations.f.end"), value: editing ? op.planned_end : new Date(start0.getTime() + 4 * 3600000) });
  // A classification above the person's clearance cannot be set, but one already
  // given stays offered (they would not see the operation otherwise).
  const levels = levelsFor(user);
  if (editing && !levels.includes(op.classification)) levels.push(op.classification);
  const cls = select(levels.map((c) => [c, t(`exchange.class.${c}`)]), editing ? op.classification : "unclassified", { name: "classification" });
  const shapeBox = h("div", { class: "checks shape-choice" });
  const mapEl = h("div", { class: "op-map", id: "plan-map", role: "application", "aria-label": t("operations.draw.map_label") });
  const drawBox = h("div", { class: "draw-box" }, loading());
  const unitsBox = h("div", null, loading());
  const jointNote = h("p", { class: "joint-note", id: "joint-note", "aria-live": "polite" });
  const peopleBox = h("div", { class: "people-box", id: "people-box" }, h("p", { class: "muted small" }, t("operations.plan.people_hint")));
  const assetsBox = h("div", { class: "people-box", id: "assets-box" });
  const commander = select([["", t("operations.plan.no_commander")]], "", { name: "commander_id" });
  const submit = h(
    "button",
    { type: "submit", class: "btn btn-primary", id: "plan-submit", dataset: { write: "operation.plan" } },
    t(editing ? "operations.edit.submit" : "operations.plan.submit"),
  );
  const notice = opts.message ? h("p", { class: "flash flash-warn", id: "plan-notice", role: "status" }, opts.message) : null;
  const startField = field("planned_start", t("operations.f.start"), start.input, { required: true, hint: t("dt.format") });
  const endField = field("planned_end", t("operations.f.end"), end.input, { required: true, hint: t("dt.format") });
  start.place();
  end.place();

  const form = h(
    "form",
    { class: "panel form plan-form", id: "plan-form", novalidate: true, dataset: { mode: editing ? "edit" : "new" } },
    h("h2", null, editing ? t("operations.edit.title") : t("operations.plan.title")),
    notice,
    field("title", t("operations.f.title"), title, { required: true }),
    h("div", { class: "form-row" }, field("kind", t("operations.f.kind"), kind), field("domain", t("operations.f.domain"), domain), field("classification", t("operations.f.classification"), cls)),
    h(
      "fieldset",
      { class: "where", dataset: { field: "geometry" } },
      h("legend", null, t("operations.f.geometry")),
      shapeBox,
      h("p", { class: "muted small" }, t(editing ? "operations.edit.draw_help" : "operations.draw.help")),
      mapEl,
      drawBox,
      h("p", { class: "field-error", role: "alert" }),
    ),
    h("div", { class: "form-row" }, startField, endField),
    h(
      "fieldset",
      { dataset: { field: "unit_ids" } },
      h("legend", null, t("operations.f.units")),
      h("p", { class: "muted small" }, t(editing ? "operations.edit.units_hint" : "operations.plan.units_hint")),
      jointNote,
      unitsBox,
      h("p", { class: "field-error", role: "alert" }),
    ),
    h("fieldset", { dataset: { field: "people_ids" } }, h("legend", null, t("operations.f.people")), field("commander_id", t("operations.f.commander"), commander), peopleBox, h("p", { class: "field-error", role: "alert" })),
    h("fieldset", { dataset: { field: "asset_ids" } }, h("legend", null, t("operations.f.assets")), assetsBox, h("p", { class: "field-error", role: "alert" })),
    field("description", t("operations.f.description"), description),
    h("p", { class: "form-error", role: "alert" }),
    h("div", { class: "actions" }, submit, h("a", { class: "btn", href: editing ? `#/operations/${op.id}` : "#/operations" }, t("exchange.ui.cancel"))),
  );
  body.append(form);

  // ---- the map ---------------------------------------------------------------------------
  let tool = null;
  let shape = editing ? SHAPE_OF[op.geometry && op.geometry.type] || "route" : "route";
  let geometry0 = null; // the plan's geometry as the tool reads it back (edit): unchanged?
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
      tool = drawTool(L, map, { mode: shape });
      // Editing: the plan's shape, to be redrawn (Clear) or corrected (Undo, or
      // the coordinates' box).
      if (editing && op.geometry) {
        tool.load(op.geometry);
        geometry0 = JSON.stringify(tool.geometry());
      }
      const mine = tool.bounds();
      const b = areasBounds(L, areas);
      if (mine && mine.isValid()) {
        if (op.geometry.type === "Point") map.setView(mine.getCenter(), 13);
        else map.fitBounds(mine, { padding: [24, 24], maxZoom: 15 });
      } else if (b) map.fitBounds(b, { padding: [8, 8] });
      else map.setView([10.2, 106.4], 9);
      fill(drawBox, tool.controls);
      cleanups.push(() => map.remove());
      mapEl.dataset.ready = "1";
    } catch (e) {
      if (!gone) fill(drawBox, failure(e));
    }
  })();

  // ---- units, people, assets -------------------------------------------------------------
  const ownerId = editing ? op.owner_unit_id : user.unit_id;
  let picker = null;
  let unitById = new Map();
  const owner = () => unitById.get(ownerId);
  const peopleSel = new Set(editing ? op.people_ids : []);
  const assetSel = new Set(editing ? op.asset_ids : []);
  const peopleCache = new Map();
  const assetCache = new Map();
  const otherIds = () => (editing ? op.units.filter((u) => u.unit_id !== ownerId).map((u) => u.unit_id) : []);
  const chosenUnits = () => [ownerId, ...(picker ? picker.value() : otherIds())].filter(Boolean);
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
  const personLabel = (p) => `${p.full_name}${p.rank ? `, ${p.rank}` : ""}${p.position ? ` — ${p.position}` : ""}`;
  const assetLabel = (a) => `${a.name} (${t(`operations.asset.${a.kind}`)} ${a.code})`;
  let keepCmd = editing && op.commander_id ? String(op.commander_id) : "";
  commander.addEventListener("change", () => {
    keepCmd = commander.value;
  });
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
      // Who is chosen but not among the units' lists (their unit was taken off, or
      // they were assigned from elsewhere): shown apart, so that nothing is sent
      // that the form does not show.
      const shownP = new Set(people.flatMap(([, list]) => list.filter((p) => !p.is_disabled).map((p) => p.id)));
      const shownA = new Set(assets.flatMap(([, list]) => list.filter((a) => a.is_active).map((a) => a.id)));
      const extraP = await Promise.all([...peopleSel].filter((id) => !shownP.has(id)).map((id) => person(id).catch(() => ({ id, full_name: `#${id}` }))));
      const extraA = await Promise.all([...assetSel].filter((id) => !shownA.has(id)).map((id) => api(`/assets/${id}`).catch(() => ({ id, name: `#${id}`, kind: "vehicle", code: "" }))));
      const cmdId = Number(keepCmd);
      const extraCmd = cmdId && !shownP.has(cmdId) && !extraP.some((p) => p.id === cmdId) ? await person(cmdId).catch(() => ({ id: cmdId, full_name: `#${cmdId}` })) : null;
      if (my !== seqP || gone) return;
      fill(commander, h("option", { value: "" }, t("operations.plan.no_commander")));
      const addCmd = (p, unitName) =>
        commander.append(h("option", { value: p.id, selected: String(p.id) === keepCmd ? true : null }, `${p.full_name}${p.rank ? ` (${p.rank})` : ""}${unitName ? ` — ${unitName}` : ""}`));
      const pgroups = [];
      for (const [uid, list] of people) {
        const u = unitById.get(uid);
        const active = list.filter((p) => !p.is_disabled);
        for (const p of active) addCmd(p, u ? u.name : "");
        if (active.length) pgroups.push(h("fieldset", { class: "picker-force" }, h("legend", null, u ? u.name : `#${uid}`), checkList(active, peopleSel, "people_ids", personLabel)));
      }
      for (const p of extraP) addCmd(p, "");
      if (extraCmd) addCmd(extraCmd, "");
      if (extraP.length) pgroups.push(h("fieldset", { class: "picker-force picker-other" }, h("legend", null, t("operations.edit.other_people")), checkList(extraP, peopleSel, "people_ids", personLabel)));
      fill(peopleBox, pgroups.length ? pgroups : h("p", { class: "muted small" }, t("operations.plan.no_people")));
      const agroups = [];
      for (const [uid, list] of assets) {
        const u = unitById.get(uid);
        const active = list.filter((a) => a.is_active);
        if (active.length) agroups.push(h("fieldset", { class: "picker-force" }, h("legend", null, u ? u.name : `#${uid}`), checkList(active, assetSel, "asset_ids", assetLabel)));
      }
      if (extraA.length) agroups.push(h("fieldset", { class: "picker-force picker-other" }, h("legend", null, t("operations.edit.other_assets")), checkList(extraA, assetSel, "asset_ids", assetLabel)));
      fill(assetsBox, agroups.length ? agroups : h("p", { class: "muted small" }, t("operations.plan.no_assets")));
    } catch (e) {
      if (e.status !== 401 && !gone) fill(peopleBox, failure(e));
    }
  };
  (opts.units ? Promise.resolve(opts.units) : loadUnits(true))
    .then((list) => {
      if (gone) return;
      unitById = new Map(list.map((u) => [u.id, u]));
      const others = otherIds();
      picker = unitPicker(
        list.filter((u) => (u.is_active || others.includes(u.id)) && u.id !== ownerId),
        others,
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
  const sameIds = (a, b) => JSON.stringify([...a].map(Number).sort((x, y) => x - y)) === JSON.stringify([...b].map(Number).sort((x, y) => x - y));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    form.querySelectorAll(".conflict-link").forEach((x) => x.remove());
    const geometry = tool ? tool.geometry() : editing ? op.geometry : null;
    const ps = start.date();
    const pe = end.date();
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
    if (start.state() === "invalid") err("planned_start", "dt.invalid");
    else if (!ps) err("planned_start", "exchange.ui.required");
    if (end.state() === "invalid") err("planned_end", "dt.invalid");
    else if (!pe) err("planned_end", "exchange.ui.required");
    else if (ps && pe <= ps) err("planned_end", "operations.plan.end_after");
    if (bad) return;
    const full = {
      kind: kind.value,
      domain: domain.value,
      title: title.value.trim().normalize("NFC"),
      geometry,
      planned_start: ps.toISOString(),
      planned_end: pe.toISOString(),
      unit_ids: picker ? picker.value() : otherIds(),
      people_ids: [...peopleSel],
      asset_ids: [...assetSel],
      classification: cls.value,
    };
    const desc = description.value.trim().normalize("NFC");
    const cmd = commander.value ? Number(commander.value) : null;
    let payload;
    if (!editing) {
      payload = full;
      if (desc) payload.description = desc;
      if (cmd) payload.commander_id = cmd;
    } else {
      // Only what changed (the server compares the rest with what it has).
      payload = {};
      for (const k of ["kind", "domain", "title", "classification"]) if (full[k] !== op[k]) payload[k] = full[k];
      if (geometry0 === null || JSON.stringify(geometry) !== geometry0) payload.geometry = geometry;
      if (ps.getTime() !== new Date(op.planned_start).getTime()) payload.planned_start = full.planned_start;
      if (pe.getTime() !== new Date(op.planned_end).getTime()) payload.planned_end = full.planned_end;
      if (!sameIds(full.unit_ids, otherIds())) payload.unit_ids = full.unit_ids;
      if (!sameIds(full.people_ids, op.people_ids)) payload.people_ids = full.people_ids;
      if (!sameIds(full.asset_ids, op.asset_ids)) payload.asset_ids = full.asset_ids;
      if (desc !== (op.description || "")) payload.description = desc || null;
      if (cmd !== (op.commander_id || null)) payload.commander_id = cmd;
      if (!Object.keys(payload).length) {
        form.querySelector(".form-error").textContent = t("operations.edit.nothing");
        return;
      }
    }
    submit.disabled = true;
    try {
      const saved = editing
        ? await api(`/operations/${op.id}`, { method: "PATCH", headers: { "If-Match": `"${op.version}"` }, body: payload })
        : await api("/operations", { method: "POST", body: payload });
      location.hash = editing ? `#/operations/${saved.id}?saved=1` : `#/operations/${saved.id}`;
    } catch (er) {
      submit.disabled = false;
      if (er.status === 401) return;
      // 412: changed by someone else since it was read: the form again, as it is now.
      if (er.status === 412 && editing && opts.reload) {
        opts.reload(t("operations.edit.stale"));
        return;
      }
      if (er.status === 409 && er.field === "status") {
        form.querySelector(".form-error").textContent = t("operations.edit.closed_now");
        return;
      }
      const box = showError(form, er.field, apiMessage(er));
      // 409: another operation holds a person or an asset at that time.
      // The error names it (conflict_operation_id); older servers only in the text.
      const cid = er.details && er.details.conflict_operation_id;
      const m = er.status !== 409 ? null : cid ? [String(cid), String(cid)] : /operation (\d+)/.exec(er.message || "");
      if (box && m) {
        // The other operation's title, when the caller may see it: quoted in the
        // message ("…" in English, «…» in Vietnamese), else read.
        const quoted = /\("(.*)"\)|«(.*)»/.exec(er.message || "");
        const link = h("a", { href: `#/operations/${m[1]}`, class: "conflict-link" }, quoted ? quoted[1] || quoted[2] : t("operations.plan.conflict_op", { id: m[1] }));
        if (!quoted)
          api(`/operations/${m[1]}`)
            .then((o) => {
              link.textContent = o.title;
            })
            .catch(() => {});
        box.querySelector(".field-error").replaceChildren(
          t("operations.plan.conflict", { what: t(`operations.conflict.${er.field === "asset_ids" ? "asset" : "person"}`) }),
          " ",
          link,
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
