// admin/categories.js - incident categories: the list (inactive ones greyed), a
// form to add one, and deactivating or reactivating (categories are never deleted:
// incidents refer to them).

import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { t } from "../i18n.js";
import { allPages, categoryName, empty, failure, forget, FORCES, loading } from "../exchange/ui.js";
import { isGlobalAdmin } from "./common.js";
import { recordForm } from "./form.js";

export function render(body, ctx) {
  const { user } = ctx;
  const writable = isGlobalAdmin(user);
  const box = h("div", { id: "categories" }, loading());
  body.append(h("section", { class: "panel" }, h("h2", null, t("admin.cat.title")), box));
  if (writable) {
    const { form } = recordForm({
      spec: [
        { name: "code", label: t("admin.cat.code"), required: true, hint: t("admin.cat.code_hint"), attrs: { pattern: "[a-z0-9_]{2,32}", autocapitalize: "none", spellcheck: "false" } },
        { name: "name_vi", label: t("admin.cat.name_vi"), required: true },
        { name: "name_en", label: t("admin.cat.name_en"), required: true },
        { name: "default_severity", label: t("admin.cat.severity"), type: "select", number: true, options: [1, 2, 3, 4].map((s) => [s, t(`severity.${s}`)]), default: 2 },
        { name: "lead_force", label: t("admin.cat.lead"), type: "select", nullable: true, options: [["", t("admin.rules.none")], ...FORCES.map((f) => [f, t(`force.${f}`)])] },
        { name: "sort_order", label: t("admin.cat.sort"), type: "number", default: 1000, attrs: { min: 0, max: 1000000 } },
      ],
      record: null,
      path: "/categories",
      title: t("admin.cat.new"),
      submitLabel: t("admin.cat.add"),
      onSaved: () => {
        forget("categories");
        window.dispatchEvent(new HashChangeEvent("hashchange"));
      },
    });
    form.id = "category-form";
    body.append(form);
  }
  (async () => {
    let cats;
    try {
      cats = await allPages("/categories?include_inactive=1");
    } catch (e) {
      if (e.status !== 401) fill(box, failure(e));
      return;
    }
    cats.sort((a, b) => Number(b.is_active) - Number(a.is_active) || a.sort_order - b.sort_order || a.id - b.id);
    if (!cats.length) return fill(box, empty(t("admin.empty")));
    fill(
      box,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "list-table", id: "category-list" },
          h("thead", null, h("tr", null, ["admin.cat.code", "admin.cat.name", "admin.cat.severity", "admin.cat.lead", ""].map((k) => h("th", { scope: "col" }, k ? t(k) : "")))),
          h(
            "tbody",
            null,
            cats.map((c) => {
              let btn = null;
              if (writable) {
                btn = h("button", { type: "button", class: "btn btn-small", dataset: { write: "admin" } }, t(c.is_active ? "admin.deactivate" : "admin.activate"));
                btn.addEventListener("click", async () => {
                  btn.disabled = true;
                  try {
                    await api(`/categories/${c.id}`, { method: "PATCH", body: { is_active: !c.is_active }, headers: { "If-Match": `"${c.version}"` } });
                    forget("categories");
                    window.dispatchEvent(new HashChangeEvent("hashchange"));
                  } catch (e) {
                    btn.disabled = false;
                    btn.after(h("span", { class: "error small" }, ` ${e.message}`));
                  }
                });
              }
              return h(
                "tr",
                { class: c.is_active ? null : "inactive", dataset: { code: c.code } },
                h("td", null, h("code", null, c.code)),
                h("td", null, categoryName(c), c.is_active ? null : h("span", { class: "badge" }, t("admin.inactive"))),
                h("td", null, t(`severity.${c.default_severity}`)),
                h("td", null, c.lead_force ? t(`force.${c.lead_force}`) : t("admin.rules.none")),
                h("td", null, btn),
              );
            }),
          ),
        ),
      ),
    );
  })();
}
