// admin/schedules.js - the schedules of periodic bulletins (lịch báo cáo định kỳ):
// a unit owes a bulletin every day, week or month by a local time (Asia/Ho_Chi_Minh)
// to the units or forces it names, with an acknowledgement deadline. A list per
// unit, a form to create or change one, and activate / deactivate (schedules are
// never deleted). Reading follows the API; writing is for administrators and
// commanders of the unit or of a unit above it (docs/API.md, "Bulletin schedules").
// Shown in the administration (#/admin/schedules[/<id|new>]) and, for commanders,
// from the exchange page (#/exchange/bulletins?schedule=<id|new|all>): ctx.link(sub)
// makes the page's own links.

import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { t } from "../i18n.js";
import { unitPicker } from "../operations/unitpicker.js";
import {
  allPages,
  apiMessage,
  clearErrors,
  depth,
  empty,
  failure,
  field,
  FORCES,
  forceBadge,
  input,
  loading,
  select,
  showError,
  units as loadUnits,
} from "../exchange/ui.js";

export const PERIODS = ["daily", "weekly", "monthly"];

// May this person change the schedules of unit u (administrators and commanders of
// u or a unit above it; an administrator without a unit: every unit)?
export function mayWriteSchedule(user, u) {
  const roles = (user && user.roles) || [];
  if (!roles.includes("admin") && !roles.includes("commander")) return false;
  if (!user.unit_id) return roles.includes("admin");
  return Boolean(u && user.unit_path && (u.path || "").startsWith(user.unit_path));
}

// May this person create a schedule for some unit at all?
export function mayWriteAny(user) {
  const roles = (user && user.roles) || [];
  return roles.includes("admin") || (roles.includes("commander") && Boolean(user.unit_id));
}

// "Hằng ngày, 07:00" / "Hằng tuần, Thứ Hai, 08:00" / "Hằng tháng, ngày 5, 07:00".
export function periodText(s) {
  if (s.period === "weekly") return t("admin.sched.when_weekly", { day: t(`admin.sched.dow.${s.due_day}`), time: s.due_local });
  if (s.period === "monthly") return t("admin.sched.when_monthly", { day: s.due_day, time: s.due_local });
  return t("admin.sched.when_daily", { time: s.due_local });
}

export function recipientsText(s, byId) {
  const to = s.to || {};
  return [
    ...(to.units || []).map((id) => (byId.get(id) || { name: `#${id}` }).name),
    ...(to.forces || []).map((f) => t("exchange.bul.to_force", { force: t(`force.${f}`) })),
  ].join("; ");
}

// "07:00" from 7:00, 7h, 07h30, 0730 (24-hour); null when not a time of day.
export function hhmm(v) {
  const m = String(v || "").trim().match(/^(\d{1,2})(?:[:hH.]?(\d{2}))?[hH]?$/);
  if (!m) return null;
  const hh = Number(m[1]);
  const mm = Number(m[2] || 0);
  if (hh > 23 || mm > 59) return null;
  return `${String(hh).padStart(2, "0")}:${String(mm).padStart(2, "0")}`;
}

// The members the server's 422 may name, each with its own message.
const ERR_FIELDS = ["unit_id", "title", "period", "due_local", "due_day", "to", "to.units", "to.forces", "ack_minutes"];

function defaultLink(sub) {
  return sub ? `#/admin/schedules/${sub}` : "#/admin/schedules";
}

export function render(body, ctx) {
  const link = ctx.link || defaultLink;
  if (ctx.sub) return renderForm(body, { ...ctx, link });
  return renderList(body, { ...ctx, link });
}

