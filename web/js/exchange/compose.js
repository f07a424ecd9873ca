// exchange/compose.js - a bulletin with its structured sections (tình hình; nhận
// định, đánh giá; đề xuất, kiến nghị), recipients (forces and units), classification
// (not above mine) and an acknowledgement deadline. Errors next to their field.

import { api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { unitPicker } from "../operations/unitpicker.js";
import {
  apiMessage,
  clearErrors,
  failure,
  field,
  FORCES,
  input,
  levelsFor,
  loading,
  select,
  showError,
  textarea,
  units,
} from "./ui.js";

export function render(body, ctx) {
  const { user } = ctx;
  const title = input({ name: "title", maxlength: 512, autocomplete: "off" });
  const secs = {
    situation: textarea({ name: "situation", rows: 5 }),
    assessment: textarea({ name: "assessment", rows: 4 }),
    proposals: textarea({ name: "proposals", rows: 3 }),
  };
  const forceBoxes = FORCES.map((f) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "force", value: f }), " ", t("exchange.compose.force_unit", { force: t(`force.${f}`) })),
  );
  const unitBox = h("div", { class: "unit-picker-holder" }, loading());
  const cls = select(
    levelsFor(user).map((c) => [c, t(`exchange.class.${c}`)]),
    "unclassified",
    { name: "classification" },
  );
  const cap = select(
    ["actual", "exercise", "test"].map((c) => [c, t(`exchange.cap.${c}`)]),
    "actual",
    { name: "cap_status" },
  );
  const ackOn = h("input", { type: "checkbox", id: "ack-on", checked: true });
  const ackMin = input({ type: "number", name: "ack_minutes", min: 1, max: 10080, value: 60, inputmode: "numeric" });
  ackOn.addEventListener("change", () => {
    ackMin.disabled = !ackOn.checked;
  });
  const submit = h("button", { type: "submit", class: "btn btn-primary", dataset: { write: "bulletin.send" } }, t("exchange.compose.send"));
  const form = h(
    "form",
    { class: "panel form", id: "compose-form", novalidate: true },
    h("h2", null, t("exchange.compose.title")),
    field("title", t("exchange.compose.f_title"), title, { required: true }),
    h(
      "fieldset",
      { class: "sections" },
      h("legend", null, t("exchange.compose.sections")),
      h("p", { class: "muted small" }, t("exchange.compose.sections_hint")),
      field("sections.situation", t("exchange.sec.situation"), secs.situation),
      field("sections.assessment", t("exchange.sec.assessment"), secs.assessment),
      field("sections.proposals", t("exchange.sec.proposals"), secs.proposals),
      h("div", { dataset: { field: "sections" } }, h("p", { class: "field-error", role: "alert" })),
    ),
    h(
      "fieldset",
      { class: "recipients", dataset: { field: "to" } },
      h("legend", null, t("exchange.compose.to")),
      h("div", { class: "checks", dataset: { field: "to.forces" } }, forceBoxes, h("p", { class: "field-error", role: "alert" })),
      h("div", { dataset: { field: "to.units" } }, h("p", { class: "field-label" }, t("exchange.compose.units")), unitBox, h("p", { class: "field-error", role: "alert" })),
      h("p", { class: "field-error", role: "alert" }),
    ),
    h(
      "div",
      { class: "form-row" },
      field("classification", t("exchange.compose.classification"), cls),
      field("cap_status", t("exchange.compose.cap"), cap),
      h(
        "div",
        { class: "field", dataset: { field: "ack_minutes" } },
        h("label", { class: "check" }, ackOn, " ", t("exchange.compose.ack_required")),
        h("label", { for: "ack-min", class: "sr-only" }, t("exchange.compose.ack_minutes")),
        h("div", { class: "with-unit" }, Object.assign(ackMin, { id: "ack-min" }), h("span", null, t("exchange.compose.minutes"))),
        h("p", { class: "field-error", role: "alert" }),
      ),
    ),
    h("p", { class: "form-error", role: "alert" }),
    h("div", { class: "actions" }, submit),
  );
  body.append(form);

  let picker = null;
  units()
    .then((list) => {
      picker = unitPicker(
        list.filter((u) => u.is_active && u.id !== user.unit_id),
        [],
        { label: t("exchange.compose.units"), name: "to-units" },
      );
      unitBox.replaceWith(picker.el);
    })
    .catch((e) => unitBox.replaceChildren(failure(e)));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const sections = {};
    for (const [k, el] of Object.entries(secs)) if (el.value.trim()) sections[k] = el.value.trim();
    const forces = [...form.querySelectorAll("input[name=force]:checked")].map((x) => x.value);
    const unitIds = picker ? picker.value() : [];
    let bad = false;
    if (!title.value.trim()) {
      showError(form, "title", t("exchange.ui.required"));
      bad = true;
    }
    if (!Object.keys(sections).length) {
      showError(form, "sections", t("exchange.compose.need_section"));
      bad = true;
    }
    if (!forces.length && !unitIds.length) {
      showError(form, "to.forces", t("exchange.compose.need_recipient"));
      bad = true;
    }
    if (ackOn.checked && !(Number(ackMin.value) >= 1 && Number(ackMin.value) <= 10080)) {
      showError(form, "ack_minutes", t("exchange.compose.bad_minutes"));
      bad = true;
    }
    if (bad) return;
    const payload = {
      title: title.value.trim(),
      sections,
      to: { units: unitIds, forces },
      classification: cls.value,
      cap_status: cap.value,
    };
    if (ackOn.checked) payload.ack_minutes = Number(ackMin.value);
    submit.disabled = true;
    try {
      const b = await api("/bulletins", { method: "POST", body: payload });
      location.hash = `#/exchange/${b.id}`;
    } catch (err) {
      submit.disabled = false;
      if (err.status !== 401) showError(form, err.field, apiMessage(err));
    }
  });
  title.focus();
}
