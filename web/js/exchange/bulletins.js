// exchange/bulletins.js - bulletins sent and received (filters, pages of 50) and one
// bulletin: its sections, its recipients and who acknowledged when. Above the list,
// the periodic bulletins my unit owes (due, overdue, sent); the schedules themselves
// at #/exchange/bulletins?schedule=<all|new|id> (admin/schedules.js).

import { api } from "../api.js";
import { clear, fill, h } from "../dom.js";
import { fmtDateTime, t } from "../i18n.js";
import { dateTimeInput } from "../datetime.js";
import {
  allPages,
  apiMessage,
  empty,
  failure,
  field,
  forceBadge,
  fromLocalDate,
  input,
  loading,
  may,
  person,
  select,
  showError,
  textarea,
  toLocalDate,
  unitMap,
} from "./ui.js";

const SECTIONS = ["situation", "assessment", "proposals"];

function classBadge(c) {
  return c && c !== "unclassified" ? h("span", { class: "badge badge-class" }, t(`exchange.class.${c}`)) : null;
}

function capBadge(c) {
  return c && c !== "actual" ? h("span", { class: "badge badge-cap" }, t(`exchange.cap.${c}`)) : null;
}

// Is unit u the person's unit or below it?
function mine(user, u) {
  return Boolean(u && user.unit_path && (u.path || "").startsWith(user.unit_path));
}

