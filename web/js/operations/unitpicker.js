// operations/unitpicker.js - choosing units of several forces: a filter box and one
// group of checkboxes per force (in tree order, indented), with the chosen ones
// listed above as removable chips. Used by the operation plan and the bulletin form.

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { byForce, depth, forceBadge } from "../exchange/ui.js";

let seq = 0;

// Lower case without diacritics (đ too), for the filter.
export function fold(s) {
  return String(s || "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .toLowerCase();
}

export function unitPicker(list, selected, opts = {}) {
  const n = ++seq;
  const chosen = new Set(selected.map(Number));
  const boxes = new Map();
  const chips = h("ul", { class: "chips", "aria-live": "polite", "aria-label": t("operations.picker.chosen") });
  const filter = h("input", {
    type: "search",
    id: `up-filter-${n}`,
    class: "picker-filter",
    placeholder: t("operations.picker.filter"),
    autocomplete: "off",
  });
  const groups = h("div", { class: "picker-groups" });
  for (const [force, us] of byForce(list)) {
    if (!us.length) continue;
    const ul = h("ul", { class: "picker-list" });
    for (const u of us) {
      const cb = h("input", { type: "checkbox", value: u.id, name: opts.name || "unit_ids", checked: chosen.has(u.id) ? true : null });
      cb.addEventListener("change", () => {
        if (cb.checked) chosen.add(u.id);
        else chosen.delete(u.id);
        paint();
      });
      boxes.set(u.id, cb);
      const li = h(
        "li",
        { class: `lvl-${Math.min(depth(u), 3)}`, dataset: { search: fold(`${u.name} ${u.code}`), unit: u.id, force: u.force } },
        h("label", null, cb, " ", u.name, h("span", { class: "muted small" }, ` ${u.code}`)),
      );
      ul.append(li);
    }
    groups.append(h("fieldset", { class: `picker-force pf-${force}` }, h("legend", null, t(`force.${force}`)), ul));
  }
  const byId = new Map(list.map((u) => [u.id, u]));
  function paint() {
    chips.replaceChildren(
      ...[...chosen].map((id) => {
        const u = byId.get(id);
        if (!u) return null;
        return h(
          "li",
          { class: "chip" },
          forceBadge(u.force),
          " ",
          u.name,
          h(
            "button",
            {
              type: "button",
              class: "chip-x",
              "aria-label": t("operations.picker.remove", { name: u.name }),
              onclick: () => {
                chosen.delete(id);
                const cb = boxes.get(id);
                if (cb) cb.checked = false;
                paint();
              },
            },
            "×",
          ),
        );
      }).filter(Boolean),
    );
    if (opts.onChange) opts.onChange([...chosen].map((id) => byId.get(id)).filter(Boolean));
  }
  filter.addEventListener("input", () => {
    const q = fold(filter.value.trim());
    groups.querySelectorAll("li[data-search]").forEach((li) => {
      li.hidden = Boolean(q) && !li.dataset.search.includes(q);
    });
  });
  const el = h(
    "div",
    { class: "unit-picker" },
    chips,
    h("label", { for: filter.id, class: "sr-only" }, t("operations.picker.filter")),
    filter,
    groups,
  );
  paint();
  return {
    el,
    value: () => [...chosen],
    set(ids) {
      chosen.clear();
      for (const id of ids) chosen.add(Number(id));
      for (const [id, cb] of boxes) cb.checked = chosen.has(id);
      paint();
    },
  };
}
