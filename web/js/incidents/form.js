// incidents/form.js - Báo cáo vụ việc: a report a duty officer files in under a
// minute on a phone. Category first (big tiles), then only the fields the category
// needs (the rest under "more details"), the place from a tap on the map or the GPS,
// photos from the camera. Messages next to the field, in Vietnamese, for the
// browser's checks and the server's 422 alike. A draft is kept locally; a report
// that cannot get through is sent again, with the same Idempotency-Key, until the
// server has it (draft.js), even after a reload.

import { abortReason, can } from "../api.js";
import { clear, h } from "../dom.js";
import { fmtDateTime, t } from "../i18n.js";
import {
  byteLength,
  categoryName,
  CLASSIFICATIONS,
  COUNT_FIELDS,
  failureLine,
  fieldsFor,
  fmtSize,
  loadCategories,
  loadUnit,
  loadingLine,
} from "./common.js";
import {
  bindPhotos,
  Cancelled,
  clearDraft,
  deletePhoto,
  loadDraft,
  loadPhotos,
  newIdempotencyKey,
  photoRecord,
  putPhoto,
  saveDraft,
  sendReport,
  uploadPhoto,
} from "./draft.js";
import { locationPicker } from "./locate.js";
import { dateTimeInput, formatDateTime, parseDateTime } from "../datetime.js";

const SKEW_MS = 5 * 60 * 1000; // the server allows 5 minutes of clock skew
const MAX_COUNT = 1000000;
const MAX_PHOTO = 10 * 1024 * 1024;
const MAX_PHOTOS = 10;

// "29/11/2026 12:34" in Vietnam's time, for the date and time fields (datetime.js).
export function toLocalInput(d) {
  return formatDateTime(d);
}
// The same, back to a Date (null when not a time). Drafts kept before the field was
// dd/mm/yyyy hold "2026-11-29T12:34": read as well.
export function fromLocalInput(s) {
  return parseDateTime(s) || null;
}