export function render(body, ctx) {
  const { user, params } = ctx;
  if (params.has("schedule")) return renderSchedules(body, ctx);
  const q = input({ type: "search", name: "q", value: params.get("q") || "" });
  const dir = select(
    [
      ["", t("exchange.bul.dir.all")],
      ["sent", t("exchange.bul.dir.sent")],
      ["received", t("exchange.bul.dir.received")],
    ],
    params.get("dir") || "",
    { name: "dir" },
  );
  const kind = select(
    [
      ["", t("exchange.bul.kind.all")],
      ["ad_hoc", t("exchange.bul.kind.ad_hoc")],
      ["periodic", t("exchange.bul.kind.periodic")],
    ],
    params.get("kind") || "",
    { name: "kind" },
  );
  const cap = select(
    [
      ["", t("exchange.bul.cap.all")],
      ["actual", t("exchange.cap.actual")],
      ["exercise", t("exchange.cap.exercise")],
      ["test", t("exchange.cap.test")],
    ],
    params.get("cap_status") || "",
    { name: "cap_status" },
  );
  // dd/mm/yyyy whatever the browser's locale (datetime.js); yyyy-mm-dd in the address.
  const fromDt = dateTimeInput({ name: "from", dateOnly: true, label: t("exchange.bul.from"), value: fromLocalDate(params.get("from") || "") });
  const toDt = dateTimeInput({ name: "to", dateOnly: true, label: t("exchange.bul.to"), value: fromLocalDate(params.get("to") || "") });
  const filters = h(
    "form",
    { class: "filters", role: "search", "aria-label": t("exchange.bul.filters") },
    field("q", t("exchange.bul.q"), q),
    field("dir", t("exchange.bul.dir"), dir),
    field("kind", t("exchange.bul.kind"), kind),
    field("cap_status", t("exchange.bul.cap"), cap),
    field("from", t("exchange.bul.from"), fromDt.input),
    field("to", t("exchange.bul.to"), toDt.input),
    h("div", { class: "filter-actions" }, h("button", { type: "submit", class: "btn" }, t("exchange.ui.apply"))),
  );
  fromDt.place();
  toDt.place();
  filters.addEventListener("submit", (e) => {
    e.preventDefault();
    for (const [k, dt] of [["from", fromDt], ["to", toDt]]) {
      if (dt.state() === "invalid") return void showError(filters, k, t("dt.invalid_date"));
    }
    const p = new URLSearchParams();
    for (const [k, el] of [["q", q], ["dir", dir], ["kind", kind], ["cap_status", cap]]) if (el.value) p.set(k, el.value);
    for (const [k, dt] of [["from", fromDt], ["to", toDt]]) if (dt.date()) p.set(k, toLocalDate(dt.date()));
    location.hash = `#/exchange/bulletins${p.toString() ? `?${p}` : ""}`;
  });
  const tbody = h("tbody");
  const table = h(
    "table",
    { class: "list-table", id: "bulletin-list" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        ["exchange.bul.col.sent", "exchange.bul.col.title", "exchange.bul.col.from", "exchange.bul.col.dir", "exchange.bul.col.ack"].map((k) =>
          h("th", { scope: "col" }, t(k)),
        ),
      ),
    ),
    tbody,
  );
  const status = h("div", null, loading());
  const more = h("button", { type: "button", class: "btn", hidden: true }, t("exchange.ui.more"));
  const due = user.unit_id ? periodicDue(user) : null;
  body.append(due ? due.el : "", h("section", { class: "panel", "aria-label": t("exchange.tab.bulletins") }, filters, h("div", { class: "table-wrap" }, table), status, more));

  const base = new URLSearchParams();
  if (q.value) base.set("q", q.value);
  if (kind.value) base.set("kind", kind.value);
  if (cap.value) base.set("cap_status", cap.value);
  if (fromDt.date()) base.set("from", fromDt.date().toISOString());
  if (toDt.date()) base.set("to", new Date(toDt.date().getTime() + 86400000).toISOString()); // the "to" day included
  base.set("limit", "50");
  let cursor = null;
  let shown = 0;
  let gone = false;
  const page = async () => {
    more.hidden = true;
    const p = new URLSearchParams(base);
    if (cursor) p.set("cursor", cursor);
    let r, units;
    try {
      [r, units] = await Promise.all([api(`/bulletins?${p}`), unitMap(true)]);
    } catch (e) {
      if (e.status !== 401 && !gone) fill(status, failure(e));
      return;
    }
    if (gone) return;
    clear(status);
    for (const b of r.items) {
      const sender = units.get(b.from_unit_id);
      const sent = mine(user, sender);
      if ((dir.value === "sent" && !sent) || (dir.value === "received" && sent)) continue;
      shown++;
      tbody.append(
        h(
          "tr",
          { class: b.overdue ? "overdue" : null, dataset: { id: b.id } },
          h("td", { class: "nowrap" }, fmtDateTime(b.sent_at)),
          h(
            "td",
            null,
            h("a", { href: `#/exchange/${b.id}` }, b.title),
            " ",
            b.kind === "periodic" ? h("span", { class: "badge" }, t("exchange.bul.kind.periodic")) : null,
            classBadge(b.classification),
            capBadge(b.cap_status),
          ),
          h("td", null, sender ? sender.name : `#${b.from_unit_id}`),
          h("td", null, t(sent ? "exchange.bul.dir.sent_one" : "exchange.bul.dir.received_one")),
          h(
            "td",
            null,
            b.overdue
              ? h("span", { class: "badge badge-danger" }, t("dash.inbox.overdue"))
              : b.ack_required
                ? t("exchange.bul.ack_minutes", { n: b.ack_minutes })
                : t("exchange.bul.no_ack"),
          ),
        ),
      );
    }
    cursor = r.next_cursor;
    more.hidden = !cursor;
    if (!shown && !cursor) status.append(empty(t("exchange.bul.empty")));
  };
  more.addEventListener("click", page);
  page();
  return () => {
    gone = true;
    if (due) due.stop();
  };
}

// ---- periodic bulletins my unit owes: due, overdue, sent ------------------------------------
// Composed from GET /bulletin-schedules?unit_id= (my unit and below) and the periodic
// bulletins sent since the previous period (GET /bulletins?kind=periodic): a period
// is owed when its due time came after the schedule was made (as the server counts,
// docs/API.md "Missing and late"), answered by a bulletin of that schedule and
// period_start.
const DAY_MS = 86400000;
const VN_MS = 7 * 3600000;
const localDay = (ms) => Math.floor((ms + VN_MS) / DAY_MS);
const dayText = (d) => new Date(d * DAY_MS).toISOString().slice(0, 10);
function periodFirst(s, day) {
  if (s.period === "weekly") return day - ((day + 3) % 7); // 1970-01-01 was a Thursday
  if (s.period === "monthly") return day - (new Date(day * DAY_MS).getUTCDate() - 1);
  return day;
}
function periodNext(s, first) {
  if (s.period === "weekly") return first + 7;
  if (s.period === "monthly") {
    const d = new Date(first * DAY_MS);
    return Math.round(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY_MS);
  }
  return first + 1;
}
function periodDue(s, first) {
  const [hh, mm] = String(s.due_local || "00:00").split(":").map(Number);
  const day = first + (s.period !== "daily" && s.due_day ? s.due_day - 1 : 0);
  return day * DAY_MS + (hh * 60 + mm) * 60000 - VN_MS;
}

