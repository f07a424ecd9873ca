// exchange/drafts.js - incident drafts from TAK markers: a duty officer promotes one
// to an incident (category, severity) or dismisses it with a reason.

import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { fmtDateTime, t } from "../i18n.js";
import {
  apiMessage,
  categories,
  categoryName,
  clearErrors,
  empty,
  failure,
  field,
  live,
  liveBadge,
  loading,
  may,
  promptReason,
  select,
  showError,
  subnav,
  unitMap,
} from "./ui.js";

const STATUSES = ["open", "promoted", "dismissed"];

function promoteForm(d, cats, onDone) {
  const cat = select(
    [["", t("exchange.drafts.choose_category")], ...cats.filter((c) => c.is_active).sort((a, b) => a.sort_order - b.sort_order).map((c) => [c.code, categoryName(c)])],
    "",
    { name: "category" },
  );
  const sev = select(
    [["", t("exchange.drafts.default_severity")], ...[1, 2, 3, 4].map((s) => [s, t(`severity.${s}`)])],
    "",
    { name: "severity" },
  );
  const submit = h("button", { type: "submit", class: "btn btn-small btn-primary", dataset: { write: "draft.promote" } }, t("exchange.drafts.promote_do"));
  const form = h(
    "form",
    { class: "inline-form", novalidate: true },
    h("div", { class: "form-row" }, field("category", t("exchange.drafts.category"), cat, { required: true }), field("severity", t("exchange.drafts.severity"), sev)),
    h("p", { class: "form-error", role: "alert" }),
    h("div", { class: "actions" }, submit, h("button", { type: "button", class: "btn btn-small", onclick: () => form.remove() }, t("exchange.ui.cancel"))),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!cat.value) {
      showError(form, "category", t("exchange.ui.required"));
      return;
    }
    submit.disabled = true;
    try {
      const inc = await api(`/incident-drafts/${d.id}/promote`, { method: "POST", body: { category: cat.value, ...(sev.value ? { severity: Number(sev.value) } : {}) } });
      onDone(inc);
    } catch (err) {
      submit.disabled = false;
      if (err.status !== 401) showError(form, err.field, apiMessage(err));
    }
  });
  return form;
}

export function render(body, ctx) {
  const { user, params } = ctx;
  const status = STATUSES.includes(params.get("status")) ? params.get("status") : "open";
  const [state, setState] = liveBadge();
  const box = h("div", { id: "drafts" }, loading());
  body.append(
    h(
      "section",
      { class: "panel", "aria-labelledby": "drafts-title" },
      h("div", { class: "panel-head" }, h("h2", { id: "drafts-title" }, t("exchange.drafts.title")), state),
      h("p", { class: "muted small" }, t("exchange.drafts.intro")),
      subnav(
        t("exchange.drafts.status"),
        STATUSES.map((s) => [`#/exchange/drafts?status=${s}`, t(`exchange.drafts.st.${s}`), s]),
        status,
      ),
      box,
    ),
  );
  let gone = false;
  const decide = may(user, "draft.decide");
  const load = async () => {
    let r, units, cats;
    try {
      [r, units, cats] = await Promise.all([api(`/incident-drafts?status=${status}&limit=100`), unitMap(true), categories()]);
    } catch (e) {
      if (e.status !== 401 && !gone) fill(box, failure(e));
      return;
    }
    if (gone) return;
    if (!r.items.length) {
      fill(box, empty(t(`exchange.drafts.empty.${status}`)));
      return;
    }
    fill(
      box,
      h(
        "ul",
        { class: "cards" },
        r.items.map((d) => {
          const msg = h("p", { class: "ack-status", "aria-live": "polite" });
          const actions = h("div", { class: "actions" });
          if (decide && d.status === "open") {
            const promote = h("button", { type: "button", class: "btn btn-small btn-primary", dataset: { write: "draft.promote" } }, t("exchange.drafts.promote"));
            const dismiss = h("button", { type: "button", class: "btn btn-small", dataset: { write: "draft.dismiss" } }, t("exchange.drafts.dismiss"));
            promote.addEventListener("click", () => {
              if (actions.nextElementSibling && actions.nextElementSibling.tagName === "FORM") return;
              const f = promoteForm(d, cats, (inc) => {
                f.remove();
                actions.replaceChildren(h("a", { href: `#/incidents/${inc.id}` }, t("exchange.drafts.promoted_to", { ref: inc.ref })));
              });
              actions.after(f);
              f.querySelector("select").focus();
            });
            dismiss.addEventListener("click", async () => {
              const reason = await promptReason(actions, t("exchange.drafts.reason"), t("exchange.drafts.dismiss_do"));
              if (!reason) return;
              try {
                await api(`/incident-drafts/${d.id}/dismiss`, { method: "POST", body: { reason } });
                load();
              } catch (err) {
                msg.textContent = apiMessage(err);
              }
            });
            actions.append(promote, dismiss);
          }
          const u = units.get(d.unit_id);
          return h(
            "li",
            { class: "card", dataset: { id: d.id } },
            h("h3", null, d.title),
            d.remarks ? h("p", { class: "pre" }, d.remarks) : null,
            h(
              "p",
              { class: "muted small" },
              fmtDateTime(d.at),
              " · ",
              u ? u.name : t("common.na"),
              d.location ? ` · ${d.location.lat.toFixed(5)}, ${d.location.lon.toFixed(5)}` : "",
              ` · ${d.cot_type}`,
            ),
            d.incident_id ? h("p", null, h("a", { href: `#/incidents/${d.incident_id}` }, t("exchange.drafts.see_incident"))) : null,
            d.dismiss_reason ? h("p", { class: "small" }, t("exchange.drafts.dismissed_because", { reason: d.dismiss_reason })) : null,
            actions,
            msg,
          );
        }),
      ),
    );
  };
  load();
  let timer = null;
  const soon = () => {
    if (!timer && !box.querySelector("form"))
      timer = setTimeout(() => {
        timer = null;
        load();
      }, 1000);
  };
  const close = live({ "draft.created": soon, "draft.updated": soon, "draft.promoted": soon, "draft.dismissed": soon }, setState);
  return () => {
    gone = true;
    close();
    clearTimeout(timer);
  };
}
