// operations/list.js - the operations list (filters: status, kind, joint, my unit,
// time range, words of the title) and the calendar of planned operations: a week or
// month grid, Monday first, in Vietnam's time.

import { api } from "../api.js";
import { clear, fill, h } from "../dom.js";
import { fmtDateTime, fmtTime, t } from "../i18n.js";
import { empty, failure, field, forceBadge, fromLocalDate, input, loading, select, showError, toLocalDate } from "../exchange/ui.js";
import { dateTimeInput } from "../datetime.js";
import { statusBadge } from "./detail.js";

const STATUSES = ["planned", "active", "completed", "cancelled"];
const KINDS = ["patrol", "control", "checkpoint"];

function unitsCell(op) {
  const forces = [...new Set(op.units.map((u) => u.force))];
  return h(
    "td",
    null,
    op.units.length ? op.units[0].unit_name : "",
    op.units.length > 1 ? h("span", { class: "muted small" }, ` +${op.units.length - 1}`) : null,
    " ",
    forces.map((f) => forceBadge(f)),
  );
}

export function renderList(body, ctx) {
  const { user, params } = ctx;
  const status = select([["", t("operations.filter.any_status")], ...STATUSES.map((s) => [s, t(`operations.status.${s}`)])], params.get("status") || "", { name: "status" });
  const kind = select([["", t("operations.filter.any_kind")], ...KINDS.map((s) => [s, t(`operations.kind.${s}`)])], params.get("kind") || "", { name: "kind" });
  const joint = h("input", { type: "checkbox", name: "joint", id: "f-joint", checked: params.get("joint") === "true" ? true : null });
  const mine = h("input", { type: "checkbox", name: "mine", id: "f-mine", checked: params.get("mine") === "1" ? true : null });
  // dd/mm/yyyy whatever the browser's locale (datetime.js); yyyy-mm-dd in the address.
  const fromDt = dateTimeInput({ name: "from", dateOnly: true, label: t("operations.filter.from"), value: fromLocalDate(params.get("from") || "") });
  const toDt = dateTimeInput({ name: "to", dateOnly: true, label: t("operations.filter.to"), value: fromLocalDate(params.get("to") || "") });
  const q = input({ type: "search", name: "q", value: params.get("q") || "" });
  const filters = h(
    "form",
    { class: "filters", role: "search", "aria-label": t("operations.filter.label") },
    field("q", t("operations.filter.q"), q),
    field("status", t("operations.filter.status"), status),
    field("kind", t("operations.filter.kind"), kind),
    field("from", t("operations.filter.from"), fromDt.input),
    field("to", t("operations.filter.to"), toDt.input),
    h(
      "div",
      { class: "field checks-inline" },
      h("label", { class: "check" }, joint, " ", t("operations.filter.joint")),
      user.unit_id ? h("label", { class: "check" }, mine, " ", t("operations.filter.mine")) : null,
    ),
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
    for (const [k, el] of [["q", q], ["status", status], ["kind", kind]]) if (el.value) p.set(k, el.value);
    for (const [k, dt] of [["from", fromDt], ["to", toDt]]) if (dt.date()) p.set(k, toLocalDate(dt.date()));
    if (joint.checked) p.set("joint", "true");
    if (mine.checked) p.set("mine", "1");
    location.hash = `#/operations${p.toString() ? `?${p}` : ""}`;
  });
  const tbody = h("tbody");
  const table = h(
    "table",
    { class: "list-table", id: "operation-list" },
    h("thead", null, h("tr", null, ["operations.col.title", "operations.col.status", "operations.col.time", "operations.col.units"].map((k) => h("th", { scope: "col" }, t(k))))),
    tbody,
  );
  const status2 = h("div", null, loading());
  const more = h("button", { type: "button", class: "btn", hidden: true }, t("exchange.ui.more"));
  body.append(h("section", { class: "panel" }, filters, h("div", { class: "table-wrap" }, table), status2, more));
  const base = new URLSearchParams({ limit: "50" });
  if (q.value) base.set("q", q.value);
  if (status.value) base.set("status", status.value);
  if (kind.value) base.set("kind", kind.value);
  if (joint.checked) base.set("joint", "true");
  if (mine.checked && user.unit_id) base.set("unit_id", user.unit_id);
  if (fromLocalDate(params.get("from") || "")) base.set("from", fromLocalDate(params.get("from")));
  if (fromLocalDate(params.get("to") || "")) base.set("to", fromLocalDate(params.get("to"), true));
  let cursor = null;
  let gone = false;
  let n = 0;
  const page = async () => {
    more.hidden = true;
    const p = new URLSearchParams(base);
    if (cursor) p.set("cursor", cursor);
    let r;
    try {
      r = await api(`/operations?${p}`);
    } catch (e) {
      if (e.status !== 401 && !gone) fill(status2, failure(e));
      return;
    }
    if (gone) return;
    clear(status2);
    for (const op of r.items) {
      n++;
      tbody.append(
        h(
          "tr",
          { dataset: { id: op.id } },
          h(
            "td",
            null,
            h("a", { href: `#/operations/${op.id}` }, op.title),
            " ",
            h("span", { class: "badge" }, t(`operations.kind.${op.kind}`)),
            op.is_joint ? h("span", { class: "badge badge-joint" }, t("operations.joint")) : null,
            op.classification !== "unclassified" ? h("span", { class: "badge badge-class" }, t(`exchange.class.${op.classification}`)) : null,
          ),
          h("td", null, statusBadge(op.status)),
          h("td", { class: "nowrap" }, fmtDateTime(op.planned_start), h("br"), fmtDateTime(op.planned_end)),
          unitsCell(op),
        ),
      );
    }
    cursor = r.next_cursor;
    more.hidden = !cursor;
    if (!n) status2.append(empty(t("operations.empty")));
  };
  more.addEventListener("click", page);
  page();
  return () => {
    gone = true;
  };
}