// ---- the list ------------------------------------------------------------------------------
function renderList(body, ctx) {
  const { user, params, link } = ctx;
  const box = h("div", { id: "schedules" }, loading());
  const unitSel = select([["", t("admin.sched.all_units")]], "", { name: "unit_id", id: "sched-unit-filter" });
  const filter = h(
    "form",
    { class: "filters", role: "search", "aria-label": t("admin.sched.filter") },
    field("unit_id", t("admin.sched.unit_filter"), unitSel),
  );
  body.append(
    h(
      "section",
      { class: "panel" },
      h(
        "div",
        { class: "panel-head" },
        h("h2", null, t("admin.sched.title")),
        mayWriteAny(user) ? h("a", { class: "btn btn-small btn-primary", id: "sched-new", href: link("new"), dataset: { write: "schedule.write" } }, t("admin.sched.new")) : null,
      ),
      h("p", { class: "muted small" }, t("admin.sched.note")),
      filter,
      box,
    ),
  );
  let gone = false;
  let all = [];
  let byId = new Map();
  const chosen = () => Number(unitSel.value) || 0;
  const draw = async () => {
    fill(box, loading());
    let list;
    try {
      list = await allPages(`/bulletin-schedules${chosen() ? `?unit_id=${chosen()}` : ""}`);
    } catch (e) {
      if (e.status !== 401 && !gone) fill(box, failure(e));
      return;
    }
    if (gone) return;
    list.sort((a, b) => Number(b.is_active) - Number(a.is_active) || (byId.get(a.unit_id)?.path || "").localeCompare(byId.get(b.unit_id)?.path || "") || a.id - b.id);
    if (!list.length) return fill(box, empty(t("admin.sched.empty")));
    fill(box, scheduleTable(list, byId, user, link, draw));
  };
  unitSel.addEventListener("change", draw);
  filter.addEventListener("submit", (e) => e.preventDefault());
  (async () => {
    try {
      all = await loadUnits(true);
    } catch (e) {
      if (e.status !== 401 && !gone) fill(box, failure(e));
      return;
    }
    if (gone) return;
    byId = new Map(all.map((u) => [u.id, u]));
    const opts = [...all].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((u) => [u.id, `${"— ".repeat(depth(u))}${u.name}`]);
    for (const [v, label] of opts) unitSel.append(h("option", { value: v }, label));
    const want = params && params.get("unit");
    if (want && byId.has(Number(want))) unitSel.value = want;
    draw();
  })();
  return () => {
    gone = true;
  };
}

function scheduleTable(list, byId, user, link, reload) {
  const toggle = (s) => {
    if (!mayWriteSchedule(user, byId.get(s.unit_id))) return null;
    const b = h(
      "button",
      { type: "button", class: "btn btn-small", dataset: { write: "schedule.write", toggle: s.id } },
      t(s.is_active ? "admin.sched.deactivate" : "admin.activate"),
    );
    const msg = h("span", { class: "error small", role: "alert" });
    b.addEventListener("click", async () => {
      b.disabled = true;
      msg.textContent = "";
      try {
        await api(`/bulletin-schedules/${s.id}`, { method: "PATCH", body: { is_active: !s.is_active }, headers: { "If-Match": `"${s.version}"` } });
        reload();
      } catch (e) {
        b.disabled = false;
        if (e.status !== 401) msg.textContent = ` ${apiMessage(e)}`;
      }
    });
    return [b, msg];
  };
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "list-table", id: "schedule-list" },
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          ["admin.sched.f.title", "admin.f.unit", "admin.sched.f.period", "admin.sched.f.to", "admin.sched.f.ack", ""].map((k) => h("th", { scope: "col" }, k ? t(k) : "")),
        ),
      ),
      h(
        "tbody",
        null,
        list.map((s) => {
          const u = byId.get(s.unit_id);
          return h(
            "tr",
            { class: s.is_active ? null : "inactive", dataset: { id: s.id, unit: s.unit_id } },
            h("td", null, h("a", { href: link(s.id) }, s.title), s.is_active ? null : [" ", h("span", { class: "badge" }, t("admin.inactive"))]),
            h("td", null, u ? [u.name, " ", forceBadge(u.force)] : `#${s.unit_id}`),
            h("td", { class: "sched-when" }, periodText(s)),
            h("td", null, recipientsText(s, byId) || t("common.na")),
            h("td", null, s.ack_minutes ? t("exchange.bul.ack_minutes", { n: s.ack_minutes }) : t("exchange.bul.no_ack")),
            h("td", null, toggle(s)),
          );
        }),
      ),
    ),
  );
}

// ---- one schedule: create or change ---------------------------------------------------------
function renderForm(body, ctx) {
  const { user, sub, link } = ctx;
  const box = h("div", null, loading());
  body.append(h("p", null, h("a", { href: link(null) }, t("admin.sched.back"))), box);
  let gone = false;
  (async () => {
    let s = null;
    let all;
    try {
      [s, all] = await Promise.all([sub === "new" ? null : api(`/bulletin-schedules/${Number(sub)}`), loadUnits(true)]);
    } catch (e) {
      if (e.status !== 401 && !gone) fill(box, e.status === 404 || e.status === 400 ? empty(t("admin.not_found")) : failure(e));
      return;
    }
    if (gone) return;
    fill(box, scheduleForm(user, s, all, link));
  })();
  return () => {
    gone = true;
  };
}

