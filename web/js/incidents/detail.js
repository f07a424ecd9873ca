// incidents/detail.js - one incident: every field, the routing (who leads, who was
// informed, who acknowledged each stage and when, the deadlines and lateness), the
// acknowledgement of my unit's pending stage (received → verified → agreed) or its
// refusal, the status changes the workflow allows the person, corrections
// (PATCH with If-Match), the timeline and the attachments (images shown from the
// bytes fetched with the token). A change arriving on the live feed redraws it.

import { api, can } from "../api.js";
import { clear, h } from "../dom.js";
import { fmtDateTime, fmtNumber, t, tOr } from "../i18n.js";
import {
  atOrAbove,
  byteLength,
  categoryName,
  COUNT_FIELDS,
  failureLine,
  fieldsFor,
  fmtSize,
  followIncidents,
  loadCategories,
  loadingLine,
  loadUnit,
  overdueBadge,
  rawFetch,
  sevBadge,
  statusBadge,
  uploadAttachment,
} from "./common.js";
import { MERGE_FROM, mergeForm, TRANSFER_FROM, transferForm } from "./transfer.js";

const STAGES = ["received", "verified", "agreed"];
const UPDATERS = ["duty_officer", "commander", "coordinator"];
const FILERS = ["reporter", "duty_officer", "commander", "coordinator"];
const FINAL = ["closed", "merged"];
// What POST /status may do from each status (docs/API.md, "Workflow").
const MOVES = {
  acknowledged: ["responding", "resolved"],
  responding: ["resolved"],
  resolved: ["responding", "closed"],
};
const MAX_PHOTO = 10 * 1024 * 1024;

const hasRole = (user, list) => (user.roles || []).some((r) => list.includes(r));

function nextStage(rec) {
  if (rec.refused_at) return null;
  return STAGES.find((s) => !rec[`${s}_at`]) || null;
}

function dl(rows) {
  return h(
    "dl",
    { class: "facts" },
    rows.filter(Boolean).map(([k, v, cls]) => h("div", { class: `fact${cls ? ` ${cls}` : ""}` }, h("dt", null, t(k)), h("dd", null, v))),
  );
}

