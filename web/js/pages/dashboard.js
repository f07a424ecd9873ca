// pages/dashboard.js - Tổng quan: what awaits my unit (overdue first, in red), the
// live feed (server-sent events), incident counts for today, this week and this
// month by category and lead force, and the timeliness of each force and unit.

import { api, can, streamUrl } from "../api.js";
import { clear, fill, h, loadScript, loadStyle } from "../dom.js";
import { currentLang, fmtDateTime, fmtNumber, fmtPercent, fmtTime, localPeriods, t, tOr } from "../i18n.js";
import { hotspotFeed, hotspotInboxItem } from "../hotspots/common.js";

const FORCES = ["police", "military", "border_guard"];
const FEED_MAX = 50;

function panel(id, titleKey, ...body) {
  return h(
    "section",
    { class: "panel", id, "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, t(titleKey)),
    ...body,
  );
}

function loading() {
  return h("p", { class: "muted loading" }, t("app.loading"));
}

function failure(e) {
  return h("p", { class: "error", role: "alert" }, t("error.load", { message: e.status ? e.message : t("error.network") }));
}

function categoryName(cats, code) {
  const c = cats.get(code);
  if (!c) return code || t("common.na");
  const name = currentLang() === "vi" ? c.name_vi : c.name_en;
  // Names are stored as in running text ("ma túy"); a table row starts a sentence.
  return name.charAt(0).toLocaleUpperCase(currentLang()) + name.slice(1);
}

// ---- what awaits my unit ---------------------------------------------------------------
function inboxItem(it, user, reload) {
  const inc = it.kind === "bulletin" ? null : it.incident;
  const bul = it.kind === "bulletin" ? it.bulletin : null;
  const rec = it.recipient || {};
  const title = inc ? `${inc.ref} — ${inc.title}` : bul.title;
  const href = inc ? `#/incidents/${inc.id}` : `#/exchange/${bul.id}`;
  const status = h("p", { class: "ack-status", "aria-live": "polite" });
  const mayAck = can(user, inc ? "incident.acknowledge" : "bulletin.acknowledge");
  const ack = mayAck
    ? h(
        "button",
        {
          type: "button",
          class: "btn btn-small",
          dataset: { write: inc ? "incident.acknowledge" : "bulletin.acknowledge" },
          onclick: async (e) => {
            e.target.disabled = true;
            try {
              if (inc)
                await api(`/incidents/${inc.id}/acknowledgements`, {
                  method: "POST",
                  body: { stage: it.awaiting, unit_id: rec.unit_id },
                });
              else await api(`/bulletins/${bul.id}/acknowledgements`, { method: "POST", body: { unit_id: rec.unit_id } });
              status.textContent = t("dash.inbox.ack_done");
              reload();
            } catch (err) {
              e.target.disabled = false;
              status.textContent = t("dash.inbox.ack_failed", { message: err.message });
            }
          },
        },
        t(`dash.inbox.ack.${it.awaiting === "verified" ? "verified" : "received"}`),
      )
    : null;
  return h(
    "li",
    { class: `inbox-item${it.overdue ? " overdue" : ""}` },
    h(
      "div",
      { class: "inbox-head" },
      it.overdue ? h("span", { class: "badge badge-danger" }, t("dash.inbox.overdue")) : null,
      h("span", { class: "badge" }, t(`dash.inbox.kind.${it.kind === "bulletin" ? "bulletin" : "incident"}`)),
      inc ? h("span", { class: `badge sev sev-${inc.severity}` }, t(`severity.${inc.severity}`)) : null,
    ),
    h("a", { href, class: "inbox-title" }, title),
    h(
      "p",
      { class: "inbox-meta" },
      t(`dash.inbox.awaiting.${it.awaiting === "verified" ? "verified" : "received"}`),
      " · ",
      it.due_at ? t("dash.inbox.due", { time: fmtDateTime(it.due_at) }) : t("dash.inbox.no_due"),
    ),
    ack,
    status,
  );
}

async function loadInbox(box, user) {
  let r;
  try {
    r = await api("/inbox?limit=20");
  } catch (e) {
    if (e.status !== 401) clear(box).append(failure(e));
    return;
  }
  const reload = () => loadInbox(box, user);
  clear(box);
  if (!r.items.length) {
    box.append(h("p", { class: "muted" }, t("dash.inbox.empty")));
    return;
  }
  box.append(h("ul", { class: "inbox" }, r.items.map((it) => (it.kind === "hotspot" ? hotspotInboxItem(it) : inboxItem(it, user, reload)))));
}

// ---- counts ------------------------------------------------------------------------------
function countTable(caption, headKey, rows) {
  const cols = ["today", "week", "month"];
  return h(
    "table",
    { class: "counts" },
    h("caption", null, caption),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, t(headKey)), cols.map((c) => h("th", { scope: "col", class: "num" }, t(`dash.counts.${c}`))))),
    h(
      "tbody",
      null,
      rows.map((r) =>
        h("tr", { class: r.total ? "total" : null }, h("th", { scope: "row" }, r.label), cols.map((c) => h("td", { class: "num" }, fmtNumber(r[c])))),
      ),
    ),
  );
}