function scheduleForm(user, rec, all, link) {
  const isNew = !rec;
  const byId = new Map(all.map((u) => [u.id, u]));
  const active = all.filter((u) => u.is_active).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const writable = isNew ? mayWriteAny(user) : mayWriteSchedule(user, byId.get(rec.unit_id));
  let current = rec;

  // The unit: chosen when creating (among those the person may write for), fixed after.
  let unitCtl;
  if (isNew) {
    const mine = active.filter((u) => mayWriteSchedule(user, u));
    const def = mine.some((u) => u.id === user.unit_id) ? user.unit_id : mine[0] ? mine[0].id : "";
    unitCtl = select(mine.map((u) => [u.id, `${"— ".repeat(depth(u))}${u.name}`]), def, { name: "unit_id" });
  } else {
    const u = byId.get(rec.unit_id);
    unitCtl = input({ name: "unit_id", value: u ? u.name : `#${rec.unit_id}`, readonly: true });
  }
  const title = input({ name: "title", maxlength: 512, autocomplete: "off", value: rec ? rec.title : "" });
  const period = select(PERIODS.map((p) => [p, t(`admin.sched.period.${p}`)]), rec ? rec.period : "daily", { name: "period" });
  // A text box, not <input type=time>: that one shows AM/PM on an English-locale
  // browser; the forces write 24-hour times (7:00, 7h30, 0730 are read as well).
  const dueLocal = input({ name: "due_local", value: rec ? rec.due_local : "07:00", inputmode: "numeric", maxlength: 5, autocomplete: "off", placeholder: "07:00", class: "time-input" });
  dueLocal.addEventListener("blur", () => {
    const v = hhmm(dueLocal.value);
    if (v) dueLocal.value = v;
  });
  const dayWeekly = select([1, 2, 3, 4, 5, 6, 7].map((d) => [d, t(`admin.sched.dow.${d}`)]), rec && rec.period === "weekly" ? rec.due_day : 1, { name: "due_day_w" });
  const dayMonthly = select(Array.from({ length: 28 }, (_, i) => [i + 1, t("admin.sched.dom", { d: i + 1 })]), rec && rec.period === "monthly" ? rec.due_day : 1, {
    name: "due_day_m",
  });
  const dayBox = h("div", { class: "sched-day" });
  const dayField = field("due_day", t("admin.sched.f.due_day"), dayBox);
  const to = (rec && rec.to) || { units: [], forces: [] };
  const forceBoxes = FORCES.map((f) =>
    h(
      "label",
      { class: "check" },
      h("input", { type: "checkbox", name: "to-force", value: f, checked: (to.forces || []).includes(f) ? true : null }),
      " ",
      t("exchange.compose.force_unit", { force: t(`force.${f}`) }),
    ),
  );
  const ownUnit = () => (isNew ? Number(unitCtl.value) : rec.unit_id);
  const picker = unitPicker(
    active.filter((u) => u.id !== ownUnit()),
    to.units || [],
    { label: t("admin.sched.f.to_units"), name: "to-units" },
  );
  const ackMin = input({ type: "number", name: "ack_minutes", min: 0, max: 10080, inputmode: "numeric", value: rec ? rec.ack_minutes ?? 0 : 120 });
  const activeBox = h("input", { type: "checkbox", name: "is_active", id: `sched-active-${Math.random().toString(36).slice(2, 7)}`, checked: !rec || rec.is_active ? true : null });

  const showDay = () => {
    const p = period.value;
    dayField.hidden = p === "daily";
    fill(dayBox, p === "weekly" ? dayWeekly : p === "monthly" ? dayMonthly : null);
    const ctl = p === "weekly" ? dayWeekly : dayMonthly;
    ctl.setAttribute("aria-label", t("admin.sched.f.due_day"));
  };
  period.addEventListener("change", showDay);
  showDay();

  const version = h("p", { class: "muted small version", id: "record-version" }, rec ? t("admin.version", { v: rec.version }) : "");
  const done = h("p", { class: "ok-msg", role: "status" });
  const submit = writable ? h("button", { type: "submit", class: "btn btn-primary", id: "sched-save", dataset: { write: "schedule.write" } }, t(isNew ? "admin.create" : "admin.save")) : null;
  const form = h(
    "form",
    { class: "panel form admin-form", id: "schedule-form", novalidate: true },
    h("h2", null, rec ? rec.title : t("admin.sched.new")),
    version,
    writable ? null : h("p", { class: "notice", id: "sched-read-only" }, t("admin.sched.read_only")),
    h(
      "div",
      { class: "form-grid" },
      field("unit_id", t("admin.f.unit"), unitCtl, { required: isNew, hint: isNew ? t("admin.sched.unit_hint") : null }),
      field("title", t("admin.sched.f.title"), title, { required: true, hint: t("admin.sched.title_hint") }),
      field("period", t("admin.sched.f.period"), period),
      field("due_local", t("admin.sched.f.due_local"), dueLocal, { required: true, hint: t("admin.sched.due_hint") }),
      dayField,
      field("ack_minutes", t("admin.sched.f.ack_minutes"), ackMin, { hint: t("admin.sched.ack_hint") }),
    ),
    h(
      "fieldset",
      { class: "recipients", dataset: { field: "to" } },
      h("legend", null, t("admin.sched.f.to")),
      h("p", { class: "muted small" }, t("admin.sched.to_hint")),
      h("div", { class: "checks", dataset: { field: "to.forces" } }, forceBoxes, h("p", { class: "field-error", role: "alert" })),
      h("div", { dataset: { field: "to.units" } }, h("p", { class: "field-label" }, t("admin.sched.f.to_units")), picker.el, h("p", { class: "field-error", role: "alert" })),
      h("p", { class: "field-error", role: "alert" }),
    ),
    h("div", { class: "field", dataset: { field: "is_active" } }, h("label", { class: "check", for: activeBox.id }, activeBox, " ", t("admin.sched.f.active")), h("p", { class: "field-error", role: "alert" })),
    h("p", { class: "muted small" }, t("admin.sched.sections_note")),
    h("p", { class: "form-error", role: "alert" }),
    done,
    submit ? h("div", { class: "actions" }, submit) : null,
  );
  if (!writable) for (const el of form.querySelectorAll("input, select, textarea")) el.disabled = true;

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!submit) return;
    clearErrors(form);
    done.textContent = "";
    if (!title.value.trim()) return void showError(form, "title", t("exchange.ui.required"));
    const due = hhmm(dueLocal.value);
    if (!due) return void showError(form, "due_local", t("admin.sched.bad_time"));
    dueLocal.value = due;
    const forces = [...form.querySelectorAll("input[name=to-force]:checked")].map((x) => x.value);
    const unitIds = picker.value();
    if (!forces.length && !unitIds.length) return void showError(form, "to.forces", t("admin.sched.need_recipient"));
    const p = period.value;
    const ack = ackMin.value.trim();
    const payload = {
      title: title.value.trim().normalize("NFC"),
      period: p,
      due_local: due,
      due_day: p === "weekly" ? Number(dayWeekly.value) : p === "monthly" ? Number(dayMonthly.value) : null,
      to: { units: unitIds, forces },
      // Not checked here: the server's 422 names the field (docs/API.md).
      ack_minutes: ack === "" ? null : Number(ack),
      is_active: activeBox.checked,
    };
    if (isNew && unitCtl.value) payload.unit_id = Number(unitCtl.value);
    submit.disabled = true;
    try {
      const saved = current
        ? await api(`/bulletin-schedules/${current.id}`, { method: "PATCH", body: payload, headers: { "If-Match": `"${current.version}"` } })
        : await api("/bulletin-schedules", { method: "POST", body: payload });
      if (!current) {
        location.hash = link(saved.id);
        return;
      }
      current = saved;
      version.textContent = t("admin.version", { v: saved.version });
      done.textContent = t("admin.saved");
    } catch (er) {
      if (er.status === 401) return;
      if (er.status === 412) {
        form.querySelector(".form-error").replaceChildren(
          t("admin.stale"),
          " ",
          h("button", { type: "button", class: "btn btn-small", onclick: () => window.dispatchEvent(new HashChangeEvent("hashchange")) }, t("admin.reload")),
        );
      } else showError(form, er.field, er.status === 422 && ERR_FIELDS.includes(er.field) ? t(`admin.sched.err.${er.field}`) : apiMessage(er));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
