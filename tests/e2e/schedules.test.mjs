// schedules.test.mjs - browser tests of the periodic bulletin schedules (run by
// run.mjs): the Border Guard's administrator creates a daily schedule at 07:00 for a
// border post (a refused deadline first: the server's 422 next to the field), sees it
// in the list and changes it; the post's duty officer sees what the post owes on the
// exchange page; the province police commander (another force) may read it but is
// offered no way to change it, and the server refuses him too.

import { api, apiLogin, assert, assertEq, cspViolations, gotoLoggedIn, newPage, problems, shot, WAIT_MS } from "./lib.mjs";

async function done(ctx) {
  for (const v of await cspViolations(ctx.page).catch(() => [])) problems.csp.push(v);
  await ctx.context.close();
}

function forgive(label, codes) {
  const re = new RegExp(`^${label}: Failed to load resource: the server responded with a status of (${codes.join("|")})`);
  for (let i = problems.console.length - 1; i >= 0; i--) if (re.test(problems.console[i])) problems.console.splice(i, 1);
}

const stamp = () => `${Date.now()}`.slice(-6);

async function go(page, hash) {
  await page.evaluate((x) => {
    location.hash = x;
  }, hash);
}

export const tests = [
  {
    name: "schedules: an administrator creates a daily 07:00 schedule, lists and edits it; another force's commander cannot",
    async run() {
      const bpTok = await apiLogin("demo.bp.duty");
      const post = await api("GET", "/auth/me", bpTok);
      const title = `Báo cáo tình hình ngày đồn biên phòng ${stamp()}`;

      const label = "sched-admin";
      const ctx = await newPage({ label });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.admin.bp", "#/admin/schedules");
      await page.waitForSelector("#schedule-list tbody tr, #schedules .empty");
      assert(await page.isVisible("nav.subnav a[data-sub=schedules][aria-current=page]"), "the schedules tab is current");
      await shot(page, "47-admin-schedules");
      await page.click("#sched-new");
      await page.waitForSelector("#schedule-form [name=title]");
      await page.selectOption("#schedule-form select[name=unit_id]", String(post.unit_id));
      await page.fill("#schedule-form [name=title]", title);
      await page.selectOption("#schedule-form [name=period]", "daily");
      assert(!(await page.isVisible("#schedule-form [data-field=due_day]")), "no due day for a daily schedule");
      await page.fill("#schedule-form [name=due_local]", "07:00");
      await page.check("#schedule-form input[name=to-force][value=police]");
      // Beyond a week: the server's 422 names ack_minutes, shown next to it.
      await page.fill("#schedule-form [name=ack_minutes]", "20000");
      await page.click("#sched-save");
      await page.waitForFunction(() => document.querySelector("#schedule-form [data-field=ack_minutes] .field-error")?.textContent.length > 0, null, { timeout: WAIT_MS });
      assertEq(await page.getAttribute("#schedule-form [name=ack_minutes]", "aria-invalid"), "true", "aria-invalid on the refused field");
      assert((await page.textContent("#schedule-form [data-field=ack_minutes] .field-error")).includes("10080"), "the message says the range");
      await shot(page, "48-admin-schedule-form");
      await page.fill("#schedule-form [name=ack_minutes]", "120");
      await page.click("#sched-save");
      await page.waitForFunction(() => /^#\/admin\/schedules\/\d+$/.test(location.hash), null, { timeout: WAIT_MS });
      const id = Number((await page.evaluate(() => location.hash)).split("/").pop());
      const adminTok = await apiLogin("demo.admin.bp");
      let s = await api("GET", `/bulletin-schedules/${id}`, adminTok);
      assertEq(s.unit_id, post.unit_id, "unit");
      assertEq(s.period, "daily", "period");
      assertEq(s.due_local, "07:00", "due time");
      assertEq(s.ack_minutes, 120, "acknowledgement deadline");
      assertEq(JSON.stringify(s.to.forces), '["police"]', "recipients");

      // Listed (for that unit), with its time.
      await go(page, "#/admin/schedules");
      await page.waitForSelector("#sched-unit-filter option[value='" + post.unit_id + "']", { state: "attached" });
      await page.selectOption("#sched-unit-filter", String(post.unit_id));
      await page.waitForSelector(`#schedule-list tr[data-id='${id}']`);
      const row = await page.textContent(`#schedule-list tr[data-id='${id}']`);
      assert(row.includes(title) && row.includes("07:00") && row.includes("Hằng ngày"), `row: ${row}`);

      // Edited: 07:30, weekly on Mondays.
      await page.click(`#schedule-list tr[data-id='${id}'] a`);
      await page.waitForSelector("#schedule-form [name=due_local]");
      assertEq(await page.inputValue("#schedule-form [name=due_local]"), "07:00", "due time shown");
      await page.fill("#schedule-form [name=due_local]", "07:30");
      await page.selectOption("#schedule-form [name=period]", "weekly");
      await page.waitForSelector("#schedule-form [data-field=due_day] select", { state: "visible" });
      await page.selectOption("#schedule-form [data-field=due_day] select", "1");
      await page.click("#sched-save");
      await page.waitForFunction(() => document.querySelector("#record-version")?.textContent === "Phiên bản 2", null, { timeout: WAIT_MS });
      s = await api("GET", `/bulletin-schedules/${id}`, adminTok);
      assertEq(s.due_local, "07:30", "due time after the edit");
      assertEq(s.period, "weekly", "period after the edit");
      assertEq(s.due_day, 1, "Monday");
      await done(ctx);
      forgive(label, [422]);

      // The post sees what it owes on the exchange page (not overdue: just made).
      const bp = await newPage({ label: "sched-post" });
      await gotoLoggedIn(bp.page, "demo.bp.duty", "#/exchange/bulletins");
      await bp.page.waitForSelector(`#periodic-due li[data-schedule='${id}']`);
      const st = await bp.page.getAttribute(`#periodic-due li[data-schedule='${id}']`, "data-state");
      assert(["due", "next"].includes(st), `state of a new schedule: ${st}`);
      assertEq(await bp.page.locator(`#periodic-due li[data-schedule='${id}'] [data-write]`).count(), 0, "a duty officer may not edit it");
      await shot(bp.page, "26-exchange-periodic-due");
      await done(bp);

      // The province police commander: reads it (it reports to the police), changes nothing.
      const cm = await newPage({ label: "sched-commander" });
      await gotoLoggedIn(cm.page, "demo.commander", `#/exchange/bulletins?schedule=${id}`);
      await cm.page.waitForSelector("#schedule-form");
      assert(await cm.page.isVisible("#sched-read-only"), "read-only notice");
      assertEq(await cm.page.locator("#sched-save").count(), 0, "no save button");
      assertEq(await cm.page.locator("#schedule-form [data-write]").count(), 0, "no write control");
      assert(await cm.page.isDisabled("#schedule-form [name=title]"), "fields disabled");
      // The list: no deactivate button on it either.
      await go(cm.page, "#/exchange/bulletins?schedule=all");
      await cm.page.waitForSelector(`#schedule-list tr[data-id='${id}']`);
      assertEq(await cm.page.locator(`#schedule-list tr[data-id='${id}'] [data-write]`).count(), 0, "no deactivate for the commander");
      assert(!(await cm.page.isVisible("nav.nav a[data-nav=admin]")), "no administration for a commander");
      await done(cm);
      const cmTok = await apiLogin("demo.commander");
      const res = await fetch(`${process.env.E2E_BASE || "http://127.0.0.1:8080"}/api/v1/bulletin-schedules/${id}`, {
        method: "PATCH",
        headers: { Authorization: `Bearer ${cmTok}`, "Content-Type": "application/json", "If-Match": '"2"' },
        body: JSON.stringify({ due_local: "09:00" }),
      });
      assertEq(res.status, 403, "the server refuses the commander");

      // Deactivated from the list by the administrator.
      const again = await newPage({ label: "sched-admin2" });
      await gotoLoggedIn(again.page, "demo.admin.bp", `#/admin/schedules`);
      await again.page.waitForSelector(`#schedule-list tr[data-id='${id}'] [data-toggle]`);
      await again.page.click(`#schedule-list tr[data-id='${id}'] [data-toggle]`);
      await again.page.waitForSelector(`#schedule-list tr.inactive[data-id='${id}']`);
      s = await api("GET", `/bulletin-schedules/${id}`, adminTok);
      assertEq(s.is_active, false, "deactivated");
      await done(again);
      for (const tk of [bpTok, adminTok, cmTok]) await api("POST", "/auth/logout", tk);
    },
  },
];
