// exchange/inbox.js - bulletins and incidents awaiting my unit's acknowledgement,
// overdue first and in red, each acknowledgeable in place with a note. Refreshed
// from the live feed.

import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { fmtDateTime, fmtNumber, t } from "../i18n.js";
import { apiMessage, empty, failure, live, liveBadge, loading, may, textarea } from "./ui.js";
import { hotspotInboxItem } from "../hotspots/common.js";

function item(it, user, reload) {
  const inc = it.kind === "bulletin" ? null : it.incident;
  const bul = it.kind === "bulletin" ? it.bulletin : null;
  const rec = it.recipient || {};
  const stage = it.awaiting === "verified" ? "verified" : "received";
  const title = inc ? `${inc.ref} — ${inc.title}` : bul.title;
  const href = inc ? `#/incidents/${inc.id}` : `#/exchange/${bul.id}`;
  const status = h("p", { class: "ack-status", "aria-live": "polite" });
  const action = inc ? "incident.acknowledge" : "bulletin.acknowledge";
  let form = null;
  if (may(user, action)) {
    const key = `${it.kind}-${(inc || bul).id}-${rec.unit_id}`;
    const note = textarea({ rows: 1, id: `note-${key}`, class: "ack-note", maxlength: 4096 });
    const btn = h("button", { type: "submit", class: "btn btn-small btn-primary", dataset: { write: action } }, t(`dash.inbox.ack.${stage}`));
    form = h(
      "form",
      { class: "ack-form", dataset: { kind: it.kind, id: (inc || bul).id } },
      h("label", { for: note.id, class: "small" }, t("exchange.inbox.note")),
      note,
      btn,
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      btn.disabled = true;
      const body = { unit_id: rec.unit_id };
      if (note.value.trim()) body.note = note.value.trim();
      try {
        if (inc) await api(`/incidents/${inc.id}/acknowledgements`, { method: "POST", body: { ...body, stage } });
        else await api(`/bulletins/${bul.id}/acknowledgements`, { method: "POST", body });
        status.textContent = t("dash.inbox.ack_done");
        reload();
      } catch (err) {
        btn.disabled = false;
        status.textContent = t("dash.inbox.ack_failed", { message: apiMessage(err) });
      }
    });
  }
  return h(
    "li",
    { class: `inbox-item${it.overdue ? " overdue" : ""}`, dataset: { kind: it.kind, id: (inc || bul).id } },
    h(
      "div",
      { class: "inbox-head" },
      it.overdue ? h("span", { class: "badge badge-danger" }, t("dash.inbox.overdue")) : null,
      h("span", { class: "badge" }, t(`dash.inbox.kind.${inc ? "incident" : "bulletin"}`)),
      inc ? h("span", { class: `badge sev sev-${inc.severity}` }, t(`severity.${inc.severity}`)) : null,
      (inc || bul).classification && (inc || bul).classification !== "unclassified"
        ? h("span", { class: "badge badge-class" }, t(`exchange.class.${(inc || bul).classification}`))
        : null,
    ),
    h("a", { href, class: "inbox-title" }, title),
    h(
      "p",
      { class: "inbox-meta" },
      rec.unit_name ? `${rec.unit_name} · ` : "",
      t(`dash.inbox.awaiting.${stage}`),
      " · ",
      it.due_at ? t("dash.inbox.due", { time: fmtDateTime(it.due_at) }) : t("dash.inbox.no_due"),
    ),
    form,
    status,
  );
}

export function render(body, ctx) {
  const { user } = ctx;
  const [state, setState] = liveBadge();
  const count = h("p", { class: "muted", id: "inbox-count" });
  const box = h("div", { id: "exchange-inbox" }, loading());
  body.append(
    h(
      "section",
      { class: "panel", "aria-labelledby": "inbox-title" },
      h("div", { class: "panel-head" }, h("h2", { id: "inbox-title" }, t("exchange.inbox.title")), state),
      count,
      box,
    ),
  );
  let seq = 0;
  const load = async () => {
    const my = ++seq;
    let r;
    try {
      r = await api("/inbox?limit=200");
    } catch (e) {
      if (e.status !== 401 && my === seq) fill(box, failure(e));
      return;
    }
    if (my !== seq) return;
    const overdue = r.items.filter((i) => i.overdue).length;
    count.textContent = r.items.length ? t("exchange.inbox.count", { n: fmtNumber(r.items.length), overdue: fmtNumber(overdue) }) : "";
    if (!r.items.length) fill(box, empty(t("dash.inbox.empty")));
    else fill(box, h("ul", { class: "inbox" }, r.items.map((it) => (it.kind === "hotspot" ? hotspotInboxItem(it) : item(it, user, load)))));
  };
  load();
  let timer = null;
  const soon = () => {
    if (!timer)
      timer = setTimeout(() => {
        timer = null;
        // Do not wipe a note being typed.
        if (box.contains(document.activeElement) && document.activeElement.tagName === "TEXTAREA") soon();
        else load();
      }, 1500);
  };
  const topics = ["incident.created", "incident.acknowledged", "incident.transferred", "incident.overdue", "incident.status", "incident.merged", "incident.refused", "bulletin.sent", "bulletin.acknowledged", "bulletin.overdue", "hotspot.detected", "hotspot.status"];
  const close = live(Object.fromEntries(topics.map((tp) => [tp, soon])), setState);
  return () => {
    close();
    clearTimeout(timer);
  };
}
