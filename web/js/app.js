// app.js - the shell of the web application: a hash router (#/login, #/dashboard,
// #/map, #/incidents, #/exchange, #/operations, #/hotspots, #/admin), the header with the
// navigation a person may use, the language switch and the session. Each page is a
// module with render(main, ctx) that may return a function to call when leaving.

import { api, ApiError, cachedUser, can, isLoggedIn, logout, me, refreshMe } from "./api.js";
import { clear, h } from "./dom.js";
import { initI18n, otherLang, setLang, t } from "./i18n.js";

// need: what the person must be allowed (api.js can()) to see the page in the nav.
const ROUTES = [
  { name: "dashboard", title: "nav.dashboard", load: () => import("./pages/dashboard.js") },
  { name: "map", title: "nav.map", load: () => import("./pages/map.js") },
  { name: "incidents", title: "nav.incidents", load: () => import("./pages/incidents.js") },
  { name: "exchange", title: "nav.exchange", load: () => import("./pages/exchange.js") },
  { name: "operations", title: "nav.operations", load: () => import("./pages/operations.js") },
  { name: "hotspots", title: "nav.hotspots", load: () => import("./pages/hotspots.js") },
  { name: "admin", title: "nav.admin", need: "admin", load: () => import("./pages/admin.js") },
];

const header = document.getElementById("top");
const main = document.getElementById("main");
let leave = null; // the current page's cleanup
let seq = 0; // routing generation: a slower earlier route() must not paint over a later one

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/dashboard";
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? "" : raw.slice(q + 1));
  const segs = path.split("/").filter(Boolean);
  return { raw, path, params, segs };
}

function langButton() {
  const other = otherLang();
  return h(
    "button",
    {
      type: "button",
      id: "lang-switch",
      class: "btn btn-quiet",
      lang: other,
      "aria-label": t("lang.other_label"),
      onclick: async () => {
        await setLang(other);
        route();
      },
    },
    t("lang.other"),
  );
}

function brand() {
  return h(
    "a",
    { class: "brand", href: "#/dashboard" },
    h("img", { src: new URL("../img/icon.svg", import.meta.url), alt: "", width: 28, height: 28 }),
    h("span", { class: "brand-name" }, t("app.name")),
    h("span", { class: "brand-tag" }, t("app.tagline")),
  );
}

function skipLink() {
  // The hash is the router's, so the skip link moves focus itself.
  return h(
    "a",
    {
      class: "skip",
      href: "#main",
      onclick: (e) => {
        e.preventDefault();
        main.focus();
      },
    },
    t("app.skip"),
  );
}

function renderShell(user, active) {
  clear(header);
  const nav = h(
    "nav",
    { class: "nav", "aria-label": t("nav.label") },
    h(
      "ul",
      null,
      ROUTES.filter((r) => !r.need || can(user, r.need)).map((r) =>
        h(
          "li",
          null,
          h(
            "a",
            { href: `#/${r.name}`, "aria-current": r.name === active ? "page" : null, dataset: { nav: r.name } },
            t(r.title),
          ),
        ),
      ),
    ),
  );
  const roles = (user.roles || []).map((r) => t(`role.${r}`)).join(", ");
  const tools = h(
    "div",
    { class: "tools" },
    can(user, "incident.create")
      ? h("a", { class: "btn btn-primary", href: "#/incidents/new", dataset: { write: "incident.create" } }, t("action.new_incident"))
      : null,
    langButton(),
    h(
      "span",
      { class: "who", title: roles },
      h("span", { class: "who-name" }, user.full_name || user.username),
      h("span", { class: "who-role" }, roles),
    ),
    h(
      "button",
      {
        type: "button",
        class: "btn btn-quiet",
        id: "logout",
        onclick: async () => {
          await logout();
          location.hash = "#/login";
        },
      },
      t("user.logout"),
    ),
  );
  header.append(skipLink(), h("div", { class: "bar" }, brand(), tools), nav);
}

function renderBareShell() {
  clear(header);
  header.append(skipLink(), h("div", { class: "bar" }, brand(), h("div", { class: "tools" }, langButton())));
}

function showError(message) {
  clear(main).append(h("div", { class: "panel error", role: "alert" }, message));
}

async function route() {
  const my = ++seq;
  if (leave) {
    try {
      leave();
    } catch {
      /* a page's cleanup failing must not stop navigation */
    }
    leave = null;
  }
  const { path, params, segs, raw } = parseHash();
  const name = segs[0] || "dashboard";

  if (name === "login") {
    if (isLoggedIn() && !params.has("expired")) {
      location.hash = `#${params.get("next") || "/dashboard"}`;
      return;
    }
    renderBareShell();
    const page = await import("./pages/login.js");
    if (my !== seq) return;
    document.title = `${t("login.title")} — ${t("app.name")}`;
    leave = page.render(clear(main), { params }) || null;
    return;
  }
  if (!isLoggedIn()) {
    location.hash = `#/login?next=${encodeURIComponent(raw)}`;
    return;
  }
  // The person as last known shows the page at once; the session is checked again
  // behind it on every navigation, so a revoked or expired one leads to the login
  // page even where the page itself asks the server nothing.
  let user = cachedUser();
  if (user) {
    const before = JSON.stringify([user.roles, user.unit_id, user.clearance]);
    refreshMe()
      .then((u) => {
        if (my === seq && JSON.stringify([u.roles, u.unit_id, u.clearance]) !== before) route();
      })
      .catch(() => {});
  } else {
    try {
      user = await me();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return; // api.js went to the login page
      if (my === seq) showError(t("error.load", { message: e.status ? e.message : t("error.network") }));
      return;
    }
  }
  if (my !== seq) return;
  const r = ROUTES.find((x) => x.name === name);
  renderShell(user, r ? r.name : null);
  if (!r || (r.need && !can(user, r.need))) {
    document.title = t("app.name");
    clear(main).append(
      h("section", { class: "panel" }, h("h1", null, t("page.not_found")), h("p", null, h("a", { href: "#/dashboard" }, t("page.back_dashboard")))),
    );
    return;
  }
  let page;
  try {
    page = await r.load();
  } catch {
    if (my === seq) showError(t("error.load", { message: t("error.network") }));
    return;
  }
  if (my !== seq) return;
  document.title = `${t(r.title)} — ${t("app.name")}`;
  leave = page.render(clear(main), { user, params, path, segs, route: r, api }) || null;
}

async function start() {
  try {
    await initI18n();
  } catch {
    // Without the dictionaries there is no text to show; the noscript-like
    // message in index.html stays.
    return;
  }
  document.body.classList.add("ready");
  window.addEventListener("hashchange", () => {
    // Keyboard and screen-reader users land on the new page, unless the page
    // focused something itself (the login form).
    route().then(() => {
      if (document.activeElement === document.body || !document.activeElement) main.focus({ preventScroll: true });
    });
  });
  await route();
}

start();
