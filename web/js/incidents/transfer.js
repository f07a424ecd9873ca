// incidents/transfer.js - the two forms of the incident page that hand an incident
// on: Transfer (chuyển giao chủ trì: another unit leads, with the reason) and Merge
// (gộp vụ việc trùng: this report duplicates another one, found by its reference or
// its words). Both send If-Match with the version read; the server's 409/412/422
// are said next to the form, in the page's language. detail.js offers them only to
// who may change the incident (duty officer, commander, coordinator of the lead unit
// or above) and only from the statuses the workflow allows (docs/API.md, "Workflow").

import { api } from "../api.js";
import { h } from "../dom.js";
import { fmtDateTime, t } from "../i18n.js";
import { byForce, depth, units as loadUnits } from "../exchange/ui.js";
import { fold } from "../operations/unitpicker.js";
import { statusBadge } from "./common.js";

export const TRANSFER_FROM = ["new", "acknowledged", "transferred"];
export const MERGE_FROM = ["new", "acknowledged", "transferred", "responding"];

const REF_RE = /^[A-Z0-9]{2,8}-\d{4}-\d{1,6}$/i;

// The text of a refused call: the server's words without "member: ", or the network.
function apiText(e) {
  if (!e.status) return t("error.network");
  let m = e.message || e.code || `HTTP ${e.status}`;
  if (e.field && m.startsWith(`${e.field}: `)) m = m.slice(e.field.length + 2);
  return m;
}

function errLine(id) {
  return h("p", { class: "field-error", id, role: "alert" });
}

function setErr(el, ctl, text) {
  el.textContent = text;
  if (ctl) {
    ctl.setAttribute("aria-invalid", "true");
    ctl.focus();
  }
}

function clearErr(...pairs) {
  for (const [el, ctl] of pairs) {
    el.textContent = "";
    if (ctl) ctl.removeAttribute("aria-invalid");
  }
}

