// operations_edit.test.mjs - browser tests of changing a planned operation (run by
// run.mjs): the province police commander edits the title and the times in the
// dd/mm/yyyy HH:mm fields (a wrong date is said next to the field) and sees them
// saved; an edit over a stale copy reloads the form and says why; a person already
// on another operation at that time is refused next to the people, naming that
// operation; a viewer is offered no edit.

import { api, apiLogin, assert, assertEq, cspViolations, gotoLoggedIn, newPage, problems, shot } from "./lib.mjs";

async function done(ctx) {
  for (const v of await cspViolations(ctx.page).catch(() => [])) problems.csp.push(v);
  await ctx.context.close();
}

function forgive(label, codes) {
  const re = new RegExp(`^${label}: Failed to load resource: the server responded with a status of (${codes.join("|")})`);
  for (let i = problems.console.length - 1; i >= 0; i--) if (re.test(problems.console[i])) problems.console.splice(i, 1);
}

const HOUR = 3600000;
const DAY = 24 * HOUR;
// "29/11/2026 14:30" in Vietnam's time.
function vn(ms) {
  const d = new Date(ms + 7 * HOUR);
  const p = (n) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}
// Midnight in Vietnam, some days ahead (a window no other test uses).
function vnDay(daysAhead) {
  const local = Date.now() + 7 * HOUR;
  return Math.floor(local / DAY) * DAY - 7 * HOUR + daysAhead * DAY;
}

const ROUTE = { type: "LineString", coordinates: [[106.38, 10.24], [106.4, 10.25], [106.43, 10.24]] };

async function planOp(token, title, startMs, extra = {}) {
  return api("POST", "/operations", token, {
    kind: "patrol",
    domain: "land",
    title,
    geometry: ROUTE,
    planned_start: new Date(startMs).toISOString(),
    planned_end: new Date(startMs + 4 * HOUR).toISOString(),
    ...extra,
  });
}

async function openEdit(page, id, user = "demo.commander") {
  await gotoLoggedIn(page, user, `#/operations/${id}`);
  await page.waitForSelector("#op-edit");
  await page.click("#op-edit");
  await page.waitForSelector("#plan-form[data-mode=edit]");
  await page.waitForSelector("#plan-map[data-ready='1']");
  await page.waitForSelector("#people-box input[type=checkbox]");
}