// GET /api/v1/stats/incidents once per period (reported since the start of today,
// of this week, of this month; exercises and tests left out by the server): three
// small answers instead of the incidents themselves.
const PERIODS = ["today", "week", "month"];

async function loadCounts(box, cats) {
  const per = localPeriods();
  let rs;
  try {
    rs = await Promise.all(PERIODS.map((k) => api(`/stats/incidents?from=${encodeURIComponent(per[k].toISOString())}`)));
  } catch (e) {
    if (e.status !== 401) clear(box).append(failure(e));
    return;
  }
  const zero = () => ({ today: 0, week: 0, month: 0 });
  const byCat = new Map();
  const byForce = new Map(FORCES.map((f) => [f, zero()]));
  const total = zero();
  PERIODS.forEach((k, i) => {
    const r = rs[i];
    total[k] = r.total;
    for (const c of r.by_category) {
      if (!byCat.has(c.category)) byCat.set(c.category, zero());
      byCat.get(c.category)[k] = c.count;
    }
    for (const f of r.by_force) if (byForce.has(f.force)) byForce.get(f.force)[k] = f.count;
  });
  if (!total.month && !total.week) {
    fill(box, h("p", { class: "muted" }, t("dash.counts.empty")));
    return;
  }
  const catRows = [...byCat.entries()]
    .filter(([, v]) => v.month || v.week)
    .sort((a, b) => b[1].month - a[1].month || b[1].week - a[1].week)
    .map(([code, v]) => ({ label: categoryName(cats, code), ...v }));
  catRows.push({ label: t("dash.counts.total"), total: true, ...total });
  const forceRows = FORCES.map((f) => ({ label: t(`force.${f}`), ...byForce.get(f) }));
  fill(
    box,
    h(
      "div",
      { class: "counts-grid" },
      h("div", { class: "table-wrap" }, countTable(t("dash.counts.by_force"), "dash.counts.force", forceRows)),
      h("div", { class: "table-wrap" }, countTable(t("dash.counts.by_category"), "dash.counts.category", catRows)),
    ),
    h("p", { class: "muted small" }, t("dash.counts.note")),
  );
}

// ---- timeliness ----------------------------------------------------------------------------
const vendor = (p) => new URL(`../../vendor/${p}`, import.meta.url);

async function drawChart(holder, forces) {
  await Promise.all([loadStyle(vendor("uplot/uPlot.min.css")), loadScript(vendor("uplot/uPlot.iife.min.js"))]);
  const uPlot = window.uPlot;
  const labels = forces.map((f) => t(`force.${f.force}`));
  const pct = (v) => (v === null || v === undefined ? null : Math.round(v * 1000) / 10);
  const xs = forces.map((_, i) => i);
  const bars = (align) => uPlot.paths.bars({ size: [0.35, 64], align });
  const width = () => Math.max(260, holder.clientWidth);
  const chart = new uPlot(
    {
      width: width(),
      height: 220,
      cursor: { show: false },
      legend: { show: true, live: false },
      scales: { x: { time: false, range: [-0.6, forces.length - 0.4] }, y: { range: [0, 100] } },
      axes: [
        { splits: () => xs, values: (u, vals) => vals.map((v) => labels[v] || ""), grid: { show: false } },
        { values: (u, vals) => vals.map((v) => `${v}%`), size: 48 },
      ],
      series: [
        {},
        { label: t("dash.time.reports"), fill: "#0b5cad", stroke: "#0b5cad", paths: bars(-1), points: { show: false } },
        { label: t("dash.time.acks"), fill: "#8a4b00", stroke: "#8a4b00", paths: bars(1), points: { show: false } },
      ],
    },
    [xs, forces.map((f) => pct(f.reports_on_time_share)), forces.map((f) => pct(f.acks_on_time_share))],
    holder,
  );
  const ro = new ResizeObserver(() => chart.setSize({ width: width(), height: 220 }));
  ro.observe(holder);
  return () => {
    ro.disconnect();
    chart.destroy();
  };
}

