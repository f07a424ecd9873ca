// admin/rules.js - routing rules and deadlines, in the order they are tried
// (priority, then id): conditions (category, severity, area, kind of area), who
// leads, who is informed, the deadlines; edit, activate, deactivate. A change
// applies to incidents created after it: the page says so.

import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { t } from "../i18n.js";
import { allPages, areas as loadAreas, categories, categoryName, depth, empty, failure, FORCES, loading, units as loadUnits } from "../exchange/ui.js";
import { isGlobalAdmin } from "./common.js";
import { recordForm } from "./form.js";

const KINDS = ["border", "sea", "coastal", "inland"];

function mins(v) {
  return v ? t("admin.rules.minutes", { n: v }) : t("admin.rules.none");
}

export function render(body, ctx) {
  const { user, sub } = ctx;
  const note = h("p", { class: "notice", id: "rules-note" }, t("admin.rules.note"));
  if (sub) return renderForm(body, ctx, note);
  const box = h("div", { id: "rules" }, loading());
  const writable = isGlobalAdmin(user);
  body.append(
    h(
      "section",
      { class: "panel" },
      h(
        "div",
        { class: "panel-head" },
        h("h2", null, t("admin.rules.title")),
        writable ? h("a", { class: "btn btn-small btn-primary", href: "#/admin/rules/new", dataset: { write: "admin" } }, t("admin.rules.new")) : null,
      ),
      note,
      h("p", { class: "muted small" }, t("admin.rules.order")),
      box,
    ),
  );
  (async () => {
    let rules, cats, areas;
    try {
      [rules, cats, areas] = await Promise.all([allPages("/routing-rules?include_inactive=1"), categories(), loadAreas()]);
    } catch (e) {
      if (e.status !== 401) fill(box, failure(e));
      return;
    }
    const catBy = new Map(cats.map((c) => [c.id, c]));
    const areaBy = new Map(areas.map((a) => [a.id, a]));
    rules.sort((a, b) => Number(b.is_active) - Number(a.is_active) || a.priority - b.priority || a.id - b.id);
    if (!rules.length) return fill(box, empty(t("admin.empty")));
    const cond = (r) => {
      const c = [];
      if (r.category_id) c.push(categoryName(catBy.get(r.category_id)));
      if (r.severity_min || r.severity_max) c.push(t("admin.rules.sev_range", { min: r.severity_min || 1, max: r.severity_max || 4 }));
      if (r.area_id) c.push((areaBy.get(r.area_id) || { name: `#${r.area_id}` }).name);
      if (r.area_kind) c.push(t(`admin.kind.${r.area_kind}`));
      return c.length ? c.join(" · ") : t("admin.rules.any");
    };
    const toggle = (r) => {
      if (!writable) return null;
      const b = h("button", { type: "button", class: "btn btn-small", dataset: { write: "admin" } }, t(r.is_active ? "admin.deactivate" : "admin.activate"));
      b.addEventListener("click", async () => {
        b.disabled = true;
        try {
          await api(`/routing-rules/${r.id}`, { method: "PATCH", body: { is_active: !r.is_active }, headers: { "If-Match": `"${r.version}"` } });
          window.dispatchEvent(new HashChangeEvent("hashchange"));
        } catch (e) {
          b.disabled = false;
          b.after(h("span", { class: "error small" }, ` ${e.message}`));
        }
      });
      return b;
    };
    fill(
      box,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "list-table", id: "rule-list" },
          h(
            "thead",
            null,
            h("tr", null, ["admin.rules.priority", "admin.f.name", "admin.rules.conditions", "admin.rules.lead", "admin.rules.inform", "admin.rules.deadlines", ""].map((k) => h("th", { scope: "col" }, k ? t(k) : ""))),
          ),
          h(
            "tbody",
            null,
            rules.map((r) =>
              h(
                "tr",
                { class: r.is_active ? null : "inactive", dataset: { id: r.id } },
                h("td", { class: "num" }, String(r.priority)),
                h("td", null, h("a", { href: `#/admin/rules/${r.id}` }, r.name), r.is_active ? null : h("span", { class: "badge" }, t("admin.inactive"))),
                h("td", null, cond(r)),
                h("td", null, r.lead_force ? t(`force.${r.lead_force}`) : t("admin.rules.category_lead")),
                h("td", null, r.inform_forces.map((f) => t(`force.${f}`)).join(", ") || t("admin.rules.none")),
                h(
                  "td",
                  { class: "small" },
                  t("admin.rules.dl_report", { v: mins(r.report_deadline_min) }),
                  h("br"),
                  t("admin.rules.dl_ack", { v: mins(r.ack_deadline_min) }),
                  h("br"),
                  t("admin.rules.dl_verify", { v: mins(r.verify_deadline_min) }),
                ),
                h("td", null, toggle(r)),
              ),
            ),
          ),
        ),
      ),
    );
  })();
}