// Where schedule s stands now: {state: overdue|due|sent|next, at, start, bulletin}.
export function scheduleState(s, sentBy, now = Date.now()) {
  const created = Date.parse(s.created_at) || 0;
  const cur = periodFirst(s, localDay(now));
  const prev = periodFirst(s, cur - 1);
  const sent = (first) => sentBy.get(`${s.id}/${dayText(first)}`);
  const pDue = periodDue(s, prev);
  if (pDue > created && pDue <= now && !sent(prev)) return { state: "overdue", at: pDue, start: dayText(prev) };
  const cDue = periodDue(s, cur);
  const b = sent(cur);
  if (b) return { state: "sent", at: cDue, start: dayText(cur), bulletin: b, late: Date.parse(b.sent_at) > cDue };
  if (cDue > created) return { state: cDue <= now ? "overdue" : "due", at: cDue, start: dayText(cur) };
  const next = periodNext(s, cur);
  return { state: "next", at: periodDue(s, next), start: dayText(next) };
}

function periodicDue(user) {
  const list = h("ul", { class: "due-list" }, h("li", null, loading()));
  const el = h(
    "section",
    { class: "panel periodic-due", id: "periodic-due", "aria-labelledby": "periodic-due-title" },
    h("h2", { id: "periodic-due-title" }, t("exchange.due.title")),
    list,
  );
  let gone = false;
  (async () => {
    let sched, units, mod;
    try {
      [sched, units, mod] = await Promise.all([allPages(`/bulletin-schedules?unit_id=${user.unit_id}`), unitMap(true), import("../admin/schedules.js")]);
    } catch (e) {
      if (e.status !== 401 && !gone) fill(list, h("li", null, failure(e)));
      return;
    }
    sched = sched.filter((s) => s.is_active);
    const now = Date.now();
    let bulletins = [];
    if (sched.length) {
      // Early reports for this period, and late ones for the previous: a month and more back.
      const from = new Date((localDay(now) - 70) * DAY_MS - VN_MS).toISOString();
      try {
        bulletins = await allPages(`/bulletins?kind=periodic&unit_id=${user.unit_id}&from=${encodeURIComponent(from)}`);
      } catch (e) {
        if (e.status !== 401 && !gone) fill(list, h("li", null, failure(e)));
        return;
      }
    }
    if (gone) return;
    const sentBy = new Map(bulletins.filter((b) => b.schedule_id).map((b) => [`${b.schedule_id}/${b.period_start}`, b]));
    const isAdmin = (user.roles || []).includes("admin");
    const link = (id) => (isAdmin ? `#/admin/schedules/${id}` : `#/exchange/bulletins?schedule=${id}`);
    const rank = { overdue: 0, due: 1, next: 2, sent: 3 };
    const rows = sched
      .map((s) => ({ s, st: scheduleState(s, sentBy, now) }))
      .sort((a, b) => rank[a.st.state] - rank[b.st.state] || a.st.at - b.st.at || a.s.id - b.s.id);
    const tools = h(
      "p",
      { class: "due-tools" },
      h("a", { href: isAdmin ? "#/admin/schedules" : "#/exchange/bulletins?schedule=all", id: "sched-all" }, t("exchange.due.all")),
      mod.mayWriteAny(user) ? [" · ", h("a", { href: isAdmin ? "#/admin/schedules/new" : "#/exchange/bulletins?schedule=new", dataset: { write: "schedule.write" } }, t("exchange.due.new"))] : null,
    );
    if (!rows.length) return fill(list, h("li", { class: "muted" }, t("exchange.due.none")), h("li", null, tools));
    fill(
      list,
      rows.map(({ s, st }) => {
        const u = units.get(s.unit_id);
        const when = fmtDateTime(new Date(st.at));
        const badge =
          st.state === "overdue"
            ? h("span", { class: "badge badge-danger" }, t("exchange.due.overdue"))
            : st.state === "sent"
              ? h("span", { class: `badge ${st.late ? "badge-warn" : "badge-ok"}` }, t(st.late ? "exchange.due.sent_late" : "exchange.due.sent"))
              : h("span", { class: "badge" }, t(st.state === "due" ? "exchange.due.due" : "exchange.due.next"));
        return h(
          "li",
          { class: st.state === "overdue" ? "overdue" : null, dataset: { schedule: s.id, state: st.state } },
          h(
            "div",
            { class: "due-main" },
            badge,
            " ",
            st.bulletin ? h("a", { href: `#/exchange/${st.bulletin.id}` }, s.title) : h("strong", null, s.title),
            h("span", { class: "muted small" }, ` — ${u ? u.name : `#${s.unit_id}`}`),
          ),
          h(
            "div",
            { class: "muted small due-when" },
            mod.periodText(s),
            " · ",
            t(st.state === "sent" ? "exchange.due.was_due" : "exchange.due.due_at", { time: when, period: st.start.split("-").reverse().join("/") }),
            mod.mayWriteSchedule(user, u) ? [" · ", h("a", { href: link(s.id), dataset: { write: "schedule.write" } }, t("exchange.due.edit"))] : null,
          ),
        );
      }),
      h("li", null, tools),
    );
  })();
  return {
    el,
    stop: () => {
      gone = true;
    },
  };
}

// The schedules themselves (list, one, new) for those who do not reach the
// administration: commanders write their units' schedules here.
function renderSchedules(body, ctx) {
  const sub = ctx.params.get("schedule");
  const link = (id) => `#/exchange/bulletins?schedule=${id || "all"}`;
  let cleanup = null;
  let gone = false;
  body.append(h("p", null, h("a", { href: "#/exchange/bulletins" }, t("exchange.bul.back"))));
  import("../admin/schedules.js")
    .then((m) => {
      if (!gone) cleanup = m.render(body, { ...ctx, sub: sub === "all" || !sub ? null : sub, link }) || null;
    })
    .catch((e) => {
      if (!gone) body.append(failure(e));
    });
  return () => {
    gone = true;
    if (cleanup) cleanup();
  };
}

// ---- one bulletin ------------------------------------------------------------------------
export function renderDetail(body, ctx) {
  const { user, id } = ctx;
  let gone = false;
  const box = h("div", { id: "bulletin-detail" }, loading());
  body.append(box);
  const load = async () => {
    let b, units;
    try {
      [b, units] = await Promise.all([api(`/bulletins/${id}`), unitMap(true)]);
    } catch (e) {
      if (e.status !== 401 && !gone) fill(box, e.status === 404 ? h("p", { class: "panel" }, t("exchange.bul.not_found")) : failure(e));
      return;
    }
    if (gone) return;
    const sender = units.get(b.from_unit_id);
    const people = new Map();
    await Promise.all(
      b.recipients
        .filter((r) => r.received_by)
        .map((r) =>
          person(r.received_by)
            .then((p) => people.set(r.received_by, p.full_name))
            .catch(() => {}),
        ),
    );
    const to = [
      ...(b.to.units || []).map((u) => (units.get(u) || { name: `#${u}` }).name),
      ...(b.to.forces || []).map((f) => t("exchange.bul.to_force", { force: t(`force.${f}`) })),
    ].join("; ");
    const rows = b.recipients.map((r) => {
      const u = units.get(r.unit_id);
      const ackable = !r.received_at && may(user, "bulletin.acknowledge") && mine(user, u);
      const cell = h("td", null);
      if (r.received_at) {
        cell.append(fmtDateTime(r.received_at), people.has(r.received_by) ? ` — ${people.get(r.received_by)}` : "");
        if (r.note) cell.append(h("div", { class: "muted small" }, r.note));
      } else if (ackable) {
        cell.append(ackForm(b, r, load));
      } else cell.append(h("span", { class: "muted" }, t("exchange.bul.not_yet")));
      return h(
        "tr",
        { class: r.overdue_at && !r.received_at ? "overdue" : null, dataset: { unit: r.unit_id } },
        h("th", { scope: "row" }, r.unit_name, " ", forceBadge(r.force)),
        h("td", { class: "nowrap" }, r.ack_due_at ? fmtDateTime(r.ack_due_at) : t("dash.inbox.no_due")),
        cell,
        h(
          "td",
          null,
          r.overdue_at ? h("span", { class: "badge badge-danger" }, t(r.received_at ? "exchange.bul.late" : "dash.inbox.overdue")) : r.received_at ? t("exchange.bul.on_time") : "",
        ),
      );
    });
    fill(
      box,
      h(
        "article",
        { class: "panel bulletin" },
        h("p", null, h("a", { href: "#/exchange/bulletins" }, t("exchange.bul.back"))),
        h("h2", { id: "bulletin-title" }, b.title),
        h(
          "p",
          { class: "badges" },
          h("span", { class: "badge" }, t(`exchange.bul.kind.${b.kind}`)),
          classBadge(b.classification),
          capBadge(b.cap_status),
          b.overdue ? h("span", { class: "badge badge-danger" }, t("dash.inbox.overdue")) : null,
        ),
        h(
          "dl",
          { class: "meta" },
          h("dt", null, t("exchange.bul.col.from")),
          h("dd", null, sender ? sender.name : `#${b.from_unit_id}`, " ", forceBadge(b.from_force)),
          h("dt", null, t("exchange.bul.col.sent")),
          h("dd", null, fmtDateTime(b.sent_at)),
          b.period_start ? [h("dt", null, t("exchange.bul.period")), h("dd", null, b.period_start.split("-").reverse().join("/"))] : null,
          h("dt", null, t("exchange.bul.addressed")),
          h("dd", null, to || t("common.na")),
          h("dt", null, t("exchange.bul.col.ack")),
          h("dd", null, b.ack_required ? t("exchange.bul.ack_minutes", { n: b.ack_minutes }) : t("exchange.bul.no_ack")),
        ),
        SECTIONS.filter((s) => b.sections[s]).map((s) => h("section", { class: "bul-section" }, h("h3", null, t(`exchange.sec.${s}`)), h("p", { class: "pre" }, b.sections[s]))),
        h("h3", null, t("exchange.bul.recipients")),
        h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "list-table", id: "recipients" },
            h(
              "thead",
              null,
              h(
                "tr",
                null,
                ["exchange.bul.rec.unit", "exchange.bul.rec.due", "exchange.bul.rec.received", "exchange.bul.rec.state"].map((k) => h("th", { scope: "col" }, t(k))),
              ),
            ),
            h("tbody", null, rows),
          ),
        ),
      ),
    );
  };
  load();
  return () => {
    gone = true;
  };
}

function ackForm(b, r, reload) {
  const note = textarea({ rows: 1, class: "ack-note", maxlength: 4096, "aria-label": t("exchange.inbox.note") });
  const btn = h("button", { type: "submit", class: "btn btn-small btn-primary", dataset: { write: "bulletin.acknowledge" } }, t("dash.inbox.ack.received"));
  const msg = h("p", { class: "ack-status", "aria-live": "polite" });
  const form = h("form", { class: "ack-form" }, note, btn, msg);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    btn.disabled = true;
    try {
      await api(`/bulletins/${b.id}/acknowledgements`, { method: "POST", body: { unit_id: r.unit_id, ...(note.value.trim() ? { note: note.value.trim() } : {}) } });
      reload();
    } catch (err) {
      btn.disabled = false;
      msg.textContent = t("dash.inbox.ack_failed", { message: apiMessage(err) });
    }
  });
  return form;
}