// ---- transfer ---------------------------------------------------------------------------
// ctx: { stale(e) → true when it was a 412 (the page reloads), done(message, result) }.
export function transferForm(i, ctx) {
  const filter = h("input", { type: "search", id: "inc-tr-filter", class: "picker-filter", autocomplete: "off", placeholder: t("inc.transfer.filter_ph") });
  const pick = h("select", { id: "inc-tr-unit", size: 8, class: "unit-select", "aria-describedby": "inc-tr-unit-error" }, h("option", { disabled: true }, t("app.loading")));
  const unitErr = errLine("inc-tr-unit-error");
  const chosen = h("p", { class: "small tr-chosen", id: "inc-tr-chosen", "aria-live": "polite" });
  const reason = h("textarea", { id: "inc-tr-reason", rows: 2, maxlength: 2000, required: true, "aria-describedby": "inc-tr-reason-error" });
  const reasonErr = errLine("inc-tr-reason-error");
  const formErr = h("p", { class: "form-error", id: "inc-tr-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-small", id: "inc-tr-submit", dataset: { write: "incident.transfer" } }, t("inc.transfer.do"));

  let list = [];
  const paint = () => {
    const q = fold(filter.value.trim());
    const keep = pick.value;
    const groups = [];
    for (const [force, us] of byForce(list)) {
      const shown = us.filter((u) => !q || fold(`${u.name} ${u.code}`).includes(q));
      if (!shown.length) continue;
      groups.push(
        h(
          "optgroup",
          { label: t(`force.${force}`) },
          shown.map((u) => h("option", { value: u.id, selected: String(u.id) === keep ? true : null, dataset: { force: u.force } }, `${"\u2003".repeat(Math.min(depth(u), 3))}${u.name} (${u.code})`)),
        ),
      );
    }
    pick.replaceChildren(...(groups.length ? groups : [h("option", { disabled: true }, t("inc.transfer.no_unit"))]));
    showChosen();
  };
  const showChosen = () => {
    const u = list.find((x) => String(x.id) === pick.value);
    chosen.textContent = u ? t("inc.transfer.chosen", { unit: u.name }) : "";
  };
  filter.addEventListener("input", paint);
  // Enter in the filter picks the first unit shown rather than sending the form.
  filter.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    const first = pick.querySelector("option:not([disabled])");
    if (first) {
      pick.value = first.value;
      showChosen();
      pick.focus();
    }
  });
  pick.addEventListener("change", () => {
    clearErr([unitErr, pick]);
    showChosen();
  });
  reason.addEventListener("input", () => clearErr([reasonErr, reason]));
  loadUnits()
    .then((all) => {
      list = all.filter((u) => u.is_active !== false && u.id !== i.lead_unit_id);
      paint();
    })
    .catch((e) => {
      pick.replaceChildren(h("option", { disabled: true }, t("error.load", { message: apiText(e) })));
    });

  const form = h(
    "form",
    { class: "transfer-form", id: "inc-transfer-form", novalidate: true },
    h("p", { class: "muted small" }, t("inc.transfer.explain")),
    h("div", { class: "field" }, h("label", { for: filter.id }, t("inc.transfer.filter")), filter),
    h("div", { class: "field" }, h("label", { for: pick.id }, t("inc.transfer.unit"), h("span", { class: "req", "aria-hidden": "true" }, " *")), pick, chosen, unitErr),
    h("div", { class: "field" }, h("label", { for: reason.id }, t("inc.transfer.reason"), h("span", { class: "req", "aria-hidden": "true" }, " *")), reason, reasonErr),
    formErr,
    submit,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErr([unitErr, pick], [reasonErr, reason], [formErr, null]);
    const unitId = Number(pick.value);
    const text = reason.value.trim().normalize("NFC");
    if (!unitId) return void setErr(unitErr, pick, t("inc.transfer.need_unit"));
    if (!text) return void setErr(reasonErr, reason, t("inc.transfer.need_reason"));
    const unit = list.find((u) => u.id === unitId);
    submit.disabled = true;
    try {
      const r = await api(`/incidents/${i.id}/transfer`, {
        method: "POST",
        headers: { "If-Match": `"${i.version}"` },
        body: { lead_unit_id: unitId, note: text },
      });
      ctx.done(t("inc.transfer.done", { unit: unit ? unit.name : `#${unitId}` }), r);
    } catch (ex) {
      submit.disabled = false;
      if (ex.status === 401 || ctx.stale(ex)) return;
      if (ex.status === 422 && ex.field === "lead_unit_id") setErr(unitErr, pick, t("inc.transfer.bad_unit", { message: apiText(ex) }));
      else if (ex.status === 422 && ex.field === "note") setErr(reasonErr, reason, t("inc.transfer.bad_reason", { message: apiText(ex) }));
      else if (ex.status === 409) formErr.textContent = t("inc.transfer.conflict", { status: t(`status.${i.status}`) });
      else if (ex.status === 403) formErr.textContent = t("inc.err.forbidden");
      else formErr.textContent = t("inc.transfer.failed", { message: apiText(ex) });
    }
  });
  return h(
    "details",
    { class: "handover", id: "inc-transfer" },
    h("summary", { dataset: { write: "incident.transfer" } }, t("inc.transfer.title")),
    form,
  );
}