function sameJson(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

// A labelled input with its message line (aria-describedby, aria-invalid).
function field(id, labelKey, control, opts = {}) {
  control.id = id;
  const err = h("p", { class: "field-error", id: `${id}-error`, role: "alert" });
  const hint = opts.hint ? h("p", { class: "hint muted small", id: `${id}-hint` }, opts.hint) : null;
  control.setAttribute("aria-describedby", [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" "));
  return h(
    "div",
    { class: `field${opts.class ? ` ${opts.class}` : ""}`, dataset: { field: opts.name || id } },
    h("label", { for: id }, t(labelKey), opts.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
    control,
    hint,
    err,
  );
}

export function render(main, ctx) {
  const user = ctx.user;
  const cleanups = [];
  if (!can(user, "incident.create")) {
    main.append(
      h(
        "section",
        { class: "panel" },
        h("h1", null, t("inc.form.title")),
        h("p", null, t("inc.form.not_allowed")),
        h("p", null, h("a", { href: "#/incidents" }, t("inc.back_list"))),
      ),
    );
    return () => {};
  }
  const box = h("div", { class: "inc-form-box" }, loadingLine());
  main.append(
    h(
      "div",
      { class: "page-head inc-head" },
      h("h1", null, t("inc.form.title")),
      h("p", { class: "muted" }, h("a", { href: "#/incidents" }, t("inc.back_list"))),
    ),
    box,
  );
  let alive = true;
  cleanups.push(() => {
    alive = false;
  });
  Promise.all([loadCategories(), user.unit_id ? loadUnit(user.unit_id).catch(() => null) : null])
    .then(([cats, unit]) => {
      if (alive) buildForm(clear(box), user, cats.filter((c) => c.is_active), unit, cleanups);
    })
    .catch((e) => {
      if (alive && e.status !== 401) clear(box).append(failureLine(e));
    });
  return () => cleanups.forEach((f) => f());
}

function buildForm(box, user, cats, unit, cleanups) {
  const byCode = new Map(cats.map((c) => [c.code, c]));
  let draft = loadDraft(user) || { values: {}, pending: null };
  const restored = Boolean(draft.values && Object.keys(draft.values).length);
  const v0 = draft.values || {};
  let category = byCode.has(v0.category) ? v0.category : null;
  let severityTouched = Boolean(v0.severity_touched);
  let picker = null;
  let sending = null; // the AbortController of a send in progress
  const photos = []; // {rec (draft.js photoRecord), url, state: pending|sending|sent|error, detail}

  // ---- the controls ----------------------------------------------------------------
  const catTiles = h(
    "div",
    { class: "tiles cat-tiles" },
    cats.map((c) =>
      h(
        "label",
        { class: "tile", dataset: { code: c.code } },
        h("input", { type: "radio", name: "category", value: c.code, checked: c.code === category }),
        h("span", null, categoryName(c)),
      ),
    ),
  );
  const catChosen = h("p", { class: "cat-chosen", id: "inc-cat-chosen" });
  const catChange = h("button", { type: "button", class: "btn btn-small btn-plain", id: "inc-cat-change" }, t("inc.form.change_category"));
  const catErr = h("p", { class: "field-error", id: "inc-category-error", role: "alert" });
  const catSet = h(
    "fieldset",
    { class: "field cat-pick", id: "inc-category", dataset: { field: "category" }, "aria-describedby": "inc-category-error" },
    h("legend", null, t("inc.f.category"), h("span", { class: "req", "aria-hidden": "true" }, " *")),
    h("div", { class: "cat-summary" }, catChosen, catChange),
    catTiles,
    catErr,
  );

  const title = h("input", { type: "text", name: "title", autocomplete: "off", maxlength: 300, required: true, enterkeyhint: "next" });
  const sevTiles = h(
    "div",
    { class: "tiles sev-tiles" },
    [1, 2, 3, 4].map((n) =>
      h("label", { class: `tile sev-tile sev-tile-${n}` }, h("input", { type: "radio", name: "severity", value: n }), h("span", null, t(`severity.${n}`))),
    ),
  );
  const sevSet = h(
    "fieldset",
    { class: "field", id: "inc-severity", dataset: { field: "severity" }, "aria-describedby": "inc-severity-error" },
    h("legend", null, t("inc.f.severity")),
    sevTiles,
    h("p", { class: "field-error", id: "inc-severity-error", role: "alert" }),
  );
  // dd/mm/yyyy HH:mm in Vietnam's time whatever the browser's locale (datetime.js).
  const occurredDt = dateTimeInput({ name: "occurred_at", required: true, label: t("inc.f.occurred_at") });
  const occurred = occurredDt.input;
  const nowBtn = h("button", { type: "button", class: "btn btn-small btn-plain", id: "inc-now" }, t("inc.form.now"));
  const detectedDt = dateTimeInput({ name: "detected_at", label: t("inc.f.detected_at") });
  const detected = detectedDt.input;
  const description = h("textarea", { name: "description", rows: 4 });
  const damage = h("textarea", { name: "damage", rows: 2 });
  const counts = Object.fromEntries(
    COUNT_FIELDS.map((f) => [f, h("input", { type: "number", name: f, min: 0, max: MAX_COUNT, step: 1, inputmode: "numeric", placeholder: "0" })]),
  );
  const classification = h(
    "select",
    { name: "classification" },
    CLASSIFICATIONS.slice(0, CLASSIFICATIONS.indexOf(user.clearance || "unclassified") + 1).map((c) =>
      h("option", { value: c }, t(`inc.class.${c}`)),
    ),
  );
  const capStatus = h(
    "select",
    { name: "cap_status" },
    ["actual", "exercise", "test"].map((c) => h("option", { value: c }, t(`inc.cap.${c}`))),
  );
  const photoIn = h("input", { type: "file", accept: "image/*", capture: "environment", multiple: true, class: "photo-input" });
  const photoList = h("ul", { class: "photo-list", id: "inc-photo-list" });

  const countFields = Object.fromEntries(
    COUNT_FIELDS.map((f) => [f, field(`inc-${f}`, `inc.f.${f}`, counts[f], { name: f, class: "count" })]),
  );
  const damageField = field("inc-damage", "inc.f.damage", damage, { name: "damage" });
  const mainCounts = h("div", { class: "count-grid", id: "inc-main-counts" });
  const moreCounts = h("div", { class: "count-grid" });
  const moreDamage = h("div");
  const mainDamage = h("div");
  const locBox = h("div", { class: "loc-box" });

  const formError = h("p", { class: "form-error", id: "inc-form-error", role: "alert" });
  const sendState = h("div", { class: "send-state", id: "inc-send-state", role: "status", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-big", id: "inc-submit", dataset: { write: "incident.create" } }, t("inc.form.submit"));
  const stopBtn = h("button", { type: "button", class: "btn btn-small", id: "inc-stop", hidden: true }, t("inc.form.stop"));
  const discardBtn = h("button", { type: "button", class: "btn btn-small btn-plain", id: "inc-discard" }, t("inc.form.discard"));
  const draftNote = h("p", { class: "notice draft-note", id: "inc-draft-note", hidden: true });

  const editable = h(
    "fieldset",
    { class: "inc-editable" },
    h("legend", { class: "visually-hidden" }, t("inc.form.title")),
    field("inc-title", "inc.f.title", title, { required: true, name: "title", hint: t("inc.form.title_hint") }),
    sevSet,
    h(
      "div",
      { class: "field-row" },
      field("inc-occurred", "inc.f.occurred_at", occurred, { required: true, name: "occurred_at", class: "grow" }),
      nowBtn,
    ),
    locBox,
    mainCounts,
    mainDamage,
    field("inc-description", "inc.f.description", description, { name: "description" }),
    h(
      "div",
      { class: "field photos", dataset: { field: "file" } },
      h("label", { for: "inc-photos", class: "btn btn-small photo-btn" }, t("inc.f.photos")),
      photoIn,
      h("p", { class: "hint muted small" }, t("inc.photo.hint")),
      photoList,
      h("p", { class: "field-error", id: "inc-photos-error", role: "alert" }),
    ),
    h(
      "details",
      { class: "more", id: "inc-more" },
      h("summary", null, t("inc.form.more")),
      field("inc-detected", "inc.f.detected_at", detected, { name: "detected_at" }),
      moreCounts,
      moreDamage,
      field("inc-classification", "inc.f.classification", classification, { name: "classification" }),
      field("inc-cap", "inc.f.cap_status", capStatus, { name: "cap_status" }),
    ),
  );
  photoIn.id = "inc-photos";
  occurredDt.place();
  detectedDt.place();
  const rest = h("div", { class: "inc-rest", id: "inc-rest", hidden: true }, editable);
  const actions = h("div", { class: "form-actions", hidden: true }, formError, sendState, h("div", { class: "btn-row" }, submit, stopBtn, discardBtn));
  const form = h("form", { class: "panel inc-form", id: "inc-form", novalidate: true }, catSet, rest, actions);
  box.append(draftNote, form);

  // ---- state -------------------------------------------------------------------------
  const fieldEls = () => ({
    category: catSet,
    title,
    severity: sevSet,
    occurred_at: occurred,
    detected_at: detected,
    description,
    damage,
    classification,
    cap_status: capStatus,
    ...counts,
  });

  function values() {
    const v = { category, severity_touched: severityTouched };
    v.title = title.value;
    const sev = form.querySelector("input[name=severity]:checked");
    v.severity = sev ? Number(sev.value) : null;
    v.occurred_at = occurred.value;
    v.detected_at = detected.value;
    v.description = description.value;
    v.damage = damage.value;
    for (const f of COUNT_FIELDS) v[f] = counts[f].value;
    v.classification = classification.value;
    v.cap_status = capStatus.value;
    v.location = picker ? picker.get() : draft.values.location || null;
    return v;
  }

  function fill(v) {
    title.value = v.title || "";
    if (v.severity) setSeverity(v.severity);
    occurred.value = v.occurred_at || toLocalInput(new Date());
    detected.value = v.detected_at || "";
    description.value = v.description || "";
    damage.value = v.damage || "";
    for (const f of COUNT_FIELDS) counts[f].value = v[f] ?? "";
    if (v.classification && [...classification.options].some((o) => o.value === v.classification)) classification.value = v.classification;
    if (v.cap_status) capStatus.value = v.cap_status;
  }

  function setSeverity(n) {
    for (const r of sevTiles.querySelectorAll("input")) {
      r.checked = Number(r.value) === Number(n);
      r.closest(".tile").classList.toggle("on", r.checked);
    }
  }

  let saveTimer = null;
  function persist(now = false) {
    clearTimeout(saveTimer);
    const run = () => {
      if (draft.gone) return;
      draft = { ...draft, values: values() };
      saveDraft(user, draft);
    };
    if (now) run();
    else saveTimer = setTimeout(run, 400);
  }
  cleanups.push(() => {
    // Leaving the page keeps what was typed (unless the report has gone).
    clearTimeout(saveTimer);
    if (draft && !draft.gone && category) saveDraft(user, { ...draft, values: values() });
  });

  // The category's own fields in the main part, the others under "more details".
  function layoutFor(code) {
    const need = fieldsFor(code);
    mainCounts.replaceChildren(...COUNT_FIELDS.filter((f) => need.includes(f)).map((f) => countFields[f]));
    moreCounts.replaceChildren(...COUNT_FIELDS.filter((f) => !need.includes(f)).map((f) => countFields[f]));
    (need.includes("damage") ? mainDamage : moreDamage).replaceChildren(damageField);
    (need.includes("damage") ? moreDamage : mainDamage).replaceChildren();
  }

  function chooseCategory(code, how = {}) {
    category = code;
    const c = byCode.get(code);
    for (const r of catTiles.querySelectorAll("input")) {
      r.checked = r.value === code;
      r.closest(".tile").classList.toggle("on", r.checked);
    }
    catChosen.textContent = categoryName(c);
    catSet.classList.add("chosen");
    catErr.textContent = "";
    if (!severityTouched || !form.querySelector("input[name=severity]:checked")) setSeverity(c.default_severity);
    layoutFor(code);
    rest.hidden = false;
    actions.hidden = false;
    if (!picker) {
      picker = locationPicker({
        user,
        value: draft.values.location || null,
        unitAreaIds: unit ? unit.area_ids : [],
        onChange: () => persist(),
      });
      locBox.append(picker.el);
      cleanups.push(() => picker.destroy());
    }
    if (!how.restore) {
      persist();
      if (!how.keepFocus) title.focus();
    }
  }

  // A tap or click chooses and moves on to the title; arrow keys move through the
  // tiles (each one chosen as it is reached) without taking the focus away.
  let pointer = false;
  catTiles.addEventListener("pointerdown", () => {
    pointer = true;
  });
  catTiles.addEventListener("keydown", () => {
    pointer = false;
  });
  catTiles.addEventListener("change", (e) => {
    if (e.target.name === "category") chooseCategory(e.target.value, { keepFocus: !pointer });
  });
  catChange.addEventListener("click", () => {
    catSet.classList.remove("chosen");
    const on = catTiles.querySelector("input:checked") || catTiles.querySelector("input");
    if (on) on.focus();
  });
  sevTiles.addEventListener("change", (e) => {
    severityTouched = true;
    setSeverity(e.target.value);
    persist();
  });
  nowBtn.addEventListener("click", () => {
    occurred.value = toLocalInput(new Date());
    persist();
  });
  form.addEventListener("input", (e) => {
    const err = e.target.id && document.getElementById(`${e.target.id}-error`);
    if (err) err.textContent = "";
    if (e.target.getAttribute && e.target.getAttribute("aria-invalid")) e.target.removeAttribute("aria-invalid");
    if (e.target !== photoIn) persist();
  });

  // ---- photos -----------------------------------------------------------------------
  // Kept in IndexedDB with the draft (draft.js) and restored after a reload; each
  // shows its state (chờ gửi, đang gửi, đã gửi, lỗi). After the report is filed they
  // are sent, each once, until the server has them; those a closed page left unsent
  // are sent the next time this form opens.
  // In the form itself, not the document: a photo still being read when the page is
  // left must not fail on a line that is gone.
  const photoErr = () => form.querySelector("#inc-photos-error");
  const photoNote = h("p", { class: "notice small photo-note", id: "inc-photo-note", hidden: true });
  photoList.after(photoNote);
  const photoStop = new AbortController();
  cleanups.push(() => photoStop.abort(abortReason("left the report form")));
  let photoStore = true; // false: IndexedDB unusable, the photos live in this page only
  let photoJob = Promise.resolve(); // loading and adding, in order
  const notKept = () => {
    photoStore = false;
    photoNote.hidden = false;
    photoNote.textContent = t("inc.photo.not_kept");
  };
  function drawPhotos() {
    photoList.replaceChildren(
      ...photos.map((p) =>
        h(
          "li",
          { dataset: { state: p.state, photo: p.rec.id } },
          h("img", { src: p.url, alt: "", width: 64, height: 64 }),
          h(
            "span",
            { class: "photo-name" },
            p.rec.name,
            h("span", { class: "muted small" }, ` · ${fmtSize(p.rec.size)}`),
            p.rec.ref ? h("span", { class: "muted small" }, ` · ${p.rec.ref}`) : null,
            h("span", { class: `photo-state ps-${p.state}` }, t(`inc.photo.state.${p.state}`)),
            p.detail ? h("span", { class: "muted small photo-detail" }, p.detail) : null,
          ),
          p.rec.incident_id
            ? null
            : h(
                "button",
                {
                  type: "button",
                  class: "btn btn-small btn-plain",
                  "aria-label": t("inc.form.photo_remove", { name: p.rec.name }),
                  onclick: () => {
                    const i = photos.indexOf(p);
                    if (i >= 0) photos.splice(i, 1);
                    URL.revokeObjectURL(p.url);
                    if (photoStore) deletePhoto(p.rec.id).catch(() => {});
                    drawPhotos();
                  },
                },
                t("inc.form.remove"),
              ),
        ),
      ),
    );
  }
  function photoState(p, state, detail) {
    p.state = state;
    p.detail = detail || "";
    drawPhotos();
  }
  photoIn.addEventListener("change", () => {
    photoErr().textContent = "";
    const files = [...photoIn.files];
    photoIn.value = "";
    photoJob = photoJob.then(async () => {
      for (const f of files) {
        if (photos.filter((p) => !p.rec.incident_id).length >= MAX_PHOTOS) {
          photoErr().textContent = t("inc.err.photos_many", { n: MAX_PHOTOS });
          break;
        }
        if (f.size > MAX_PHOTO) {
          photoErr().textContent = t("inc.err.photo_large", { name: f.name });
          continue;
        }
        if (f.type && !/^image\/(jpeg|png|webp)$/.test(f.type)) {
          photoErr().textContent = t("inc.err.photo_type", { name: f.name });
          continue;
        }
        const rec = await photoRecord(user, f);
        if (photoStore) await putPhoto(rec).catch(notKept);
        photos.push({ rec, url: URL.createObjectURL(f), state: "pending" });
        drawPhotos();
      }
    });
  });
  cleanups.push(() => photos.forEach((p) => URL.revokeObjectURL(p.url)));
  // What was kept: the draft's photos, and those of a filed report still to send.
  photoJob = photoJob.then(async () => {
    let recs;
    try {
      recs = await loadPhotos(user);
    } catch {
      notKept();
      return;
    }
    if (!box.isConnected) return;
    for (const rec of recs) photos.push({ rec, url: URL.createObjectURL(rec.blob), state: "pending" });
    drawPhotos();
    const own = recs.filter((r) => !r.incident_id).length;
    if (own) {
      draftNote.hidden = false;
      draftNote.append(" ", t("inc.photo.restored", { n: own }));
    }
    const left = photos.filter((p) => p.rec.incident_id);
    if (left.length) {
      photoNote.hidden = false;
      photoNote.textContent = t("inc.photo.leftover", { n: left.length, ref: left[0].rec.ref || `#${left[0].rec.incident_id}` });
      uploadAll(left).then((failed) => {
        if (!failed.length && box.isConnected) photoNote.textContent = t("inc.photo.leftover_done");
      });
    }
  });

  // ---- checks -------------------------------------------------------------------------
  function showError(name, key, params) {
    const el = fieldEls()[name];
    const errId = name === "category" ? "inc-category-error" : name === "severity" ? "inc-severity-error" : name === "location" ? "inc-location-error" : `${el ? el.id : ""}-error`;
    const err = document.getElementById(errId);
    if (!err) return false;
    err.textContent = t(key, params);
    if (el && el.tagName !== "FIELDSET") el.setAttribute("aria-invalid", "true");
    // A field under "more details" must be visible to be read.
    const more = err.closest("details");
    if (more) more.open = true;
    return true;
  }

  function clearErrors() {
    for (const e of form.querySelectorAll(".field-error")) e.textContent = "";
    for (const e of form.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
    formError.textContent = "";
  }

  function focusFirstError() {
    const err = [...form.querySelectorAll(".field-error")].find((e) => e.textContent);
    if (!err) return;
    const holder = err.closest(".field, fieldset");
    const target = holder && holder.querySelector("input:not([type=hidden]), textarea, select, button");
    if (target) target.focus();
    else if (holder) holder.scrollIntoView({ block: "center" });
  }

  // Checks in the browser; errors as [name, key, params].
  function check(v) {
    const errs = [];
    if (!v.category) errs.push(["category", "inc.err.category_required"]);
    const tt = v.title.trim();
    if (!tt) errs.push(["title", "inc.err.title_required"]);
    else if (byteLength(tt) > 300) errs.push(["title", "inc.err.title_long"]);
    const occ = fromLocalInput(v.occurred_at);
    if (!occ) errs.push(["occurred_at", v.occurred_at.trim() ? "inc.err.dt_format" : "inc.err.occurred_required"]);
    else if (occ.getTime() > Date.now() + SKEW_MS) errs.push(["occurred_at", "inc.err.future"]);
    if (v.detected_at.trim()) {
      const det = fromLocalInput(v.detected_at);
      if (!det) errs.push(["detected_at", "inc.err.dt_format"]);
      else if (det.getTime() > Date.now() + SKEW_MS) errs.push(["detected_at", "inc.err.future"]);
      else if (occ && det < occ) errs.push(["detected_at", "inc.err.detected_before"]);
    }
    for (const f of COUNT_FIELDS) {
      const s = String(v[f] ?? "").trim();
      if (s === "") continue;
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0 || n > MAX_COUNT) errs.push([f, "inc.err.count", { max: MAX_COUNT.toLocaleString("vi-VN") }]);
    }
    if (byteLength(v.description) > 32 * 1024) errs.push(["description", "inc.err.too_long"]);
    if (byteLength(v.damage) > 4 * 1024) errs.push(["damage", "inc.err.too_long"]);
    // The counts the category asks for: a hint to fill them is not an error (0 is the default).
    return errs;
  }

  function body(v) {
    const b = {
      category: v.category,
      severity: v.severity || undefined,
      title: v.title.trim().normalize("NFC"),
      occurred_at: fromLocalInput(v.occurred_at).toISOString(),
    };
    if (v.detected_at.trim()) b.detected_at = fromLocalInput(v.detected_at).toISOString();
    if (v.description.trim()) b.description = v.description.trim().normalize("NFC");
    if (v.damage.trim()) b.damage = v.damage.trim().normalize("NFC");
    for (const f of COUNT_FIELDS) if (String(v[f] ?? "").trim() !== "") b[f] = Number(v[f]);
    if (v.location) b.location = { lat: v.location.lat, lon: v.location.lon };
    if (v.classification && v.classification !== "unclassified") b.classification = v.classification;
    if (v.cap_status && v.cap_status !== "actual") b.cap_status = v.cap_status;
    return b;
  }

  // ---- sending -------------------------------------------------------------------------
  function lock(on) {
    editable.disabled = on;
    catSet.disabled = on;
    submit.disabled = on;
    discardBtn.hidden = on;
    stopBtn.hidden = !on;
  }

  function stateLine(kind, text) {
    sendState.className = `send-state send-${kind}`;
    sendState.dataset.state = kind;
    sendState.textContent = text;
  }

  async function send(pending, resumed) {
    lock(true);
    formError.textContent = "";
    stateLine(resumed ? "retrying" : "sending", resumed ? t("inc.send.resuming") : t("inc.send.sending"));
    sending = new AbortController();
    let inc;
    try {
      inc = await sendReport(pending, {
        signal: sending.signal,
        onRetry: ({ attempt, delayMs, error }) =>
          stateLine(
            "retrying",
            t(error.status ? "inc.send.retry_server" : "inc.send.retry", { n: attempt, s: Math.round(delayMs / 1000) }),
          ),
      });
    } catch (e) {
      sending = null;
      lock(false);
      if (e instanceof Cancelled) {
        stateLine("stopped", t("inc.send.stopped"));
        return;
      }
      if (e.status === 401) return; // api.js shows the login page; the draft waits
      // The server answered: nothing was written. A new attempt gets a new key.
      draft = { ...draft, pending: null };
      saveDraft(user, draft);
      stateLine("failed", "");
      if (e.status === 422 && e.field && showError(e.field === "location" ? "location" : e.field, `inc.err.${e.field}`)) {
        formError.textContent = t("inc.err.fix_fields");
        focusFirstError();
      } else if (e.status === 422 && e.field) {
        formError.textContent = t("inc.err.server_field", { field: e.field, message: e.message });
      } else if (e.status === 409 && e.field === "Idempotency-Key") {
        formError.textContent = t("inc.err.key_conflict");
      } else if (e.status === 403) {
        formError.textContent = t("inc.err.forbidden");
      } else {
        formError.textContent = t("inc.err.server", { message: e.message || e.code || e.status });
      }
      return;
    }
    sending = null;
    // The server has it: the draft has done its work.
    draft = { gone: true, values: {}, pending: null };
    clearDraft(user);
    stateLine("sent", t("inc.send.sent", { ref: inc.ref }));
    const failed = await uploadPhotos(inc);
    if (!box.isConnected) return;
    if (failed.length) {
      stopBtn.hidden = true;
      submit.hidden = true;
      formError.textContent = t("inc.send.photos_failed", { n: failed.length });
      actions.append(h("p", null, h("a", { class: "btn btn-primary", href: `#/incidents/${inc.id}` }, t("inc.send.open", { ref: inc.ref }))));
      return;
    }
    location.hash = `#/incidents/${inc.id}?filed=1`;
  }

  // The report's photos now belong to incident inc: send them, each once.
  async function uploadPhotos(inc) {
    await photoJob;
    stopBtn.hidden = true; // the report is in: nothing to stop
    const mine = photos.filter((p) => !p.rec.incident_id || p.rec.incident_id === inc.id);
    if (photoStore) await bindPhotos(mine.map((p) => p.rec), inc);
    else for (const p of mine) Object.assign(p.rec, { incident_id: inc.id, ref: inc.ref });
    drawPhotos();
    return uploadAll(mine, (i, n) => stateLine("sent", t("inc.send.photo", { ref: inc.ref, i, n })));
  }

  // Send photos (bound to their incident) one after the other; resolves to those
  // that did not get through (refused, or the page was left: those stay kept).
  async function uploadAll(list, progress) {
    const failed = [];
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      if (p.state === "sent") continue;
      if (progress) progress(i + 1, list.length);
      try {
        await uploadPhoto(p.rec, {
          signal: photoStop.signal,
          onState: (st, d) =>
            st === "waiting" ? photoState(p, "pending", t("inc.photo.retry_in", { n: d.attempt, s: Math.round(d.delayMs / 1000) })) : photoState(p, "sending"),
        });
        photoState(p, "sent");
      } catch (e) {
        failed.push(p);
        if (e instanceof Cancelled) break;
        if (e.status === 401) break; // the login page; the photo stays kept
        // The server refused it (type, size, a closed incident): it never will take it.
        if (photoStore) deletePhoto(p.rec.id).catch(() => {});
        photoState(p, "error", e.message || e.code || String(e.status));
      }
    }
    return failed;
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (sending) return;
    clearErrors();
    // "Now" as the time it happened, frozen with the first attempt.
    if (!occurred.value) {
      occurred.value = toLocalInput(new Date());
    }
    const v = values();
    const errs = check(v);
    if (errs.length) {
      for (const [name, key, params] of errs) showError(name, key, params);
      formError.textContent = t("inc.err.fix_fields");
      focusFirstError();
      return;
    }
    const b = body(v);
    // The same report as an earlier attempt that got no answer: the same key, so
    // the server makes it once. Anything changed: a new report, a new key.
    const pending = draft.pending && sameJson(draft.pending.body, b) ? draft.pending : { key: newIdempotencyKey(), body: b, since: new Date().toISOString() };
    draft = { ...draft, values: v, pending };
    saveDraft(user, draft);
    send(pending, false);
  });
  stopBtn.addEventListener("click", () => {
    if (sending) sending.abort(abortReason("stopped by the person"));
  });
  discardBtn.addEventListener("click", () => {
    if (!window.confirm(t("inc.form.discard_confirm"))) return;
    draft = { gone: true, values: {}, pending: null };
    clearDraft(user);
    for (const p of photos) if (!p.rec.incident_id && photoStore) deletePhoto(p.rec.id).catch(() => {});
    location.hash = "#/incidents";
  });
  cleanups.push(() => {
    if (sending) sending.abort(abortReason("left the report form"));
  });

  // ---- restore ---------------------------------------------------------------------------
  fill(v0);
  if (category) chooseCategory(category, { restore: true });
  if (restored) {
    draftNote.hidden = false;
    draftNote.append(
      t(draft.pending ? "inc.form.draft_pending" : "inc.form.draft_restored", { time: fmtDateTime(draft.saved_at) }),
    );
  }
  if (draft.pending && category) {
    send(draft.pending, true);
  } else if (!category) {
    const first = catTiles.querySelector("input");
    if (first) first.focus({ preventScroll: true });
  }
}
