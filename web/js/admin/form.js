// admin/form.js - one form builder for the administration records (units, people,
// routing rules, categories): fields from a spec, the record's values in them, a
// POST to create or a PATCH with If-Match: "<version>" to change, 422 errors next
// to the field they name and 412 (changed meanwhile) with a way to reload.

import { api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { apiMessage, clearErrors, field, input, select, showError, textarea } from "../exchange/ui.js";

// spec: [{name, label, type: text|number|select|checkbox|checks|textarea|password,
//         options: [[value, label]], required, create (only when creating),
//         nullable (empty → null), number (select value as a number), hint, attrs}]
export function recordForm({ spec, record, path, title, onSaved, extra, readOnly, submitLabel }) {
  const isNew = !record || !record.id;
  const ctls = new Map();
  const rows = [];
  for (const f of spec) {
    if (f.create && !isNew) continue;
    const v = record ? record[f.name] : f.default;
    let ctl;
    if (f.type === "select") ctl = select(f.options, v ?? "", { name: f.name, ...(f.attrs || {}) });
    else if (f.type === "checkbox") {
      ctl = h("input", { type: "checkbox", name: f.name, checked: (v ?? f.default) ? true : null });
      const id = `cb-${f.name}-${Math.random().toString(36).slice(2, 7)}`;
      ctl.id = id;
      rows.push(
        h("div", { class: "field", dataset: { field: f.name } }, h("label", { class: "check", for: id }, ctl, " ", f.label), h("p", { class: "field-error", role: "alert" })),
      );
      ctls.set(f.name, ctl);
      continue;
    } else if (f.type === "checks") {
      const chosen = new Set((v || []).map(String));
      ctl = h(
        "div",
        { class: "checks" },
        f.options.map(([val, label]) =>
          h("label", { class: "check" }, h("input", { type: "checkbox", name: f.name, value: val, checked: chosen.has(String(val)) ? true : null }), " ", label),
        ),
      );
    } else if (f.type === "textarea") ctl = textarea({ name: f.name, rows: 3 }, v ?? "");
    else ctl = input({ type: f.type === "number" ? "number" : f.type === "password" ? "password" : "text", name: f.name, value: v ?? "", autocomplete: f.type === "password" ? "new-password" : "off", ...(f.attrs || {}) });
    if (readOnly) ctl.disabled = true;
    ctls.set(f.name, ctl);
    rows.push(field(f.name, f.label, ctl, { required: f.required, hint: f.hint }));
  }
  const submit = readOnly ? null : h("button", { type: "submit", class: "btn btn-primary", dataset: { write: "admin" } }, submitLabel || t(isNew ? "admin.create" : "admin.save"));
  const version = h("p", { class: "muted small version", id: "record-version" }, record && record.version ? t("admin.version", { v: record.version }) : "");
  const done = h("p", { class: "ok-msg", role: "status" });
  const form = h(
    "form",
    { class: "panel form admin-form", novalidate: true },
    title ? h("h2", null, title) : null,
    version,
    h("div", { class: "form-grid" }, rows),
    extra || null,
    h("p", { class: "form-error", role: "alert" }),
    done,
    submit ? h("div", { class: "actions" }, submit) : null,
  );
  let current = record;
  const values = () => {
    const out = {};
    for (const f of spec) {
      if (!ctls.has(f.name)) continue;
      const c = ctls.get(f.name);
      let v;
      if (f.type === "checkbox") v = c.checked;
      else if (f.type === "checks") {
        v = [...c.querySelectorAll("input:checked")].map((x) => (f.number ? Number(x.value) : x.value));
      } else {
        v = c.value.trim();
        if (f.type === "password" && !v) continue;
        if (v === "" && (f.nullable || f.number || f.type === "number")) v = null;
        else if (v !== "" && (f.number || f.type === "number")) v = Number(v);
      }
      out[f.name] = v;
    }
    return out;
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    done.textContent = "";
    for (const f of spec)
      if (f.required && ctls.has(f.name) && f.type !== "checks" && f.type !== "checkbox" && !ctls.get(f.name).value.trim()) {
        showError(form, f.name, t("exchange.ui.required"));
        return;
      }
    const body = values();
    submit.disabled = true;
    try {
      const saved = current && current.id
        ? await api(`${path}/${current.id}`, { method: "PATCH", body, headers: { "If-Match": `"${current.version}"` } })
        : await api(path, { method: "POST", body });
      current = saved;
      version.textContent = t("admin.version", { v: saved.version });
      done.textContent = t("admin.saved");
      if (onSaved) onSaved(saved, isNew);
    } catch (er) {
      if (er.status === 401) return;
      if (er.status === 412) {
        const fe = form.querySelector(".form-error");
        fe.replaceChildren(
          t("admin.stale"),
          " ",
          h("button", { type: "button", class: "btn btn-small", onclick: () => window.dispatchEvent(new HashChangeEvent("hashchange")) }, t("admin.reload")),
        );
      } else showError(form, er.field, apiMessage(er));
    } finally {
      submit.disabled = false;
    }
  });
  return { form, ctls, values };
}