// ---- merge --------------------------------------------------------------------------------
export function mergeForm(i, ctx) {
  const q = h("input", { type: "search", id: "inc-mg-q", autocomplete: "off", maxlength: 200, placeholder: t("inc.merge.search_ph"), "aria-describedby": "inc-mg-q-error" });
  const qErr = errLine("inc-mg-q-error");
  const find = h("button", { type: "button", class: "btn btn-small", id: "inc-mg-find" }, t("inc.merge.find"));
  const results = h("div", { class: "merge-results", id: "inc-mg-results", "aria-live": "polite" });
  const confirmBox = h("div", { class: "merge-confirm", id: "inc-mg-confirm", hidden: true });
  const note = h("input", { type: "text", id: "inc-mg-note", autocomplete: "off", maxlength: 2000 });
  const formErr = h("p", { class: "form-error", id: "inc-mg-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "btn btn-danger btn-small", id: "inc-mg-submit", dataset: { write: "incident.merge" } }, t("inc.merge.do"));
  let target = null;
  let seq = 0;

  const candidate = (c) =>
    h(
      "li",
      { class: "merge-cand", dataset: { id: c.id, ref: c.ref } },
      h(
        "label",
        null,
        h("input", {
          type: "radio",
          name: "merge-into",
          value: c.id,
          onchange: () => choose(c),
        }),
        h(
          "span",
          { class: "cand-text" },
          h("span", { class: "inc-ref" }, c.ref),
          " ",
          h("span", { class: "cand-title" }, c.title),
          h("span", { class: "muted small" }, " · ", h("time", { datetime: c.occurred_at }, fmtDateTime(c.occurred_at)), " "),
          statusBadge(c.status),
        ),
      ),
    );

  function choose(c) {
    target = c;
    formErr.textContent = "";
    confirmBox.hidden = false;
    confirmBox.replaceChildren(
      h("p", { class: "merge-what" }, t("inc.merge.confirm", { ref: i.ref, into: c.ref })),
      h("p", { class: "muted small" }, h("a", { href: `#/incidents/${c.id}`, target: "_blank", rel: "noopener" }, t("inc.merge.open", { ref: c.ref })), " · ", c.title, " · ", fmtDateTime(c.occurred_at)),
      h("div", { class: "field" }, h("label", { for: note.id }, t("inc.merge.note")), note),
      formErr,
      submit,
    );
  }

  async function search() {
    const text = q.value.trim().normalize("NFC");
    clearErr([qErr, q], [formErr, null]);
    target = null;
    confirmBox.hidden = true;
    if (!text) return void setErr(qErr, q, t("inc.merge.need_query"));
    const my = ++seq;
    results.replaceChildren(h("p", { class: "muted loading" }, t("app.loading")));
    find.disabled = true;
    try {
      const found = new Map();
      // A reference number: that incident first (the search finds it too, but also
      // others sharing its digits).
      if (REF_RE.test(text)) {
        const one = await api(`/incidents/${encodeURIComponent(text.toUpperCase())}`).catch((e) => {
          if (e.status === 404) return null;
          throw e;
        });
        if (one) found.set(one.id, one);
      }
      const r = await api(`/incidents?${new URLSearchParams({ q: text, limit: "10" })}`);
      for (const c of r.items) if (!found.has(c.id)) found.set(c.id, c);
      if (my !== seq) return;
      const items = [...found.values()].filter((c) => c.id !== i.id && c.status !== "merged");
      results.replaceChildren(
        items.length
          ? h("ul", { class: "merge-list", role: "list", "aria-label": t("inc.merge.candidates") }, items.map(candidate))
          : h("p", { class: "muted" }, t("inc.merge.none")),
      );
    } catch (e) {
      if (my !== seq || e.status === 401) return;
      results.replaceChildren();
      setErr(qErr, null, e.status === 400 ? t("inc.merge.bad_query") : t("error.load", { message: apiText(e) }));
    } finally {
      find.disabled = false;
    }
  }
  find.addEventListener("click", search);
  q.addEventListener("input", () => clearErr([qErr, q]));
  q.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      search();
    }
  });

  const form = h(
    "form",
    { class: "merge-form", id: "inc-merge-form", novalidate: true },
    h("p", { class: "muted small" }, t("inc.merge.explain")),
    h("div", { class: "field" }, h("label", { for: q.id }, t("inc.merge.search")), h("div", { class: "search-row" }, q, find), qErr),
    results,
    confirmBox,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    formErr.textContent = "";
    if (!target) return void (formErr.textContent = t("inc.merge.need_target"));
    submit.disabled = true;
    const text = note.value.trim().normalize("NFC");
    try {
      const r = await api(`/incidents/${i.id}/merge`, {
        method: "POST",
        headers: { "If-Match": `"${i.version}"` },
        body: { into_id: target.id, ...(text ? { note: text } : {}) },
      });
      ctx.done(t("inc.merge.done", { ref: target.ref }), r);
    } catch (ex) {
      submit.disabled = false;
      if (ex.status === 401 || ctx.stale(ex)) return;
      if (ex.status === 409 && ex.field === "into_id") formErr.textContent = t("inc.merge.target_merged", { ref: target.ref });
      else if (ex.status === 409) formErr.textContent = t("inc.merge.conflict", { status: t(`status.${i.status}`) });
      else if (ex.status === 422 && ex.field === "into_id") formErr.textContent = t("inc.merge.bad_target", { ref: target.ref });
      else if (ex.status === 403) formErr.textContent = t(ex.field === "into_id" ? "inc.merge.forbidden_target" : "inc.err.forbidden", { ref: target.ref });
      else formErr.textContent = t("inc.merge.failed", { message: apiText(ex) });
    }
  });
  return h(
    "details",
    { class: "handover", id: "inc-merge" },
    h("summary", { dataset: { write: "incident.merge" } }, t("inc.merge.title")),
    form,
  );
}
