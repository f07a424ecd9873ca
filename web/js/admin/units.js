// admin/units.js - the units of the three forces as a tree (filterable), and a
// unit's form: code, name, force, parent, level, phone, areas of responsibility,
// active. An administrator changes only units at or below their own.

import { fill, h } from "../dom.js";
import { t } from "../i18n.js";
import { areas as loadAreas, byForce, depth, empty, failure, forceBadge, forget, FORCES, loading, units as loadUnits } from "../exchange/ui.js";
import { fold } from "../operations/unitpicker.js";
import { mayWriteUnit } from "./common.js";
import { recordForm } from "./form.js";

const LEVELS = ["province", "district", "commune"];

export function render(body, ctx) {
  const { user, sub } = ctx;
  if (sub) return renderForm(body, ctx);
  const filter = h("input", { type: "search", id: "unit-filter", placeholder: t("admin.units.filter"), autocomplete: "off" });
  const inactive = h("input", { type: "checkbox", id: "unit-inactive" });
  const box = h("div", { id: "unit-tree" }, loading());
  body.append(
    h(
      "section",
      { class: "panel" },
      h(
        "div",
        { class: "panel-head" },
        h("h2", null, t("admin.units.title")),
        h("a", { class: "btn btn-small btn-primary", href: "#/admin/units/new", dataset: { write: "admin" } }, t("admin.units.new")),
      ),
      h("div", { class: "filters" }, h("label", { for: "unit-filter", class: "sr-only" }, t("admin.units.filter")), filter, h("label", { class: "check" }, inactive, " ", t("admin.units.inactive"))),
      box,
    ),
  );
  let list = [];
  const paint = () => {
    const q = fold(filter.value.trim());
    const shown = list.filter((u) => (inactive.checked || u.is_active) && (!q || fold(`${u.name} ${u.code}`).includes(q)));
    if (!shown.length) return fill(box, empty(t("admin.empty")));
    fill(
      box,
      [...byForce(shown)].filter(([, us]) => us.length).map(([force, us]) =>
        h(
          "section",
          { class: "tree-force" },
          h("h3", null, forceBadge(force), " ", t("admin.units.count", { n: us.length })),
          h(
            "ul",
            { class: "tree" },
            us.map((u) =>
              h(
                "li",
                { class: `lvl-${Math.min(depth(u), 3)}${u.is_active ? "" : " inactive"}`, dataset: { id: u.id } },
                h("a", { href: `#/admin/units/${u.id}` }, u.name),
                h("span", { class: "muted small" }, ` ${u.code} · ${t(`admin.level.${u.level}`)}`),
                u.is_active ? null : h("span", { class: "badge" }, t("admin.inactive")),
              ),
            ),
          ),
        ),
      ),
    );
  };
  filter.addEventListener("input", paint);
  const reload = () =>
    loadUnits(inactive.checked)
      .then((l) => {
        list = l;
        paint();
      })
      .catch((e) => fill(box, failure(e)));
  inactive.addEventListener("change", reload);
  reload();
}

function renderForm(body, ctx) {
  const { user, sub } = ctx;
  const box = h("div", null, loading());
  body.append(h("p", null, h("a", { href: "#/admin" }, t("admin.units.back"))), box);
  (async () => {
    let all, areas;
    try {
      [all, areas] = await Promise.all([loadUnits(true), loadAreas()]);
    } catch (e) {
      fill(box, failure(e));
      return;
    }
    const unit = sub === "new" ? null : all.find((u) => u.id === Number(sub));
    if (sub !== "new" && !unit) return fill(box, empty(t("admin.not_found")));
    const writable = unit ? mayWriteUnit(user, unit) : true;
    const parents = all.filter((u) => u.is_active && u.level !== "commune" && (!unit || !u.path.startsWith(unit.path)) && mayWriteUnit(user, u));
    const spec = [
      { name: "code", label: t("admin.f.code"), required: true },
      { name: "name", label: t("admin.f.name"), required: true },
      { name: "force", label: t("admin.f.force"), type: "select", options: FORCES.map((f) => [f, t(`force.${f}`)]), default: user.force || "police" },
      { name: "level", label: t("admin.f.level"), type: "select", options: LEVELS.map((l) => [l, t(`admin.level.${l}`)]), default: "commune" },
      {
        name: "parent_id",
        label: t("admin.f.parent"),
        type: "select",
        number: true,
        options: [["", t("admin.f.no_parent")], ...parents.map((u) => [u.id, `${"— ".repeat(depth(u))}${u.name} (${t(`force.${u.force}`)})`])],
        default: user.unit_id || "",
      },
      { name: "phone", label: t("admin.f.phone"), nullable: true },
      {
        name: "area_ids",
        label: t("admin.f.areas"),
        type: "checks",
        number: true,
        options: areas.map((a) => [a.id, `${a.name} (${t(`admin.level.${a.level}`)})`]),
      },
      { name: "is_active", label: t("admin.f.active"), type: "checkbox", default: true },
    ];
    const { form } = recordForm({
      spec,
      record: unit,
      path: "/units",
      title: unit ? unit.name : t("admin.units.new"),
      readOnly: !writable,
      onSaved: (saved, isNew) => {
        forget("units");
        if (isNew) location.hash = `#/admin/units/${saved.id}`;
      },
    });
    // The areas list is long: a filter over it.
    const checks = form.querySelector('[data-field="area_ids"] .checks');
    if (checks) {
      checks.classList.add("scroll-list");
      const f = h("input", { type: "search", class: "picker-filter", placeholder: t("admin.units.area_filter"), "aria-label": t("admin.units.area_filter") });
      f.addEventListener("input", () => {
        const q = fold(f.value.trim());
        checks.querySelectorAll("label").forEach((l) => {
          l.hidden = Boolean(q) && !fold(l.textContent).includes(q);
        });
      });
      checks.before(f);
    }
    fill(box, writable ? null : h("p", { class: "notice" }, t("admin.units.read_only")), form);
  })();
}
