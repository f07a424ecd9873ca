// admin/people.js - people: search (name, username; by unit, role; disabled ones
// too), and a person's form: roles and clearance (not above mine), unit, rank,
// position, contacts, disabled; a password on creation and a reset later.

import { api } from "../api.js";
import { clear, fill, h } from "../dom.js";
import { t } from "../i18n.js";
import { apiMessage, clearErrors, depth, empty, failure, field, input, levelsFor, loading, select, showError, unitMap, units as loadUnits } from "../exchange/ui.js";
import { mayWriteUnit } from "./common.js";
import { recordForm } from "./form.js";

const ROLES = ["viewer", "reporter", "duty_officer", "commander", "coordinator", "admin"];

export function render(body, ctx) {
  const { params, sub } = ctx;
  if (sub) return renderForm(body, ctx);
  const q = input({ type: "search", name: "q", value: params.get("q") || "" });
  const role = select([["", t("admin.people.any_role")], ...ROLES.map((r) => [r, t(`role.${r}`)])], params.get("role") || "", { name: "role" });
  const unitSel = select([["", t("admin.people.any_unit")]], params.get("within") || "", { name: "within" });
  const disabled = h("input", { type: "checkbox", id: "p-disabled", checked: params.get("disabled") === "1" ? true : null });
  const filters = h(
    "form",
    { class: "filters", role: "search", "aria-label": t("admin.people.search") },
    field("q", t("admin.people.q"), q),
    field("role", t("admin.f.roles"), role),
    field("within", t("admin.f.unit"), unitSel),
    h("div", { class: "field checks-inline" }, h("label", { class: "check" }, disabled, " ", t("admin.people.disabled"))),
    h("div", { class: "filter-actions" }, h("button", { type: "submit", class: "btn" }, t("exchange.ui.apply"))),
  );
  filters.addEventListener("submit", (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    if (q.value.trim()) p.set("q", q.value.trim());
    if (role.value) p.set("role", role.value);
    if (unitSel.value) p.set("within", unitSel.value);
    if (disabled.checked) p.set("disabled", "1");
    location.hash = `#/admin/people${p.toString() ? `?${p}` : ""}`;
  });
  const tbody = h("tbody");
  const status = h("div", null, loading());
  const more = h("button", { type: "button", class: "btn", hidden: true }, t("exchange.ui.more"));
  body.append(
    h(
      "section",
      { class: "panel" },
      h("div", { class: "panel-head" }, h("h2", null, t("admin.people.title")), h("a", { class: "btn btn-small btn-primary", href: "#/admin/people/new", dataset: { write: "admin" } }, t("admin.people.new"))),
      filters,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "list-table", id: "people-list" },
          h("thead", null, h("tr", null, ["admin.f.full_name", "admin.f.username", "admin.f.unit", "admin.f.roles", "admin.f.clearance"].map((k) => h("th", { scope: "col" }, t(k))))),
          tbody,
        ),
      ),
      status,
      more,
    ),
  );
  let units = new Map();
  loadUnits().then((list) => {
    for (const u of list) unitSel.append(h("option", { value: u.id, selected: String(u.id) === params.get("within") ? true : null }, `${"— ".repeat(depth(u))}${u.name}`));
  });
  const base = new URLSearchParams({ limit: "50" });
  if (params.get("q")) base.set("q", params.get("q"));
  if (params.get("role")) base.set("role", params.get("role"));
  if (params.get("within")) base.set("within", params.get("within"));
  if (params.get("disabled") === "1") base.set("include_disabled", "1");
  let cursor = null;
  let n = 0;
  const page = async () => {
    more.hidden = true;
    const p = new URLSearchParams(base);
    if (cursor) p.set("cursor", cursor);
    let r;
    try {
      [r, units] = await Promise.all([api(`/people?${p}`), unitMap(true)]);
    } catch (e) {
      if (e.status !== 401) fill(status, failure(e));
      return;
    }
    clear(status);
    for (const pr of r.items) {
      n++;
      const u = units.get(pr.unit_id);
      tbody.append(
        h(
          "tr",
          { class: pr.is_disabled ? "inactive" : null, dataset: { id: pr.id } },
          h("td", null, h("a", { href: `#/admin/people/${pr.id}` }, pr.full_name), pr.is_disabled ? h("span", { class: "badge" }, t("admin.people.is_disabled")) : null),
          h("td", null, pr.username),
          h("td", null, u ? u.name : t("common.na")),
          h("td", null, pr.roles.map((r) => t(`role.${r}`)).join(", ")),
          h("td", null, t(`exchange.class.${pr.clearance}`)),
        ),
      );
    }
    cursor = r.next_cursor;
    more.hidden = !cursor;
    if (!n) status.append(empty(t("admin.empty")));
  };
  more.addEventListener("click", page);
  page();
}