export const tests = [
  {
    name: "operations edit: the title and times of a planned operation are changed in dd/mm/yyyy fields",
    async run() {
      const token = await apiLogin("demo.commander");
      const day = vnDay(40);
      const title = `Tuần tra kiểm soát tuyến QL60 qua Châu Thành ${Date.now()}`;
      const op = await planOp(token, title, day + 8 * HOUR);
      const ctx = await newPage({ label: "op-edit" });
      const { page } = ctx;
      try {
        await openEdit(page, op.id);
        assertEq(await page.inputValue("#plan-form [name=title]"), title, "title filled in");
        assertEq(await page.inputValue("#plan-form [name=planned_start]"), vn(day + 8 * HOUR), "start shown dd/mm/yyyy HH:mm");
        assertEq(await page.locator("#plan-map .draw-vertex").count(), 3, "the route is drawn");
        const newTitle = `${title} (điều chỉnh)`;
        await page.fill("#plan-form [name=title]", newTitle);
        // A day that does not exist: said next to the field, nothing sent.
        await page.fill("#plan-form [name=planned_start]", "31/02/2027 08:00");
        await page.click("#plan-submit");
        const err = await page.textContent("[data-field=planned_start] .field-error");
        assert(/không hợp lệ/.test(err), `invalid date message: ${err}`);
        // The next day, 07:30 to 11:45, typed the Vietnamese way.
        const start = day + DAY + 7.5 * HOUR;
        const end = day + DAY + 11.75 * HOUR;
        await page.fill("#plan-form [name=planned_start]", vn(start).replace(/^0/, "")); // 1/… is read as 01/…
        await page.fill("#plan-form [name=planned_end]", vn(end));
        await shot(page, "36-operations-edit");
        await page.click("#plan-submit");
        await page.waitForFunction((id) => location.hash === `#/operations/${id}?saved=1`, op.id);
        await page.waitForSelector("#op-saved");
        await page.waitForFunction((t) => document.querySelector("#op-title")?.textContent === t, newTitle);
        const meta = await page.textContent("#op-head .meta");
        assert(meta.includes(`${vn(start)} – ${vn(end)}`), `the new times shown: ${meta}`);
        const now = await api("GET", `/operations/${op.id}`, token);
        assertEq(now.title, newTitle, "title saved");
        assertEq(new Date(now.planned_start).getTime(), start, "start saved");
        assertEq(new Date(now.planned_end).getTime(), end, "end saved");
        assertEq(now.version, op.version + 1, "one change");
      } finally {
        await done(ctx);
      }
    },
  },
  {
    name: "operations edit: an edit over a stale copy reloads the form with a message",
    async run() {
      const token = await apiLogin("demo.commander");
      const op = await planOp(token, `Tuần tra sông Hàm Luông đoạn Mỏ Cày ${Date.now()}`, vnDay(45) + 19 * HOUR);
      const ctx = await newPage({ label: "op-edit-stale" });
      const { page } = ctx;
      try {
        await openEdit(page, op.id);
        // Someone else changes the plan meanwhile.
        const theirs = `${op.title} — đổi giờ xuất phát`;
        await api("PATCH", `/operations/${op.id}`, token, { title: theirs });
        await page.fill("#plan-form [name=title]", `${op.title} (của tôi)`);
        await page.click("#plan-submit");
        await page.waitForSelector("#plan-notice");
        assert(/người khác thay đổi/.test(await page.textContent("#plan-notice")), "the reload says why");
        await page.waitForSelector("#plan-form[data-mode=edit]");
        assertEq(await page.inputValue("#plan-form [name=title]"), theirs, "the form shows the plan as it is now");
        await shot(page, "37-operations-edit-stale");
        const now = await api("GET", `/operations/${op.id}`, token);
        assertEq(now.title, theirs, "nothing of the stale edit saved");
      } finally {
        forgive("op-edit-stale", [412]);
        await done(ctx);
      }
    },
  },
  {
    name: "operations edit: a person already on another operation at that time is refused next to the people",
    async run() {
      const token = await apiLogin("demo.commander");
      const people = (await api("GET", "/people?unit_id=1&limit=50", token)).items.filter((p) => !p.is_disabled && p.unit_id === 1);
      const someone = people[people.length - 1];
      assert(someone, "a person of the province police");
      const start = vnDay(50) + 8 * HOUR;
      const busy = await planOp(token, `Chốt kiểm soát bến phà Rạch Miễu ${Date.now()}`, start, { people_ids: [someone.id] });
      const op = await planOp(token, `Tuần tra đê bao Phú Túc ${Date.now()}`, start + HOUR);
      const ctx = await newPage({ label: "op-edit-conflict" });
      const { page } = ctx;
      try {
        await openEdit(page, op.id);
        await page.check(`#people-box input[value="${someone.id}"]`);
        await page.click("#plan-submit");
        const link = page.locator("[data-field=people_ids] .field-error a.conflict-link");
        await link.waitFor();
        assertEq(await link.getAttribute("href"), `#/operations/${busy.id}`, "the other operation linked");
        assertEq(await link.textContent(), busy.title, "the other operation named");
        const now = await api("GET", `/operations/${op.id}`, token);
        assertEq(now.people_ids.length, 0, "nothing saved");
      } finally {
        forgive("op-edit-conflict", [409]);
        await done(ctx);
      }
    },
  },
  {
    name: "operations edit: a viewer is offered no edit, and the edit address refuses",
    async run() {
      const token = await apiLogin("demo.commander");
      const op = await planOp(token, `Tuần tra khu dân cư phường 8 ${Date.now()}`, vnDay(55) + 8 * HOUR);
      const ctx = await newPage({ label: "op-edit-viewer" });
      const { page } = ctx;
      try {
        await gotoLoggedIn(page, "demo.viewer", `#/operations/${op.id}`);
        await page.waitForSelector("#op-title");
        assertEq(await page.locator("#op-edit, [data-write]").count(), 0, "no edit, no write control");
        await page.evaluate((id) => {
          location.hash = `#/operations/${id}/edit`;
        }, op.id);
        await page.waitForSelector("#op-edit-refused");
        assertEq(await page.locator("#plan-form").count(), 0, "no form");
      } finally {
        await done(ctx);
      }
    },
  },
];
