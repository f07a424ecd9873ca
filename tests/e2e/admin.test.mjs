// admin.test.mjs - browser tests of the administration page (run by run.mjs): an
// administrator changes a routing rule's deadline and sees the new version; a
// category with a bad code is refused next to the field, then added and
// deactivated; the units, people and areas pages render. And a viewer is offered no
// write control on the exchange, operations pages, nor the administration at all.

import { api, apiLogin, assert, assertEq, cspViolations, gotoLoggedIn, newPage, problems, shot, WAIT_MS } from "./lib.mjs";

async function done(ctx) {
  for (const v of await cspViolations(ctx.page).catch(() => [])) problems.csp.push(v);
  await ctx.context.close();
}

// The refusals a test provokes on purpose (422, 412) show in the console as failed
// loads: forgiven for that page only, so that the final check still sees any other.
function forgive(label, codes) {
  const re = new RegExp(`^${label}: Failed to load resource: the server responded with a status of (${codes.join("|")})`);
  for (let i = problems.console.length - 1; i >= 0; i--) if (re.test(problems.console[i])) problems.console.splice(i, 1);
}

async function go(page, hash) {
  await page.evaluate((x) => {
    location.hash = x;
  }, hash);
}

export const tests = [
  {
    name: "admin: a routing rule's deadline is changed, and the new version shown",
    async run() {
      const ctx = await newPage({ label: "admin-rules" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.admin.ca", "#/admin/rules");
      await page.waitForSelector("#rule-list tbody tr");
      assert((await page.textContent("#rules-note")).includes("vụ việc tạo sau"), "the note on new incidents");
      await shot(page, "40-admin-rules");
      const tk = await apiLogin("demo.admin.ca");
      const before = await api("GET", "/routing-rules/3", tk);
      await page.click("#rule-list tr[data-id='3'] a");
      await page.waitForSelector("#rule-form [name=ack_deadline_min]");
      assertEq(await page.textContent("#record-version"), `Phiên bản ${before.version}`, "version before");
      const want = before.ack_deadline_min === 45 ? 40 : 45;
      await page.fill("#rule-form [name=ack_deadline_min]", String(want));
      await page.click("#rule-form button[type=submit]");
      await page.waitForFunction((v) => document.querySelector("#record-version")?.textContent === `Phiên bản ${v}`, before.version + 1, { timeout: WAIT_MS });
      const after = await api("GET", "/routing-rules/3", tk);
      assertEq(after.ack_deadline_min, want, "deadline on the server");
      assertEq(after.version, before.version + 1, "version on the server");
      // Out of range: the server's 422 next to the field.
      await page.fill("#rule-form [name=ack_deadline_min]", "99999");
      await page.click("#rule-form button[type=submit]");
      await page.waitForFunction(() => document.querySelector("[data-field=ack_deadline_min] .field-error")?.textContent.length > 0);
      assertEq(await page.getAttribute("#rule-form [name=ack_deadline_min]", "aria-invalid"), "true", "aria-invalid");
      await shot(page, "41-admin-rule-edit");
      // Someone else changed it meanwhile: 412, said so.
      await api("PATCH", "/routing-rules/3", tk, { ack_deadline_min: 30 });
      await page.fill("#rule-form [name=ack_deadline_min]", "35");
      await page.click("#rule-form button[type=submit]");
      await page.waitForFunction(() => document.querySelector("#rule-form .form-error")?.textContent.includes("người khác"));
      await api("POST", "/auth/logout", tk);
      await done(ctx);
      forgive("admin-rules", [412, 422]);
    },
  },
  {
    name: "admin: categories (a bad code refused next to the field, added, deactivated); units, people, areas",
    async run() {
      const ctx = await newPage({ label: "admin-pages" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.admin.ca", "#/admin/categories");
      await page.waitForSelector("#category-list tbody tr");
      const code = `e2e_${Date.now().toString(36)}`;
      await page.fill("#category-form [name=code]", "Sai Mã!");
      await page.fill("#category-form [name=name_vi]", "cướp biển");
      await page.fill("#category-form [name=name_en]", "Piracy");
      await page.click("#category-form button[type=submit]");
      await page.waitForFunction(() => document.querySelector("#category-form [data-field=code] .field-error")?.textContent.length > 0);
      await page.fill("#category-form [name=code]", code);
      await page.click("#category-form button[type=submit]");
      const row = page.locator(`#category-list tr[data-code='${code}']`);
      await row.waitFor();
      await row.locator("button").click();
      await page.waitForFunction((c) => document.querySelector(`#category-list tr[data-code='${c}']`)?.classList.contains("inactive"), code, { timeout: WAIT_MS });
      await shot(page, "42-admin-categories");

      await go(page, "#/admin");
      await page.waitForSelector("#unit-tree li");
      await shot(page, "43-admin-units");
      await page.click("#unit-tree li[data-id='2'] a");
      await page.waitForSelector(".admin-form [name=name]");
      assertEq(await page.inputValue(".admin-form [name=name]"), "Công an thành phố Bến Tre", "unit form");

      await go(page, "#/admin/people?q=bui%20hoang");
      await page.waitForSelector("#people-list tbody tr");
      assert((await page.textContent("#people-list")).includes("Bùi Hoàng Bình"), "search without diacritics");
      await shot(page, "44-admin-people");
      await page.click("#people-list tbody tr a");
      await page.waitForSelector("#reset-form");

      await go(page, "#/admin/areas/3");
      await page.waitForSelector("#area-name");
      await page.waitForSelector("#area-map[data-ready='1']");
      await shot(page, "45-admin-areas");
      await done(ctx);
      forgive("admin-pages", [422]);
    },
  },
  {
    name: "admin: a viewer sees no write controls on exchange and operations, and no administration",
    async run() {
      const ctx = await newPage({ label: "viewer-pages" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.viewer", "#/exchange");
      await page.waitForSelector("#exchange-inbox ul, #exchange-inbox p:not(.loading)");
      assertEq(await page.locator("[data-nav=admin]").count(), 0, "admin in the viewer's nav");
      assertEq(await page.locator("[data-sub=compose]").count(), 0, "compose link");
      const tk = await apiLogin("demo.viewer");
      const ops = await api("GET", "/operations?status=active&limit=1", tk);
      const pages = [
        ["#/exchange", "#exchange-inbox ul, #exchange-inbox p:not(.loading)"],
        ["#/exchange/bulletins", "#bulletin-list tbody tr"],
        ["#/exchange/compose", "#exchange-inbox"],
        ["#/exchange/messages", "#messages li"],
        ["#/exchange/drafts", "#drafts ul, #drafts p:not(.loading)"],
        ["#/operations", "#operation-list tbody tr"],
        ["#/operations/new", "#operation-list"],
        ["#/operations/calendar", "#calendar .cal-day"],
      ];
      if (ops.items.length) pages.push([`#/operations/${ops.items[0].id}`, "#op-log ol, #op-log p:not(.loading)"]);
      for (const [hash, sel] of pages) {
        await go(page, hash);
        await page.waitForSelector(sel);
        await page.waitForTimeout(200);
        const writes = await page.evaluate(() => [...document.querySelectorAll("[data-write]")].map((e) => e.textContent));
        assertEq(writes.length, 0, `${hash}: write controls (${writes.join(", ")})`);
        assertEq(await page.locator("#message-form, #compose-form, #plan-form, #log-form").count(), 0, `${hash}: a form`);
      }
      await shot(page, "46-operations-viewer");
      await go(page, "#/admin");
      await page.waitForFunction(() => document.querySelector("main h1")?.textContent === "Không có trang này.");
      await api("POST", "/auth/logout", tk);
      await done(ctx);
    },
  },
];