// ---- calendar ------------------------------------------------------------------------------
const DAY = 86400000;
const OFFSET = 7 * 3600000;
// Local midnight (as a UTC instant) of the day holding ms.
const dayStart = (ms) => Math.floor((ms + OFFSET) / DAY) * DAY - OFFSET;
const weekday = (ms) => (new Date(ms + OFFSET).getUTCDay() + 6) % 7; // Monday 0

export function renderCalendar(body, ctx) {
  const { params } = ctx;
  const view = params.get("view") === "week" ? "week" : "month";
  const anchorStr = params.get("d");
  const anchor = anchorStr ? fromLocalDate(anchorStr) : null;
  const a = anchor ? new Date(anchor).getTime() : dayStart(Date.now());
  let start, end, label;
  const local = new Date(a + OFFSET);
  if (view === "week") {
    start = dayStart(a) - weekday(a) * DAY;
    end = start + 7 * DAY;
    label = t("operations.cal.week_of", { from: toLocalDate(start).split("-").reverse().join("/"), to: toLocalDate(end - DAY).split("-").reverse().join("/") });
  } else {
    const first = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - OFFSET;
    const next = Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - OFFSET;
    start = first - weekday(first) * DAY;
    end = next + ((7 - weekday(next)) % 7) * DAY;
    label = t("operations.cal.month", { m: local.getUTCMonth() + 1, y: local.getUTCFullYear() });
  }
  const step = (dir) => {
    let d;
    if (view === "week") d = a + dir * 7 * DAY;
    else d = Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + dir, 1) - OFFSET;
    return `#/operations/calendar?view=${view}&d=${toLocalDate(d)}`;
  };
  const today = toLocalDate(Date.now());
  const grid = h("div", { class: `cal cal-${view}`, id: "calendar", role: "table", "aria-label": label }, loading());
  body.append(
    h(
      "section",
      { class: "panel" },
      h(
        "div",
        { class: "cal-head" },
        h("a", { class: "btn btn-small", href: step(-1), "aria-label": t("operations.cal.prev") }, "‹"),
        h("h2", { id: "cal-title" }, label),
        h("a", { class: "btn btn-small", href: step(1), "aria-label": t("operations.cal.next") }, "›"),
        h("a", { class: "btn btn-small", href: `#/operations/calendar?view=${view}` }, t("operations.cal.today")),
        h(
          "span",
          { class: "cal-views" },
          h("a", { class: "btn btn-small", href: `#/operations/calendar?view=month&d=${toLocalDate(a)}`, "aria-current": view === "month" ? "true" : null }, t("operations.cal.month_view")),
          h("a", { class: "btn btn-small", href: `#/operations/calendar?view=week&d=${toLocalDate(a)}`, "aria-current": view === "week" ? "true" : null }, t("operations.cal.week_view")),
        ),
      ),
      grid,
    ),
  );
  let gone = false;
  (async () => {
    const ops = [];
    try {
      let cursor = null;
      for (let i = 0; i < 10; i++) {
        const p = new URLSearchParams({ from: new Date(start).toISOString(), to: new Date(end).toISOString(), limit: "500" });
        if (cursor) p.set("cursor", cursor);
        const r = await api(`/operations?${p}`);
        ops.push(...r.items);
        cursor = r.next_cursor;
        if (!cursor) break;
      }
    } catch (e) {
      if (e.status !== 401 && !gone) fill(grid, failure(e));
      return;
    }
    if (gone) return;
    ops.sort((x, y) => new Date(x.planned_start) - new Date(y.planned_start));
    const month = local.getUTCMonth();
    const names = [0, 1, 2, 3, 4, 5, 6].map((i) => t(`operations.cal.d${i}`));
    const rows = [h("div", { class: "cal-row cal-names", role: "row" }, names.map((n) => h("div", { class: "cal-name", role: "columnheader" }, n)))];
    for (let w = start; w < end; w += 7 * DAY) {
      const cells = [];
      for (let d = w; d < w + 7 * DAY; d += DAY) {
        const ds = toLocalDate(d);
        const inDay = ops.filter((op) => new Date(op.planned_start).getTime() < d + DAY && new Date(op.planned_end).getTime() > d);
        const out = view === "month" && new Date(d + OFFSET).getUTCMonth() !== month;
        cells.push(
          h(
            "div",
            { class: `cal-day${out ? " out" : ""}${ds === today ? " today" : ""}`, role: "cell", dataset: { date: ds } },
            h("span", { class: "cal-date" }, view === "week" ? ds.split("-").reverse().slice(0, 2).join("/") : String(Number(ds.slice(8)))),
            h(
              "ul",
              { class: "cal-ops" },
              inDay.map((op) =>
                h(
                  "li",
                  { class: `cal-op op-${op.status}${op.is_joint ? " joint" : ""}` },
                  h(
                    "a",
                    { href: `#/operations/${op.id}`, title: `${op.title} (${fmtDateTime(op.planned_start)} – ${fmtDateTime(op.planned_end)})` },
                    new Date(op.planned_start).getTime() >= d ? `${fmtTime(op.planned_start)} ` : "… ",
                    op.title,
                  ),
                ),
              ),
            ),
          ),
        );
      }
      rows.push(h("div", { class: "cal-row", role: "row" }, cells));
    }
    fill(grid, rows, ops.length ? null : empty(t("operations.cal.empty")));
  })();
  return () => {
    gone = true;
  };
}
