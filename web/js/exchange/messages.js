// exchange/messages.js - field messages (tin nhắn hiện trường): the rooms seen in
// recent messages, one room's messages (oldest at the top), sending into it or to a
// unit, and new messages arriving live ("message.sent").

import { api } from "../api.js";
import { clear, fill, h } from "../dom.js";
import { fmtDateTime, t } from "../i18n.js";
import { apiMessage, clearErrors, empty, failure, field, input, live, liveBadge, loading, may, select, showError, textarea, units } from "./ui.js";

const DEFAULT_ROOM = "All Chat Rooms";

function roomLabel(r) {
  return r === DEFAULT_ROOM ? t("exchange.msg.all_rooms") : r;
}

export function render(body, ctx) {
  const { user, params } = ctx;
  let room = params.get("room") || DEFAULT_ROOM;
  const rooms = new Map([[DEFAULT_ROOM, null]]); // room → last message time
  const [state, setState] = liveBadge();
  const roomList = h("ul", { class: "rooms", id: "rooms" });
  const list = h("ol", { class: "messages", id: "messages", "aria-live": "polite", "aria-relevant": "additions" }, h("li", null, loading()));
  const heading = h("h2", { id: "room-title" });
  const seen = new Set();

  const paintRooms = () => {
    const names = [...rooms.keys()].sort((a, b) => (a === DEFAULT_ROOM ? -1 : b === DEFAULT_ROOM ? 1 : (rooms.get(b) || 0) - (rooms.get(a) || 0)));
    fill(
      roomList,
      names.map((r) =>
        h("li", null, h("a", { href: `#/exchange/messages?room=${encodeURIComponent(r)}`, "aria-current": r === room ? "true" : null }, roomLabel(r))),
      ),
    );
  };
  const msgItem = (m) =>
    h(
      "li",
      { class: `msg${m.from_person_id === user.id ? " mine" : ""}`, dataset: { id: m.id } },
      h(
        "p",
        { class: "msg-head" },
        h("strong", null, m.from_name || m.from_callsign || t("common.na")),
        m.from_callsign && m.from_name ? h("span", { class: "muted small" }, ` (${m.from_callsign})`) : null,
        " ",
        h("time", { datetime: new Date(m.at).toISOString(), class: "muted small" }, fmtDateTime(m.at)),
        m.source === "cot" ? h("span", { class: "badge" }, "TAK") : null,
      ),
      h("p", { class: "msg-text pre" }, m.text),
      m.location ? h("p", { class: "muted small" }, `${m.location.lat.toFixed(5)}, ${m.location.lon.toFixed(5)}`) : null,
    );
  const add = (m) => {
    if (seen.has(m.id)) return;
    seen.add(m.id);
    const e = list.querySelector(".empty-li");
    if (e) e.remove();
    list.append(msgItem(m));
    list.scrollTop = list.scrollHeight;
  };

  let form = null;
  if (may(user, "message.send")) {
    const text = textarea({ name: "text", rows: 2, maxlength: 4096 });
    const toUnit = select([["", t("exchange.msg.to_room")]], "", { name: "to_unit_id" });
    const newRoom = input({ name: "room", maxlength: 200, placeholder: t("exchange.msg.new_room_ph") });
    const send = h("button", { type: "submit", class: "btn btn-primary", dataset: { write: "message.send" } }, t("exchange.msg.send"));
    units()
      .then((us) => {
        for (const u of us.filter((x) => x.is_active && x.id !== user.unit_id)) toUnit.append(h("option", { value: u.id }, u.name));
      })
      .catch(() => {});
    form = h(
      "form",
      { class: "msg-form", id: "message-form", novalidate: true },
      field("text", t("exchange.msg.text"), text, { required: true }),
      h("div", { class: "form-row" }, field("to_unit_id", t("exchange.msg.to"), toUnit), field("room", t("exchange.msg.new_room"), newRoom)),
      h("p", { class: "form-error", role: "alert" }),
      h("div", { class: "actions" }, send),
    );
    text.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) form.requestSubmit();
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      if (!text.value.trim()) {
        showError(form, "text", t("exchange.ui.required"));
        return;
      }
      const payload = { text: text.value.trim(), uid: `web-${crypto.randomUUID ? crypto.randomUUID() : Date.now()}` };
      if (toUnit.value) payload.to_unit_id = Number(toUnit.value);
      else payload.room = newRoom.value.trim() || room;
      send.disabled = true;
      try {
        const m = await api("/messages", { method: "POST", body: payload });
        text.value = "";
        if (m.room !== room) {
          location.hash = `#/exchange/messages?room=${encodeURIComponent(m.room)}`;
          return;
        }
        add(m);
      } catch (err) {
        if (err.status !== 401) showError(form, err.field, apiMessage(err));
      } finally {
        send.disabled = false;
      }
    });
  }

  body.append(
    h(
      "div",
      { class: "chat" },
      h("nav", { class: "panel chat-rooms", "aria-label": t("exchange.msg.rooms") }, h("h2", null, t("exchange.msg.rooms")), roomList),
      h("section", { class: "panel chat-room", "aria-labelledby": "room-title" }, h("div", { class: "panel-head" }, heading, state), list, form),
    ),
  );
  heading.textContent = roomLabel(room);
  paintRooms();

  let gone = false;
  (async () => {
    try {
      const [recent, here] = await Promise.all([api("/messages?limit=200"), api(`/messages?room=${encodeURIComponent(room)}&limit=100`)]);
      if (gone) return;
      for (const m of recent.items) if (!rooms.get(m.room)) rooms.set(m.room, new Date(m.at).getTime());
      paintRooms();
      clear(list);
      if (!here.items.length) list.append(h("li", { class: "empty-li" }, empty(t("exchange.msg.empty"))));
      for (const m of [...here.items].reverse()) add(m);
    } catch (e) {
      if (e.status !== 401 && !gone) fill(list, h("li", null, failure(e)));
    }
  })();
  const close = live(
    {
      "message.sent": (m) => {
        rooms.set(m.room, new Date(m.at).getTime());
        paintRooms();
        if (m.room === room) add(m);
      },
    },
    setState,
  );
  return () => {
    gone = true;
    close();
  };
}
