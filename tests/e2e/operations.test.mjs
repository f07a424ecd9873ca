// operations.test.mjs - browser tests of the operations page (run by run.mjs): a
// coordinator plans a joint operation by drawing its route on the map and choosing
// units of two forces, finds it in the list with the joint badge, starts it and
// adds a results log entry; the calendar.

import { api, apiLogin, assert, assertEq, cspViolations, gotoLoggedIn, newPage, problems, shot, WAIT_MS } from "./lib.mjs";

async function done(ctx) {
  for (const v of await cspViolations(ctx.page).catch(() => [])) problems.csp.push(v);
  await ctx.context.close();
}

async function go(page, hash, h1) {
  await page.evaluate((x) => {
    location.hash = x;
  }, hash);
  if (h1) await page.waitForFunction((want) => document.querySelector("main h1")?.textContent === want, h1);
}

let planned = null; // {id, title}: the operation the first test plans

export const tests = [
  {
    name: "operations: plan a joint operation by drawing its route on the map (coordinator)",
    async run() {
      const ctx = await newPage({ label: "ops-plan" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.coordinator", "#/operations");
      await page.waitForSelector("#operation-list tbody tr");
      await shot(page, "30-operations-list");
      await page.click("[data-sub=new]");
      await page.waitForSelector("#plan-map[data-ready='1']");
      await page.locator("#plan-map").scrollIntoViewIfNeeded();
      const title = `Tuần tra phối hợp tuyến đê biển Ba Tri ${Date.now()}`;
      await page.fill("#plan-form [name=title]", title);
      // Start an hour ago, so that the operation can start now (the form's default is ahead).
      const local = (ms) => new Date(ms + 7 * 3600000).toISOString().slice(0, 16);
      await page.fill("#plan-form [name=planned_start]", local(Date.now() - 3600000));
      await page.fill("#plan-form [name=planned_end]", local(Date.now() + 3 * 3600000));
      // Three clicks on the map, then "Finish".
      const box = await page.locator("#plan-map").boundingBox();
      for (const [fx, fy] of [[0.35, 0.4], [0.5, 0.5], [0.62, 0.45]]) {
        await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
        await page.waitForTimeout(350); // not a double click
      }
      assertEq(await page.locator("#plan-map .draw-vertex").count(), 3, "vertices drawn");
      await page.click("#draw-undo");
      assertEq(await page.locator("#plan-map .draw-vertex").count(), 2, "vertices after undo");
      await page.mouse.click(box.x + box.width * 0.62, box.y + box.height * 0.45);
      await page.waitForTimeout(350);
      await page.click("#draw-finish");
      await page.waitForFunction(() => /\(3/.test(document.querySelector(".draw-status")?.textContent || ""));
      const coords = await page.inputValue("#draw-coords");
      assertEq(coords.split("\n").length, 3, "coordinates listed");
      // A unit of another force: the police of Ba Tri district.
      await page.fill(".unit-picker .picker-filter", "cong an huyen ba tri");
      const li = page.locator(".unit-picker li[data-force=police]:not([hidden])").first();
      await li.locator("input").check();
      await page.waitForSelector("#joint-note .badge-joint");
      await page.fill(".unit-picker .picker-filter", "");
      await shot(page, "31-operations-plan");
      await page.click("#plan-submit");
      await page.waitForFunction(() => /^#\/operations\/\d+$/.test(location.hash), null, { timeout: WAIT_MS });
      const id = Number((await page.evaluate(() => location.hash)).split("/").pop());
      await page.waitForSelector("#op-title");
      assertEq(await page.textContent("#op-title"), title, "detail title");
      assert(await page.locator("#op-head .badge-joint").count(), "no joint badge on the detail page");
      planned = { id, title };

      // The list shows it with the joint badge.
      await go(page, "#/operations?joint=true", "Tuần tra, kiểm soát");
      const row = page.locator(`#operation-list tr[data-id='${id}']`);
      await row.waitFor();
      assert((await row.textContent()).includes(title), "list row title");
      assert(await row.locator(".badge-joint").count(), "no joint badge in the list");

      // The server has the route as drawn and both forces.
      const tk = await apiLogin("demo.coordinator");
      const op = await api("GET", `/operations/${id}`, tk);
      assertEq(op.geometry.type, "LineString", "geometry type");
      assertEq(op.geometry.coordinates.length, 3, "route vertices");
      assert(op.is_joint, "not joint on the server");
      await api("POST", "/auth/logout", tk);
      await done(ctx);
    },
  },
  {
    name: "operations: start the operation and add a results log entry",
    async run() {
      if (!planned) {
        // Run alone (a name filter): plan one through the API.
        const tk = await apiLogin("demo.coordinator");
        const now = Date.now();
        const op = await api("POST", "/operations", tk, {
          kind: "patrol",
          domain: "land",
          title: `Tuần tra phối hợp ${now}`,
          geometry: { type: "LineString", coordinates: [[106.5, 10.1], [106.55, 10.12], [106.6, 10.1]] },
          planned_start: new Date(now - 3600000).toISOString(),
          planned_end: new Date(now + 3 * 3600000).toISOString(),
          unit_ids: [2],
        });
        planned = { id: op.id, title: op.title };
      }
      const ctx = await newPage({ label: "ops-log" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.coordinator", `#/operations/${planned.id}`);
      await page.waitForSelector("#op-actions [data-action=active]");
      await page.click("#op-actions [data-action=active]");
      await page.waitForSelector("#op-head .op-active");
      await page.waitForSelector("#log-add");
      await page.click("#log-add");
      await page.waitForSelector("#log-form");
      await page.fill("#log-form [name=text]", "Kiểm tra 02 xe máy, 03 người tại chốt đê biển; không phát hiện vi phạm.");
      await page.fill("#log-form [name=people_checked]", "3");
      await page.fill("#log-form [name=vehicles_checked]", "2");
      // Place the entry on the map.
      await page.waitForSelector("#op-map[data-ready='1']");
      await page.locator("#op-map").scrollIntoViewIfNeeded();
      const box = await page.locator("#op-map").boundingBox();
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForFunction(() => /\d/.test(document.querySelector("#log-loc")?.textContent || ""));
      await page.click("#log-form button[type=submit]");
      await page.waitForSelector("#op-log li");
      assert((await page.textContent("#op-log")).includes("Kiểm tra 02 xe máy"), "log entry listed");
      await page.waitForFunction(() => document.querySelector("#op-summary .figure:nth-child(3) .fig-v")?.textContent === "3");
      await shot(page, "32-operations-detail");
      await done(ctx);
    },
  },
  {
    name: "operations: the live view follows the positions of the people assigned",
    async run() {
      const tk = await apiLogin("demo.bp.duty");
      const me = await api("GET", "/auth/me", tk);
      const now = Date.now();
      const op = await api("POST", "/operations", tk, {
        kind: "patrol",
        domain: "sea",
        title: `Tuần tra vùng biển Thới Khánh ${now}`,
        geometry: { type: "LineString", coordinates: [[106.6, 9.95], [106.68, 9.93]] },
        planned_start: new Date(now - 1800000).toISOString(),
        planned_end: new Date(now + 3 * 3600000).toISOString(),
        unit_ids: [2],
        people_ids: [me.id],
      });
      await api("POST", `/operations/${op.id}/status`, tk, { status: "active" });
      const ctx = await newPage({ label: "ops-live" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.bp.duty", `#/operations/${op.id}`);
      await page.waitForSelector("#op-map[data-ready='1']");
      await page.waitForSelector(".op-live .live-online");
      const uid = `E2E-BP-${now}`;
      await api("POST", "/positions", tk, { positions: [{ uid, callsign: "Tàu BP tuần tra", time: new Date().toISOString(), lat: 9.945, lon: 106.62 }] });
      await page.waitForFunction(() => document.querySelector("#track-legend")?.textContent.includes("Tàu BP tuần tra"), null, { timeout: WAIT_MS });
      assert(await page.locator("#op-map .track-head").count(), "no live position marker");
      await shot(page, "33-operations-live");
      await api("POST", "/auth/logout", tk);
      await done(ctx);
    },
  },
  {
    name: "operations: the calendar shows the month and the week",
    async run() {
      const ctx = await newPage({ label: "ops-cal" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.coordinator", "#/operations/calendar");
      await page.waitForSelector("#calendar .cal-day");
      const days = await page.locator("#calendar .cal-day").count();
      assert(days >= 28 && days % 7 === 0, `month grid of ${days} days`);
      assert(await page.locator("#calendar .cal-op").count(), "no operation in this month's calendar");
      await shot(page, "34-operations-calendar");
      await go(page, "#/operations/calendar?view=week");
      await page.waitForFunction(() => document.querySelectorAll("#calendar.cal-week .cal-day").length === 7);
      await done(ctx);
    },
  },
  {
    name: "operations: on a phone, the plan's map and list fit the screen",
    async run() {
      const ctx = await newPage({ label: "ops-phone", viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.duty", "#/operations/new");
      await page.waitForSelector("#plan-map[data-ready='1']");
      const w = await page.evaluate(() => document.documentElement.scrollWidth);
      assert(w <= 390, `page scrolls sideways: ${w}px`);
      await shot(page, "35-operations-plan-phone");
      await done(ctx);
    },
  },
];