export function render(main, ctx) {
  const user = ctx.user;
  const idOrRef = decodeURIComponent(ctx.segs[1] || "");
  const filed = ctx.params && ctx.params.get("filed") === "1";
  const cleanups = [];
  let alive = true;
  cleanups.push(() => {
    alive = false;
  });
  const box = h("div", { class: "inc-detail", id: "inc-detail" }, loadingLine());
  main.append(box);

  let inc = null;
  let cats = new Map();
  // A message above the page (what the person just did), kept through the redraws
  // that follow for a few seconds (the live feed redraws the page after one's own
  // change too).
  let flash = null;
  const setFlash = (kind, text) => {
    flash = { kind, text, until: Date.now() + 8000 };
  };
  if (filed) setFlash("ok", null);

  let loadSeq = 0;
  async function load() {
    const seq = ++loadSeq;
    let data;
    try {
      const one = await api(`/incidents/${encodeURIComponent(inc ? inc.id : idOrRef)}`);
      const id = one.id;
      const more = await Promise.all([
        api(`/incidents/${id}/acknowledgements`).catch(() => ({ items: [] })),
        api(`/incidents/${id}/timeline`).catch(() => ({ items: [] })),
        api(`/incidents/${id}/attachments`).catch(() => ({ items: [] })),
        loadUnit(one.lead_unit_id).catch(() => null),
        loadUnit(one.reporting_unit_id).catch(() => null),
        one.area_id ? api(`/areas/${one.area_id}`).catch(() => null) : null,
      ]);
      data = { one, acks: more[0].items, timeline: more[1].items, atts: more[2].items, lead: more[3], reporting: more[4], area: more[5] };
    } catch (e) {
      if (!alive || seq !== loadSeq) return;
      if (e.status === 401) return;
      if (e.status === 404 && !inc)
        clear(box).append(
          h(
            "section",
            { class: "panel" },
            h("h1", null, t("inc.detail.not_found_title")),
            h("p", null, t("inc.detail.not_found")),
            h("p", null, h("a", { href: "#/incidents" }, t("inc.back_list"))),
          ),
        );
      else if (!inc) clear(box).append(failureLine(e));
      else showFlash("error", t("error.load", { message: e.status ? e.message : t("error.network") }));
      return;
    }
    if (!alive || seq !== loadSeq) return;
    inc = data.one;
    draw(data);
  }


  function showFlash(kind, text) {
    const el = box.querySelector("#inc-flash");
    if (!el) return;
    el.className = `flash flash-${kind}`;
    el.textContent = text;
    el.hidden = !text;
  }

  // ---- drawing -------------------------------------------------------------------------
  function draw(d) {
    const i = d.one;
    const c = cats.get(i.category);
    const canUpdate = hasRole(user, UPDATERS) && atOrAbove(user, d.lead) && !FINAL.includes(i.status);
    const canAttach = !FINAL.includes(i.status) && (canUpdate || (hasRole(user, FILERS) && atOrAbove(user, d.reporting)));
    document.title = `${i.ref} — ${t("app.name")}`;
    const flashEl = h("p", { id: "inc-flash", class: "flash", role: "status", "aria-live": "polite", hidden: true });
    clear(box).append(
      h(
        "div",
        { class: "page-head inc-head" },
        h("p", { class: "muted small" }, h("a", { href: "#/incidents" }, t("inc.back_list"))),
        h("h1", { id: "inc-title-h" }, h("span", { class: "inc-ref", id: "inc-ref" }, i.ref), " ", i.title),
        h(
          "p",
          { class: "inc-badges", id: "inc-badges" },
          i.overdue ? overdueBadge() : null,
          h("span", { class: "badge cat" }, categoryName(c, i.category)),
          sevBadge(i.severity),
          h("span", { id: "inc-status" }, statusBadge(i.status)),
          i.report_late ? h("span", { class: "badge badge-danger" }, t("inc.detail.report_late")) : null,
          i.classification !== "unclassified" ? h("span", { class: "badge badge-class" }, t(`inc.class.${i.classification}`)) : null,
          i.cap_status !== "actual" ? h("span", { class: "badge" }, t(`inc.cap.${i.cap_status}`)) : null,
        ),
      ),
      flashEl,
      mergedNote(i, d) || "", // (the DOM's append writes null as "null")
      h(
        "div",
        { class: "inc-detail-grid" },
        h(
          "div",
          { class: "inc-col" },
          myActions(i, d, canUpdate),
          factsPanel(i, d),
          routingPanel(i, d),
        ),
        h("div", { class: "inc-col" }, attachmentsPanel(i, d, canAttach), timelinePanel(i, d)),
      ),
    );
    if (flash && Date.now() < flash.until) showFlash(flash.kind, flash.text || t("inc.detail.filed", { ref: i.ref }));
  }

  // A merged incident says which one it joined ("Đã gộp vào BT-..."): the reference
  // from the timeline's merge entry, else read (or the number, when not visible).
  function mergedRef(i, d) {
    const e = [...d.timeline].reverse().find((x) => x.kind === "merged" && x.detail && x.detail.into_id === i.merged_into_id);
    return e && e.detail.into_ref ? e.detail.into_ref : null;
  }
  function mergedNote(i, d) {
    if (!i.merged_into_id) return null;
    const ref = mergedRef(i, d);
    const link = h("a", { href: `#/incidents/${i.merged_into_id}`, id: "inc-merged-link" }, ref || `#${i.merged_into_id}`);
    if (!ref)
      api(`/incidents/${i.merged_into_id}`)
        .then((o) => {
          link.textContent = o.ref;
        })
        .catch(() => {});
    return h("p", { class: "notice merged-note", id: "inc-merged-into" }, t("inc.merged.into"), " ", link);
  }

  // What my unit owes (acknowledge, refuse) and what I may change (status, fields).
  function myActions(i, d, canUpdate) {
    const parts = [];
    const mayAck = can(user, "incident.acknowledge") && !FINAL.includes(i.status);
    const mine = (i.recipients || []).filter((r) => r.unit_id === user.unit_id && (r.role === "lead" || r.role === "informed"));
    for (const rec of mayAck ? mine : []) {
      const stage = nextStage(rec);
      if (!stage) continue;
      const note = h("input", { type: "text", id: `ack-note-${rec.unit_id}`, class: "ack-note", autocomplete: "off", maxlength: 2000 });
      const msg = h("p", { class: "field-error", role: "alert" });
      const btn = h(
        "button",
        { type: "button", class: "btn btn-primary btn-big", id: "inc-ack", dataset: { write: "incident.acknowledge", stage } },
        t(`inc.ack.do.${stage}`),
      );
      btn.addEventListener("click", async () => {
        btn.disabled = true;
        msg.textContent = "";
        try {
          await api(`/incidents/${i.id}/acknowledgements`, {
            method: "POST",
            body: { stage, unit_id: rec.unit_id, ...(note.value.trim() ? { note: note.value.trim().normalize("NFC") } : {}) },
          });
          setFlash("ok", t(`inc.ack.done.${stage}`));
          load();
        } catch (e) {
          btn.disabled = false;
          if (e.status === 409) {
            setFlash("warn", t("inc.ack.already"));
            load();
          } else msg.textContent = t("inc.ack.failed", { message: e.message || t("error.network") });
        }
      });
      const due = stage === "received" ? rec.ack_due_at : stage === "verified" ? rec.verify_due_at : null;
      const late = due && new Date(due).getTime() < Date.now();
      const refuseOk = !rec.agreed_at && (rec.role !== "lead" || ["new", "acknowledged", "transferred"].includes(i.status));
      parts.push(
        h(
          "div",
          { class: `ack-box${late ? " overdue" : ""}`, id: "inc-ack-box" },
          h("p", { class: "ack-owe" }, t(`inc.ack.owe.${rec.role}`, { unit: rec.unit_name }), " ", t(`inc.ack.awaiting.${stage}`)),
          due ? h("p", { class: late ? "error" : "muted small" }, t(late ? "inc.ack.due_past" : "inc.ack.due", { time: fmtDateTime(due) })) : null,
          h("div", { class: "field" }, h("label", { for: note.id }, t("inc.ack.note")), note),
          btn,
          msg,
          refuseOk ? refuseForm(i, rec) : null,
        ),
      );
    }
    if (canUpdate) {
      const moves = (MOVES[i.status] || []).filter((s) => s !== "closed" || (user.roles || []).includes("commander"));
      if (moves.length) parts.push(statusForm(i, moves));
      // Hand the incident on: another unit leads, or it duplicates another report.
      const handover = { stale, done: handedOver };
      if (TRANSFER_FROM.includes(i.status)) parts.push(transferForm(i, handover));
      if (MERGE_FROM.includes(i.status)) parts.push(mergeForm(i, handover));
      parts.push(editForm(i));
    }
    if (!parts.length) return null;
    return h(
      "section",
      { class: "panel inc-actions", id: "inc-actions", "aria-labelledby": "inc-actions-title" },
      h("h2", { id: "inc-actions-title" }, t("inc.detail.actions")),
      parts,
    );
  }

  function refuseForm(i, rec) {
    const reason = h("textarea", { id: "inc-refuse-reason", rows: 2, maxlength: 2000 });
    const err = h("p", { class: "field-error", id: "inc-refuse-reason-error", role: "alert" });
    const btn = h("button", { type: "button", class: "btn btn-small btn-danger", dataset: { write: "incident.acknowledge" } }, t("inc.refuse.do"));
    btn.addEventListener("click", async () => {
      err.textContent = "";
      const text = reason.value.trim();
      if (!text) {
        err.textContent = t("inc.refuse.need_reason");
        reason.setAttribute("aria-invalid", "true");
        reason.focus();
        return;
      }
      btn.disabled = true;
      try {
        await api(`/incidents/${i.id}/acknowledgements`, { method: "POST", body: { stage: "refused", unit_id: rec.unit_id, note: text.normalize("NFC") } });
        setFlash("ok", t("inc.refuse.done"));
        load();
      } catch (e) {
        btn.disabled = false;
        err.textContent = e.status === 409 ? t("inc.refuse.not_now") : t("inc.ack.failed", { message: e.message || t("error.network") });
      }
    });
    return h(
      "details",
      { class: "refuse" },
      h("summary", null, t("inc.refuse.title")),
      h("p", { class: "muted small" }, t("inc.refuse.explain")),
      h("div", { class: "field" }, h("label", { for: reason.id }, t("inc.refuse.reason")), reason, err),
      btn,
    );
  }

  // 412: someone changed the incident in between; say so and show it as it is now.
  function stale(e) {
    if (e.status !== 412) return false;
    setFlash("warn", t("inc.detail.stale"));
    load();
    return true;
  }

  // After a transfer or a merge: the incident as it is now (its timeline shows the
  // entry). A 204 means the person no longer sees it (transferred out of their reach).
  function handedOver(message, result) {
    setFlash("ok", message);
    if (result === null) {
      location.hash = "#/incidents";
      return;
    }
    load();
  }

  function statusForm(i, moves) {
    const note = h("input", { type: "text", id: "inc-status-note", autocomplete: "off", maxlength: 2000 });
    const err = h("p", { class: "field-error", role: "alert", id: "inc-status-error" });
    const btns = moves.map((s) => {
      const b = h("button", { type: "button", class: `btn btn-small${s === "closed" ? " btn-danger" : ""}`, dataset: { write: "incident.status", status: s } }, t(`inc.status.to.${s}`));
      b.addEventListener("click", async () => {
        for (const x of btns) x.disabled = true;
        err.textContent = "";
        try {
          await api(`/incidents/${i.id}/status`, {
            method: "POST",
            headers: { "If-Match": `"${i.version}"` },
            body: { status: s, ...(note.value.trim() ? { note: note.value.trim().normalize("NFC") } : {}) },
          });
          setFlash("ok", t("inc.status.done", { status: t(`status.${s}`) }));
          load();
        } catch (e) {
          for (const x of btns) x.disabled = false;
          if (stale(e)) return;
          err.textContent = e.status === 403 ? t("inc.err.forbidden") : t("inc.status.failed", { message: e.message || t("error.network") });
        }
      });
      return b;
    });
    return h(
      "div",
      { class: "status-box", id: "inc-status-box" },
      h("h3", null, t("inc.status.title")),
      h("div", { class: "field" }, h("label", { for: note.id }, t("inc.status.note")), note),
      h("div", { class: "btn-row" }, btns),
      err,
    );
  }

  // Corrections: severity, title, description, damage and the figures (PATCH,
  // If-Match: the version read).
  function editForm(i) {
    const title = h("input", { type: "text", id: "inc-e-title", value: i.title, maxlength: 300 });
    const sev = h(
      "select",
      { id: "inc-e-severity" },
      [1, 2, 3, 4].map((n) => h("option", { value: n, selected: n === i.severity }, t(`severity.${n}`))),
    );
    const desc = h("textarea", { id: "inc-e-description", rows: 4 });
    desc.value = i.description || "";
    const damage = h("textarea", { id: "inc-e-damage", rows: 2 });
    damage.value = i.damage || "";
    const counts = Object.fromEntries(COUNT_FIELDS.map((f) => [f, h("input", { type: "number", id: `inc-e-${f}`, min: 0, max: 1000000, step: 1, value: i[f] })]));
    const err = h("p", { class: "field-error", role: "alert", id: "inc-edit-error" });
    const save = h("button", { type: "submit", class: "btn btn-primary btn-small", dataset: { write: "incident.update" } }, t("inc.edit.save"));
    const lab = (id, key, el) => h("div", { class: "field" }, h("label", { for: id }, t(key)), el);
    const form = h(
      "form",
      { class: "edit-form", novalidate: true },
      lab("inc-e-title", "inc.f.title", title),
      lab("inc-e-severity", "inc.f.severity", sev),
      h("div", { class: "count-grid" }, COUNT_FIELDS.map((f) => lab(`inc-e-${f}`, `inc.f.${f}`, counts[f]))),
      lab("inc-e-damage", "inc.f.damage", damage),
      lab("inc-e-description", "inc.f.description", desc),
      err,
      save,
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      err.textContent = "";
      const patch = {};
      const tt = title.value.trim().normalize("NFC");
      if (!tt) return void (err.textContent = t("inc.err.title_required"));
      if (byteLength(tt) > 300) return void (err.textContent = t("inc.err.title_long"));
      if (tt !== i.title) patch.title = tt;
      if (Number(sev.value) !== i.severity) patch.severity = Number(sev.value);
      const dsc = desc.value.trim().normalize("NFC");
      if (dsc !== (i.description || "")) patch.description = dsc || null;
      const dmg = damage.value.trim().normalize("NFC");
      if (dmg !== (i.damage || "")) patch.damage = dmg || null;
      for (const f of COUNT_FIELDS) {
        const n = Number(counts[f].value || 0);
        if (!Number.isInteger(n) || n < 0 || n > 1000000) return void (err.textContent = t(`inc.err.${f}`));
        if (n !== i[f]) patch[f] = n;
      }
      if (!Object.keys(patch).length) return void (err.textContent = t("inc.edit.nothing"));
      save.disabled = true;
      try {
        await api(`/incidents/${i.id}`, { method: "PATCH", headers: { "If-Match": `"${i.version}"` }, body: patch });
        setFlash("ok", t("inc.edit.done"));
        load();
      } catch (ex) {
        save.disabled = false;
        if (stale(ex)) return;
        err.textContent = ex.status === 422 && ex.field ? t(`inc.err.${ex.field}`) : t("inc.edit.failed", { message: ex.message || t("error.network") });
      }
    });
    return h("details", { class: "edit", id: "inc-edit" }, h("summary", null, t("inc.edit.title")), form);
  }

  function factsPanel(i, d) {
    const need = fieldsFor(i.category);
    const n = (v) => fmtNumber(v || 0);
    const loc = i.location ? `${i.location.lat.toFixed(5)}, ${i.location.lon.toFixed(5)}` : t("inc.detail.no_location");
    const figures = COUNT_FIELDS.filter((f) => need.includes(f) || i[f]).map((f) => [`inc.f.${f}`, n(i[f])]);
    const unitLink = (u, id) => (u ? u.name : id ? `#${id}` : t("common.na"));
    return h(
      "section",
      { class: "panel", id: "inc-facts", "aria-labelledby": "inc-facts-title" },
      h("h2", { id: "inc-facts-title" }, t("inc.detail.facts")),
      dl([
        ["inc.f.occurred_at", fmtDateTime(i.occurred_at)],
        ["inc.f.detected_at", fmtDateTime(i.detected_at)],
        ["inc.f.reported_at", h("span", { class: i.report_late ? "error" : null }, fmtDateTime(i.reported_at), i.report_late ? ` (${t("inc.detail.late")})` : "")],
        i.report_due_at ? ["inc.f.report_due_at", fmtDateTime(i.report_due_at)] : null,
        ["inc.f.area", d.area ? d.area.name : t("common.na")],
        ["inc.f.location", loc],
        ["inc.f.reporting_unit", unitLink(d.reporting, i.reporting_unit_id)],
        ["inc.f.lead_unit", h("span", { id: "inc-lead" }, h("span", { class: `force-dot force-${i.lead_force}` }), " ", unitLink(d.lead, i.lead_unit_id))],
        ...figures,
        i.damage ? ["inc.f.damage", i.damage, "wide"] : null,
        ["inc.f.description", i.description || t("common.na"), "wide pre"],
        i.merged_into_id ? ["inc.f.merged_into", h("a", { href: `#/incidents/${i.merged_into_id}` }, mergedRef(i, d) || `#${i.merged_into_id}`)] : null,
        i.operation_id ? ["inc.f.operation", h("a", { href: `#/operations/${i.operation_id}` }, `#${i.operation_id}`)] : null,
      ]),
    );
  }

  // Who leads, who was informed, who acknowledged each stage, when, and how late.
  function routingPanel(i, d) {
    const byStage = new Map(); // unit:stage -> acknowledgement
    for (const a of d.acks) byStage.set(`${a.unit_id}:${a.stage}`, a);
    const order = { lead: 0, former_lead: 1, informed: 2, reporting: 3 };
    const recs = [...(i.recipients || [])].sort((a, b) => (order[a.role] ?? 9) - (order[b.role] ?? 9));
    const stageCell = (rec, stage) => {
      const at = rec[`${stage}_at`];
      const due = stage === "received" ? rec.ack_due_at : stage === "verified" ? rec.verify_due_at : null;
      const overdueAt = stage === "received" ? rec.ack_overdue_at : stage === "verified" ? rec.verify_overdue_at : null;
      const a = byStage.get(`${rec.unit_id}:${stage}`);
      const label = t(`inc.stage.${stage}`);
      if (rec.role === "reporting") return h("td", { class: "muted", dataset: { label } }, t("common.na"));
      if (at) {
        const late = a ? a.on_time === false : due && at > due;
        return h(
          "td",
          { class: late ? "late" : "done", dataset: { label } },
          h("span", { class: "stage-ok" }, fmtDateTime(at)),
          a && a.person_name ? h("span", { class: "small who" }, a.person_name) : null,
          late ? h("span", { class: "badge badge-danger" }, t("inc.detail.late")) : null,
          a && a.note ? h("span", { class: "small muted note" }, `“${a.note}”`) : null,
        );
      }
      if (rec.refused_at) return h("td", { class: "muted", dataset: { label } }, t("common.na"));
      const past = overdueAt || (due && new Date(due).getTime() < Date.now());
      return h(
        "td",
        { class: past ? "late" : "pending", dataset: { label } },
        due ? h("span", null, t(past ? "inc.route.overdue_since" : "inc.route.due", { time: fmtDateTime(due) })) : h("span", { class: "muted" }, t("inc.route.waiting")),
      );
    };
    return h(
      "section",
      { class: "panel", id: "inc-routing", "aria-labelledby": "inc-routing-title" },
      h("h2", { id: "inc-routing-title" }, t("inc.detail.routing")),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "counts routing" },
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              h("th", { scope: "col" }, t("inc.route.unit")),
              STAGES.map((s) => h("th", { scope: "col" }, t(`inc.stage.${s}`))),
            ),
          ),
          h(
            "tbody",
            null,
            recs.map((rec) =>
              h(
                "tr",
                { class: `rec-${rec.role}${rec.unit_id === user.unit_id ? " mine" : ""}`, dataset: { unit: rec.unit_id } },
                h(
                  "th",
                  { scope: "row" },
                  h("span", { class: `force-dot force-${rec.force}` }),
                  " ",
                  rec.unit_name,
                  h("span", { class: "small role" }, t(`inc.role.${rec.role}`)),
                  rec.refused_at
                    ? h("span", { class: "small refused" }, t("inc.route.refused", { time: fmtDateTime(rec.refused_at), reason: rec.refused_reason || "" }))
                    : null,
                  rec.escalated_at ? h("span", { class: "small error" }, t("inc.route.escalated", { time: fmtDateTime(rec.escalated_at) })) : null,
                ),
                STAGES.map((s) => stageCell(rec, s)),
              ),
            ),
          ),
        ),
      ),
    );
  }

  function timelineText(e, d) {
    const unitName = (id) => {
      const r = (d.one.recipients || []).find((x) => x.unit_id === id);
      return r ? r.unit_name : id ? `#${id}` : "";
    };
    const x = e.detail || {};
    switch (e.kind) {
      case "created":
        return t("inc.tl.created");
      case "acknowledged":
        return t("inc.tl.acknowledged", { unit: unitName(e.unit_id), stage: t(`inc.stage.${x.stage}`) }) + (x.on_time === false ? ` (${t("inc.detail.late")})` : "");
      case "refused":
        return t("inc.tl.refused", { unit: unitName(e.unit_id) });
      case "status":
        return t("inc.tl.status", { old: t(`status.${x.status?.old}`), new: t(`status.${x.status?.new}`) });
      case "transferred":
        return t("inc.tl.transferred", { unit: unitName(x.lead_unit_id?.new ?? e.unit_id) });
      case "merged":
        // On the duplicate: where it went; on the incident it joined: which one came.
        if (x.merged_id) return t("inc.tl.merged_here", { ref: x.merged_ref || `#${x.merged_id}` });
        return t("inc.tl.merged", { ref: x.into_ref || `#${x.into_id}` });
      case "overdue":
        return t("inc.tl.overdue", { unit: unitName(x.unit_id ?? e.unit_id), stage: tOr(`inc.stage.${x.stage}`, x.stage || "") });
      case "escalated":
        return t("inc.tl.escalated", { unit: unitName(x.late_unit_id), parent: unitName(x.parent_unit_id ?? e.unit_id) });
      case "attachment":
        return t("inc.tl.attachment", { name: x.filename || "" });
      case "updated":
        return t("inc.tl.updated", {
          fields: Object.keys(x)
            .map((k) => tOr(`inc.f.${k}`, k))
            .join(", "),
        });
      default:
        return tOr(`inc.tl.${e.kind}`, e.kind);
    }
  }

  function timelinePanel(i, d) {
    return h(
      "section",
      { class: "panel", id: "inc-timeline", "aria-labelledby": "inc-timeline-title" },
      h("h2", { id: "inc-timeline-title" }, t("inc.detail.timeline")),
      d.timeline.length
        ? h(
            "ol",
            { class: "timeline" },
            d.timeline.map((e) =>
              h(
                "li",
                { class: `tl tl-${e.kind}`, dataset: { kind: e.kind } },
                h("time", { datetime: e.at }, fmtDateTime(e.at)),
                h("span", { class: "tl-text" }, timelineText(e, d)),
                h("span", { class: "tl-who muted small" }, e.person_name || t("inc.tl.system")),
                e.detail && e.detail.note ? h("span", { class: "tl-note small" }, `“${e.detail.note}”`) : null,
              ),
            ),
          )
        : h("p", { class: "muted" }, t("inc.detail.no_timeline")),
    );
  }

  // Images need the token: fetched as bytes and shown from an object URL.
  function attachmentsPanel(i, d, canAttach) {
    const list = h(
      "ul",
      { class: "atts", id: "inc-atts" },
      d.atts.map((a) => {
        const isImg = /^image\/(jpeg|png|webp)$/.test(a.content_type);
        const thumb = isImg ? h("span", { class: "att-thumb" }) : null;
        if (isImg)
          rawFetch(`/incidents/${i.id}/attachments/${a.id}`)
            .then((r) => r.blob())
            .then((b) => {
              if (!alive) return;
              // Shown once decoded, then the bytes' URL is let go (a redraw or
              // leaving the page must not cut an image off mid-load).
              const url = URL.createObjectURL(b);
              const img = h("img", { alt: a.filename });
              const free = () => URL.revokeObjectURL(url);
              img.addEventListener("load", free, { once: true });
              img.addEventListener("error", free, { once: true });
              img.src = url;
              thumb.append(img);
            })
            .catch(() => {});
        const dlBtn = h("button", { type: "button", class: "btn btn-small btn-plain" }, t("inc.att.download"));
        dlBtn.addEventListener("click", async () => {
          dlBtn.disabled = true;
          try {
            const b = await (await rawFetch(`/incidents/${i.id}/attachments/${a.id}`)).blob();
            const url = URL.createObjectURL(b);
            const link = h("a", { href: url, download: a.filename, hidden: true });
            document.body.append(link);
            link.click();
            link.remove();
            setTimeout(() => URL.revokeObjectURL(url), 10000);
          } catch {
            /* the link is there to try again */
          }
          dlBtn.disabled = false;
        });
        return h(
          "li",
          { class: "att", dataset: { id: a.id } },
          thumb,
          h(
            "span",
            { class: "att-meta" },
            h("span", { class: "att-name" }, a.filename),
            h("span", { class: "muted small" }, `${fmtSize(a.size)} · ${fmtDateTime(a.created_at)}`),
            a.note ? h("span", { class: "small" }, a.note) : null,
          ),
          dlBtn,
        );
      }),
    );
    let add = null;
    if (canAttach) {
      const input = h("input", { type: "file", id: "inc-att-file", accept: "image/*,application/pdf,video/mp4,text/plain", multiple: true, class: "photo-input" });
      const err = h("p", { class: "field-error", id: "inc-att-file-error", role: "alert" });
      input.addEventListener("change", async () => {
        err.textContent = "";
        const files = [...input.files];
        input.value = "";
        for (const f of files) {
          if (f.size > MAX_PHOTO) {
            err.textContent = t("inc.err.photo_large", { name: f.name });
            continue;
          }
          err.textContent = t("inc.att.uploading", { name: f.name });
          try {
            await uploadAttachment(i.id, f);
            err.textContent = "";
          } catch (e) {
            err.textContent = e.status === 422 ? t("inc.err.file_type", { name: f.name }) : t("inc.att.failed", { message: e.message || t("error.network") });
            return;
          }
        }
        load();
      });
      add = h(
        "div",
        { class: "att-add" },
        h("label", { for: "inc-att-file", class: "btn btn-small photo-btn", dataset: { write: "incident.attach" } }, t("inc.att.add")),
        input,
        err,
      );
    }
    return h(
      "section",
      { class: "panel", id: "inc-attachments", "aria-labelledby": "inc-att-title" },
      h("h2", { id: "inc-att-title" }, t("inc.detail.attachments")),
      d.atts.length ? list : h("p", { class: "muted" }, t("inc.att.none")),
      add,
    );
  }

  // ---- live ---------------------------------------------------------------------------------
  let liveTimer = null;
  cleanups.push(
    followIncidents((topic, ev) => {
      if (!inc || ev.id !== inc.id) return;
      clearTimeout(liveTimer);
      liveTimer = setTimeout(() => {
        // Not while someone is typing a note or a correction: the redraw would lose it.
        const a = document.activeElement;
        if (a && box.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName) && a.value) {
          showFlash("warn", t("inc.detail.changed_live"));
          return;
        }
        load();
      }, 400);
    }),
  );
  cleanups.push(() => clearTimeout(liveTimer));

  loadCategories()
    .then((all) => {
      cats = new Map(all.map((c) => [c.code, c]));
    })
    .catch(() => {})
    .finally(() => {
      if (alive) load();
    });
  return () => cleanups.forEach((f) => f());
}