function shareCell(ok, n, share) {
  return h("td", { class: "num share" }, fmtPercent(share), n ? h("span", { class: "muted small of" }, ` (${t("dash.time.count", { ok, n })})`) : null);
}

async function loadTimeliness(box, cleanups) {
  let r;
  try {
    r = await api("/stats/timeliness");
  } catch (e) {
    if (e.status !== 401) clear(box).append(failure(e));
    return;
  }
  const forces = FORCES.map((f) => r.forces.find((x) => x.force === f) || { force: f, reports: 0, acks: 0 });
  if (!forces.some((f) => f.reports || f.acks)) {
    fill(box, h("p", { class: "muted" }, t("dash.time.no_data")));
    return;
  }
  const holder = h("div", { class: "chart", role: "img", "aria-label": t("dash.time.chart_label") });
  const head = (k) => h("th", { scope: "col", class: k === "u" ? null : "num" }, k === "u" ? t("dash.time.force") : t(k));
  const forceTable = h(
    "table",
    { class: "counts" },
    h("thead", null, h("tr", null, head("u"), head("dash.time.reports"), head("dash.time.acks"))),
    h(
      "tbody",
      null,
      forces.map((f) =>
        h(
          "tr",
          null,
          h("th", { scope: "row" }, t(`force.${f.force}`)),
          shareCell(f.reports_on_time, f.reports, f.reports_on_time_share),
          shareCell(f.acks_on_time, f.acks, f.acks_on_time_share),
        ),
      ),
    ),
  );
  const units = [...r.units].sort((a, b) => {
    const x = a.acks_on_time_share ?? 2;
    const y = b.acks_on_time_share ?? 2;
    return x - y || (a.reports_on_time_share ?? 2) - (b.reports_on_time_share ?? 2);
  });
  const unitTable = h(
    "table",
    { class: "counts" },
    h("caption", null, t("dash.time.worst_first")),
    h(
      "thead",
      null,
      h("tr", null, h("th", { scope: "col" }, t("dash.time.unit")), head("dash.time.reports"), head("dash.time.acks")),
    ),
    h(
      "tbody",
      null,
      units.map((u) =>
        h(
          "tr",
          { class: u.acks_on_time_share !== null && u.acks_on_time_share < 0.5 ? "bad" : null },
          h("th", { scope: "row" }, u.unit_name, h("span", { class: `force-dot force-${u.force}`, title: t(`force.${u.force}`) })),
          shareCell(u.reports_on_time, u.reports, u.reports_on_time_share),
          shareCell(u.acks_on_time, u.acks, u.acks_on_time_share),
        ),
      ),
    ),
  );
  fill(box, holder, h("div", { class: "table-wrap" }, forceTable), h("div", { class: "scroll table-wrap" }, unitTable));
  try {
    cleanups.push(await drawChart(holder, forces));
  } catch {
    holder.remove(); // the tables carry the same figures
  }
}

// ---- live feed -------------------------------------------------------------------------------
const TOPICS = [
  "incident.created",
  "incident.updated",
  "incident.status",
  "incident.transferred",
  "incident.merged",
  "incident.acknowledged",
  "incident.refused",
  "incident.overdue",
  "incident.escalated",
  "incident.attachment",
  "bulletin.sent",
  "bulletin.acknowledged",
  "bulletin.overdue",
  "bulletin.missing",
  "hotspot.detected",
  "hotspot.status",
];

function feedItem(topic, d) {
  const isInc = topic.startsWith("incident.");
  const isBul = topic.startsWith("bulletin.") && !topic.startsWith("bulletin_schedule");
  const bad = topic.endsWith(".overdue") || topic.endsWith(".escalated") || topic.endsWith(".missing");
  const label = tOr(`event.${topic}`, t("event.other"));
  const hot = topic.startsWith("hotspot.") ? hotspotFeed(topic, d) : null;
  const text = hot ? hot.text : d.ref ? `${d.ref} — ${d.title || ""}` : d.title || "";
  const href = hot ? hot.href : isInc && d.id ? `#/incidents/${d.id}` : isBul && d.id ? `#/exchange/${d.id}` : null;
  return h(
    "li",
    { class: `feed-item${bad ? " overdue" : ""}`, dataset: { topic, id: d.id ?? "" } },
    h("time", { datetime: new Date().toISOString() }, fmtTime(new Date())),
    h("span", { class: `badge${bad ? " badge-danger" : ""}` }, label),
    d.severity ? h("span", { class: `badge sev sev-${d.severity}` }, t(`severity.${d.severity}`)) : null,
    href ? h("a", { href }, text) : h("span", null, text),
  );
}

