// pages/exchange.js - Trao đổi: what awaits my unit's acknowledgement (#/exchange),
// bulletins sent and received (#/exchange/bulletins, one at #/exchange/<id>),
// composing one (#/exchange/compose), field messages (#/exchange/messages) and the
// incident drafts from TAK markers (#/exchange/drafts). Each part is its own module,
// loaded when shown.

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { may, subnav } from "../exchange/ui.js";

const PARTS = {
  inbox: () => import("../exchange/inbox.js"),
  bulletins: () => import("../exchange/bulletins.js"),
  bulletin: () => import("../exchange/bulletins.js"),
  compose: () => import("../exchange/compose.js"),
  messages: () => import("../exchange/messages.js"),
  drafts: () => import("../exchange/drafts.js"),
};

export function render(main, ctx) {
  const { user, segs } = ctx;
  const sub = segs[1] || "inbox";
  let part = /^\d+$/.test(sub) ? "bulletin" : sub;
  if (!PARTS[part] || (part === "compose" && !may(user, "bulletin.send"))) part = "inbox";
  const items = [
    ["#/exchange", t("exchange.tab.inbox"), "inbox"],
    ["#/exchange/bulletins", t("exchange.tab.bulletins"), "bulletins"],
    may(user, "bulletin.send") ? ["#/exchange/compose", t("exchange.tab.compose"), "compose", { write: "bulletin.send" }] : null,
    ["#/exchange/messages", t("exchange.tab.messages"), "messages"],
    ["#/exchange/drafts", t("exchange.tab.drafts"), "drafts"],
  ].filter(Boolean);
  const body = h("div", { class: "page-body" }, h("p", { class: "muted loading" }, t("app.loading")));
  main.append(
    h("div", { class: "page-head" }, h("h1", null, t("nav.exchange"))),
    subnav(t("exchange.tab.label"), items, part === "bulletin" ? "bulletins" : part),
    body,
  );
  let cleanup = null;
  let gone = false;
  PARTS[part]()
    .then((m) => {
      if (gone) return;
      body.textContent = "";
      cleanup = (part === "bulletin" ? m.renderDetail : m.render)(body, { ...ctx, id: Number(sub) }) || null;
    })
    .catch(() => {
      if (!gone) body.textContent = t("error.load", { message: t("error.network") });
    });
  return () => {
    gone = true;
    if (cleanup) cleanup();
  };
}
