// exchange/bulletins.js - bulletins sent and received (filters, pages of 50) and one
// bulletin: its sections, its recipients and who acknowledged when.

import { api } from "../api.js";
import { clear, fill, h } from "../dom.js";
import { fmtDateTime, t } from "../i18n.js";
import {
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
  textarea,
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
  const from = input({ type: "date", name: "from", value: params.get("from") || "" });
  const to = input({ type: "date", name: "to", value: params.get("to") || "" });
  const filters = h(
    "form",
    { class: "filters", role: "search", "aria-label": t("exchange.bul.filters") },
    field("q", t("exchange.bul.q"), q),
    field("dir", t("exchange.bul.dir"), dir),
    field("kind", t("exchange.bul.kind"), kind),
    field("cap_status", t("exchange.bul.cap"), cap),
    field("from", t("exchange.bul.from"), from),
    field("to", t("exchange.bul.to"), to),
    h("div", { class: "filter-actions" }, h("button", { type: "submit", class: "btn" }, t("exchange.ui.apply"))),
  );
  filters.addEventListener("submit", (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const [k, el] of [["q", q], ["dir", dir], ["kind", kind], ["cap_status", cap], ["from", from], ["to", to]]) if (el.value) p.set(k, el.value);
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
  body.append(h("section", { class: "panel", "aria-label": t("exchange.tab.bulletins") }, filters, h("div", { class: "table-wrap" }, table), status, more));

  const base = new URLSearchParams();
  if (q.value) base.set("q", q.value);
  if (kind.value) base.set("kind", kind.value);
  if (cap.value) base.set("cap_status", cap.value);
  if (from.value) base.set("from", fromLocalDate(from.value));
  if (to.value) base.set("to", fromLocalDate(to.value, true));
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