function startFeed(list, state, onChange) {
  let es = null;
  let retry = null;
  let closed = false;
  const setState = (k) => {
    state.textContent = t(`dash.live.${k}`);
    state.className = `live-state live-${k}`;
  };
  const connect = () => {
    setState("connecting");
    es = new EventSource(streamUrl());
    es.onopen = () => setState("online");
    es.onerror = async () => {
      if (closed) return;
      setState("offline");
      if (es.readyState !== EventSource.CLOSED) return; // the browser reconnects by itself
      // Refused (401 after the session ended, or 503): ask the API why.
      try {
        await api("/auth/me");
      } catch (e) {
        if (e.status === 401) return; // api.js has gone to the login page
      }
      if (!closed) retry = setTimeout(connect, 5000);
    };
    for (const topic of TOPICS)
      es.addEventListener(topic, (ev) => {
        let d = {};
        try {
          d = JSON.parse(ev.data);
        } catch {
          /* a summary we cannot read still says something happened */
        }
        const empty = list.querySelector(".feed-empty");
        if (empty) empty.remove();
        list.prepend(feedItem(topic, d));
        while (list.children.length > FEED_MAX) list.lastChild.remove();
        onChange(topic, d);
      });
  };
  connect();
  return () => {
    closed = true;
    clearTimeout(retry);
    if (es) es.close();
  };
}

// ---- the page ----------------------------------------------------------------------------------
export function render(main, ctx) {
  const user = ctx.user;
  const cleanups = [];
  const unitLine = h("p", { class: "muted", id: "dash-unit" });
  const inboxBox = h("div", { id: "inbox" }, loading());
  const countsBox = h("div", { id: "counts" }, loading());
  const timeBox = h("div", { id: "timeliness" }, loading());
  const feedState = h("span", { class: "live-state", role: "status" });
  const feedList = h(
    "ol",
    { class: "feed", id: "feed", "aria-live": "polite", "aria-relevant": "additions" },
    h("li", { class: "feed-empty muted" }, t("dash.live.empty")),
  );
  main.append(
    h("div", { class: "page-head" }, h("h1", null, t("dash.title")), unitLine),
    h(
      "div",
      { class: "dash-grid" },
      panel("panel-inbox", "dash.inbox.title", inboxBox),
      h(
        "section",
        { class: "panel", id: "panel-feed", "aria-labelledby": "panel-feed-title" },
        h("div", { class: "panel-head" }, h("h2", { id: "panel-feed-title" }, t("dash.live.title")), feedState),
        feedList,
      ),
      panel("panel-counts", "dash.counts.title", countsBox),
      panel("panel-time", "dash.time.title", timeBox),
    ),
  );

  if (user.unit_id)
    api(`/units/${user.unit_id}`)
      .then((u) => {
        unitLine.textContent = t("dash.unit", { unit: u.name });
      })
      .catch(() => {});
  loadInbox(inboxBox, user);
  const catsP = api("/categories?limit=500&include_inactive=1")
    .then((r) => new Map(r.items.map((c) => [c.code, c])))
    .catch(() => new Map());
  catsP.then((cats) => loadCounts(countsBox, cats));
  loadTimeliness(timeBox, cleanups);

  // What arrives live refreshes the panels it concerns, at most every few seconds.
  let inboxTimer = null;
  let countsTimer = null;
  const onChange = (topic) => {
    if (!inboxTimer)
      inboxTimer = setTimeout(() => {
        inboxTimer = null;
        loadInbox(inboxBox, user);
      }, 1500);
    if (topic === "incident.created" || topic === "incident.updated" || topic === "incident.merged")
      if (!countsTimer)
        countsTimer = setTimeout(() => {
          countsTimer = null;
          catsP.then((cats) => loadCounts(countsBox, cats));
        }, 10000);
  };
  cleanups.push(startFeed(feedList, feedState, onChange));
  cleanups.push(() => {
    clearTimeout(inboxTimer);
    clearTimeout(countsTimer);
  });
  return () => cleanups.forEach((f) => f());
}