function renderForm(body, ctx) {
  const { user, sub } = ctx;
  const box = h("div", null, loading());
  body.append(h("p", null, h("a", { href: "#/admin/people" }, t("admin.people.back"))), box);
  (async () => {
    let all, pr = null;
    try {
      [all, pr] = await Promise.all([loadUnits(), sub === "new" ? null : api(`/people/${Number(sub)}`)]);
    } catch (e) {
      if (e.status !== 401) fill(box, e.status === 404 ? empty(t("admin.not_found")) : failure(e));
      return;
    }
    const units = all.filter((u) => mayWriteUnit(user, u));
    const unitOf = all.find((u) => u.id === (pr && pr.unit_id));
    const writable = !pr || (pr.unit_id ? mayWriteUnit(user, unitOf) : !user.unit_id);
    const spec = [
      { name: "username", label: t("admin.f.username"), required: true, create: true, attrs: { autocapitalize: "none", spellcheck: "false" } },
      { name: "full_name", label: t("admin.f.full_name"), required: true },
      { name: "rank", label: t("admin.f.rank"), nullable: true },
      { name: "position", label: t("admin.f.position"), nullable: true },
      {
        name: "unit_id",
        label: t("admin.f.unit"),
        type: "select",
        number: true,
        options: [...(user.unit_id ? [] : [["", t("admin.f.no_unit")]]), ...units.map((u) => [u.id, `${"— ".repeat(depth(u))}${u.name}`])],
        default: user.unit_id || "",
      },
      { name: "roles", label: t("admin.f.roles"), type: "checks", options: ROLES.map((r) => [r, t(`role.${r}`)]), default: ["viewer"] },
      { name: "clearance", label: t("admin.f.clearance"), type: "select", options: levelsFor(user).map((c) => [c, t(`exchange.class.${c}`)]), default: "unclassified" },
      { name: "phone", label: t("admin.f.phone"), nullable: true },
      { name: "email", label: t("admin.f.email"), nullable: true, attrs: { type: "email" } },
      { name: "password", label: t("admin.f.password"), type: "password", create: true, hint: t("admin.people.password_hint") },
      { name: "is_disabled", label: t("admin.f.disabled"), type: "checkbox", default: false },
    ];
    if (!pr) spec.find((f) => f.name === "roles").default = ["viewer"];
    const rec = pr || { roles: ["viewer"] };
    const { form } = recordForm({
      spec,
      record: pr ? pr : null,
      path: "/people",
      title: pr ? pr.full_name : t("admin.people.new"),
      readOnly: !writable,
      onSaved: (saved, isNew) => {
        if (isNew) location.hash = `#/admin/people/${saved.id}`;
      },
    });
    if (!pr) form.querySelectorAll('[data-field="roles"] input').forEach((c) => (c.checked = rec.roles.includes(c.value)));
    const parts = [writable ? null : h("p", { class: "notice" }, t("admin.people.read_only")), form];
    if (pr && writable) parts.push(resetForm(pr));
    fill(box, ...parts);
  })();
}

function resetForm(pr) {
  const pw = input({ type: "password", name: "password", autocomplete: "new-password", minlength: 10 });
  const btn = h("button", { type: "submit", class: "btn", dataset: { write: "admin" } }, t("admin.people.reset"));
  const ok = h("p", { class: "ok-msg", role: "status" });
  const form = h(
    "form",
    { class: "panel form", novalidate: true, id: "reset-form" },
    h("h2", null, t("admin.people.reset_title")),
    h("p", { class: "muted small" }, t("admin.people.reset_note")),
    field("password", t("admin.f.new_password"), pw, { required: true }),
    h("p", { class: "form-error", role: "alert" }),
    ok,
    h("div", { class: "actions" }, btn),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    ok.textContent = "";
    if (new TextEncoder().encode(pw.value).length < 10) return void showError(form, "password", t("admin.people.password_hint"));
    btn.disabled = true;
    try {
      await api(`/people/${pr.id}/password`, { method: "POST", body: { password: pw.value } });
      pw.value = "";
      ok.textContent = t("admin.people.reset_done");
    } catch (er) {
      if (er.status !== 401) showError(form, er.field || "password", apiMessage(er));
    } finally {
      btn.disabled = false;
    }
  });
  return form;
}
