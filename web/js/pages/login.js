// pages/login.js - the login form. Errors appear next to the field they concern,
// in the page's language; after logging in, the person goes back to where they were
// (?next=) or to the overview.

import { ApiError, login } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

function field(id, label, type, autocomplete) {
  const err = h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" });
  const input = h("input", {
    id,
    name: id,
    type,
    autocomplete,
    required: true,
    autocapitalize: "none",
    spellcheck: "false",
    "aria-describedby": `${id}-error`,
  });
  const wrap = h("div", { class: "field" }, h("label", { for: id }, label), input, err);
  return { wrap, input, err };
}

function setError(f, message) {
  f.err.textContent = message || "";
  if (message) f.input.setAttribute("aria-invalid", "true");
  else f.input.removeAttribute("aria-invalid");
}

function minutes(seconds) {
  return Math.max(1, Math.ceil((seconds || 60) / 60));
}

// Only routes of this application: "#/..." paths, never another site.
function safeNext(v) {
  return v && v.startsWith("/") && !v.startsWith("//") && !v.startsWith("/login") ? v : "/dashboard";
}

export function render(main, ctx) {
  const user = field("username", t("login.username"), "text", "username");
  const pass = field("password", t("login.password"), "password", "current-password");
  const formErr = h("p", { class: "form-error", id: "login-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-wide" }, t("login.submit"));
  const expired = ctx.params.has("expired")
    ? h("p", { class: "notice", role: "status", id: "login-expired" }, t("login.expired"))
    : null;

  const form = h("form", { class: "login-form", novalidate: true }, user.wrap, pass.wrap, formErr, submit);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setError(user, "");
    setError(pass, "");
    formErr.textContent = "";
    const u = user.input.value.trim();
    const p = pass.input.value;
    if (!u) setError(user, t("login.err.username_required"));
    if (!p) setError(pass, t("login.err.password_required"));
    if (!u || !p) {
      (u ? pass : user).input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = t("login.submitting");
    try {
      await login(u, p);
      location.hash = `#${safeNext(ctx.params.get("next"))}`;
    } catch (err) {
      submit.disabled = false;
      submit.textContent = t("login.submit");
      if (!(err instanceof ApiError) || err.status === 0) {
        formErr.textContent = t("login.err.network");
      } else if (err.status === 401) {
        setError(pass, t("login.err.bad_credentials"));
        pass.input.select();
        pass.input.focus();
      } else if (err.status === 429 && err.code === "account_locked") {
        setError(user, t("login.err.locked", { minutes: minutes(err.retryAfter) }));
      } else if (err.status === 429) {
        formErr.textContent = t("login.err.throttled", { minutes: minutes(err.retryAfter) });
      } else {
        formErr.textContent = t("login.err.server");
      }
    }
  });

  main.append(
    h(
      "section",
      { class: "login panel", "aria-labelledby": "login-title" },
      h("h1", { id: "login-title" }, t("login.title")),
      h("p", { class: "muted" }, t("login.intro")),
      expired,
      form,
    ),
  );
  user.input.focus();
}