function renderForm(body, ctx, note) {
  const { user, sub } = ctx;
  const box = h("div", null, loading());
  body.append(h("p", null, h("a", { href: "#/admin/rules" }, t("admin.rules.back"))), note, box);
  (async () => {
    let rule = null, cats, areas, units;
    try {
      [rule, cats, areas, units] = await Promise.all([sub === "new" ? null : api(`/routing-rules/${Number(sub)}`), categories(), loadAreas(), loadUnits()]);
    } catch (e) {
      if (e.status !== 401) fill(box, e.status === 404 ? empty(t("admin.not_found")) : failure(e));
      return;
    }
    const any = ["", t("admin.rules.any")];
    const sev = [any, ...[1, 2, 3, 4].map((s) => [s, `${s} — ${t(`severity.${s}`)}`])];
    const spec = [
      { name: "name", label: t("admin.f.name"), required: true },
      { name: "priority", label: t("admin.rules.priority"), type: "number", attrs: { min: 0, max: 1000000 }, default: 500, hint: t("admin.rules.priority_hint") },
      { name: "category_id", label: t("admin.rules.category"), type: "select", number: true, options: [any, ...cats.map((c) => [c.id, categoryName(c)])] },
      { name: "severity_min", label: t("admin.rules.sev_min"), type: "select", number: true, options: sev },
      { name: "severity_max", label: t("admin.rules.sev_max"), type: "select", number: true, options: sev },
      { name: "area_id", label: t("admin.rules.area"), type: "select", number: true, options: [any, ...areas.map((a) => [a.id, `${a.name} (${t(`admin.level.${a.level}`)})`])] },
      { name: "area_kind", label: t("admin.areas.kind"), type: "select", nullable: true, options: [any, ...KINDS.map((k) => [k, t(`admin.kind.${k}`)])] },
      { name: "lead_force", label: t("admin.rules.lead"), type: "select", nullable: true, options: [["", t("admin.rules.category_lead")], ...FORCES.map((f) => [f, t(`force.${f}`)])] },
      { name: "inform_forces", label: t("admin.rules.inform"), type: "checks", options: FORCES.map((f) => [f, t(`force.${f}`)]) },
      { name: "report_deadline_min", label: t("admin.rules.report_min"), type: "number", attrs: { min: 0, max: 43200 }, hint: t("admin.rules.zero_none") },
      { name: "ack_deadline_min", label: t("admin.rules.ack_min"), type: "number", attrs: { min: 0, max: 43200 } },
      { name: "verify_deadline_min", label: t("admin.rules.verify_min"), type: "number", attrs: { min: 0, max: 43200 } },
      {
        name: "fallback_unit_id",
        label: t("admin.rules.fallback"),
        type: "select",
        number: true,
        options: [["", t("admin.rules.fallback_default")], ...units.filter((u) => u.is_active).map((u) => [u.id, `${"— ".repeat(depth(u))}${u.name}`])],
      },
      { name: "is_active", label: t("admin.f.active"), type: "checkbox", default: true },
    ];
    const { form } = recordForm({
      spec,
      record: rule,
      path: "/routing-rules",
      title: rule ? rule.name : t("admin.rules.new"),
      readOnly: !isGlobalAdmin(user),
      onSaved: (saved, isNew) => {
        if (isNew) location.hash = `#/admin/rules/${saved.id}`;
      },
    });
    form.id = "rule-form";
    fill(box, form);
  })();
}
