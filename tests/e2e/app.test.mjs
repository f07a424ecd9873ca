// app.test.mjs - the web application as people use it, in headless Chromium against a
// server with the demo province (scripts/e2e.sh starts it). Each test opens its own
// browser context (its own storage: another person's browser) and closes it.

import {
  api,
  apiLogin,
  assert,
  assertEq,
  BASE,
  cspViolations,
  gotoLoggedIn,
  newPage,
  problems,
  shot,
  uiLogin,
  WAIT_MS,
} from "./lib.mjs";

const VI_BAD_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng.";
const KB = 1024;
const BUDGET = 300 * KB; // the first-screen budget, transferred bytes

// Close a context after collecting the CSP violations its page saw.
async function done(ctx) {
  for (const v of await cspViolations(ctx.page).catch(() => [])) problems.csp.push(v);
  await ctx.context.close();
}

async function transferred(page) {
  return page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const res = performance.getEntriesByType("resource");
    return {
      total: (nav ? nav.transferSize : 0) + res.reduce((a, r) => a + r.transferSize, 0),
      files: res.length + 1,
      list: res.map((r) => `${r.transferSize}\t${r.name.replace(location.origin, "")}`),
    };
  });
}

// The dashboard has finished loading its panels.
async function dashboardLoaded(page) {
  await page.waitForSelector("#inbox ul, #inbox p");
  await page.waitForSelector("#counts table, #counts p:not(.loading)");
  await page.waitForSelector("#timeliness table, #timeliness p:not(.loading)");
}

export const tests = [
  {
    name: "login: wrong password in Vietnamese next to the field, then the dashboard",
    async run() {
      const ctx = await newPage({ label: "login" });
      const { page } = ctx;
      await page.goto(`${BASE}/`);
      await page.waitForSelector("#username");
      assertEq(await page.getAttribute("html", "lang"), "vi", "html lang");
      await shot(page, "01-login");
      // Nothing typed: each field says what it needs.
      await page.click("form.login-form button[type=submit]");
      assertEq(await page.textContent("#username-error"), "Nhập tên đăng nhập.", "empty username");
      assertEq(await page.textContent("#password-error"), "Nhập mật khẩu.", "empty password");
      await uiLogin(page, "demo.duty", "sai-mat-khau-123");
      await page.waitForFunction((want) => document.querySelector("#password-error")?.textContent === want, VI_BAD_LOGIN);
      assertEq(await page.getAttribute("#password", "aria-invalid"), "true", "password aria-invalid");
      assertEq(await page.textContent("#username-error"), "", "no username error");
      await shot(page, "02-login-error");
      await uiLogin(page, "demo.duty");
      await page.waitForFunction(() => location.hash === "#/dashboard");
      // The login page's heading stays until the dashboard's module has rendered.
      await page.waitForFunction(() => document.querySelector("main h1")?.textContent === "Tổng quan");
      assertEq(await page.textContent("main h1"), "Tổng quan", "dashboard title");
      await done(ctx);
    },
  },
  {
    name: "first screen under 300 KB (login), and the dashboard after it",
    async run() {
      const ctx = await newPage({ label: "size" });
      const { page } = ctx;
      await page.goto(`${BASE}/`);
      await page.waitForSelector("#username");
      await page.waitForLoadState("networkidle", { timeout: WAIT_MS });
      const login = await transferred(page);
      console.log(`    first screen (login): ${login.total} bytes in ${login.files} files`);
      assert(login.total > 0, "resource timing reported nothing");
      assert(login.total < BUDGET, `login screen transferred ${login.total} bytes:\n${login.list.join("\n")}`);
      // Compressed: the app's own JavaScript came gzip- or brotli-encoded.
      const enc = await page.evaluate(async () => {
        const e = performance.getEntriesByType("resource").find((r) => r.name.endsWith("/js/app.js"));
        return e ? [e.encodedBodySize, e.decodedBodySize] : null;
      });
      assert(enc && enc[0] < enc[1], `app.js not compressed: ${JSON.stringify(enc)}`);
      await uiLogin(page, "demo.duty");
      await page.waitForFunction(() => location.hash === "#/dashboard");
      await dashboardLoaded(page);
      await page.waitForLoadState("networkidle", { timeout: WAIT_MS }).catch(() => {});
      const dash = await transferred(page);
      console.log(`    login + dashboard (duty officer, district): ${dash.total} bytes in ${dash.files} files`);
      assert(dash.total < BUDGET, `dashboard transferred ${dash.total} bytes:\n${dash.list.join("\n")}`);
      // A second load revalidates only index.html; the assets come from the cache.
      await page.reload();
      await dashboardLoaded(page);
      const again = await page.evaluate(() => performance.getEntriesByType("resource").filter((r) => r.name.includes("/assets/") && r.transferSize > 0).map((r) => r.name));
      assertEq(again.length, 0, `assets fetched again on reload: ${again.join(", ")}`);
      await done(ctx);

      // A province commander sees the whole province: the counts come from
      // GET /stats/incidents (three small aggregates, not the incidents themselves)
      // and the API's JSON is gzip-compressed, so this first screen is within the
      // budget too.
      const cmd = await newPage({ label: "size-commander" });
      await gotoLoggedIn(cmd.page, "demo.commander");
      await dashboardLoaded(cmd.page);
      await cmd.page.waitForLoadState("networkidle", { timeout: WAIT_MS }).catch(() => {});
      const all = await transferred(cmd.page);
      const assets = await cmd.page.evaluate(() => {
        const nav = performance.getEntriesByType("navigation")[0];
        return performance.getEntriesByType("resource").filter((r) => !r.name.includes("/api/")).reduce((a, r) => a + r.transferSize, nav.transferSize);
      });
      console.log(`    login + dashboard (commander, province): ${all.total} bytes, of which ${assets} the application's files`);
      assert(assets < BUDGET, `the application's files: ${assets} bytes`);
      assert(all.total < BUDGET, `commander's dashboard transferred ${all.total} bytes:\n${all.list.join("\n")}`);
      const gz = await cmd.page.evaluate(() =>
        performance.getEntriesByType("resource").filter((r) => r.name.includes("/api/v1/") && r.decodedBodySize > 2048 && r.encodedBodySize >= r.decodedBodySize).map((r) => r.name),
      );
      assertEq(gz.length, 0, `API answers not compressed: ${gz.join(", ")}`);
      await done(cmd);
    },
  },
  {
    name: "session expiry: revoked token goes to login, then back to the page",
    async run() {
      const ctx = await newPage({ label: "expiry" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.duty");
      await page.evaluate(() => {
        location.hash = "#/map";
      });
      await page.waitForFunction(() => document.querySelector("main h1")?.textContent === "Bản đồ");
      const token = await page.evaluate(() => sessionStorage.getItem("phoihop.token"));
      assert(token && token.startsWith("ph_"), "no token in sessionStorage");
      await api("POST", "/auth/logout", token); // revoked elsewhere
      await page.evaluate(() => {
        location.hash = "#/exchange";
      });
      // The session is checked again behind the page: allow a loaded machine its time.
      await page.waitForSelector("#login-expired", { timeout: 30000 });
      const hash = await page.evaluate(() => location.hash);
      assert(hash.startsWith("#/login?next=%2Fexchange"), `login hash ${hash}`);
      assertEq(await page.evaluate(() => sessionStorage.getItem("phoihop.token")), null, "token forgotten");
      await shot(page, "03-session-expired");
      await uiLogin(page, "demo.duty");
      await page.waitForFunction(() => location.hash === "#/exchange");
      await page.waitForFunction(() => document.querySelector("main h1")?.textContent === "Trao đổi");
      await done(ctx);
    },
  },
  {
    name: "language: Vietnamese to English, kept after reload",
    async run() {
      const ctx = await newPage({ label: "lang" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.duty");
      assertEq(await page.textContent("[data-nav=dashboard]"), "Tổng quan", "nav in Vietnamese");
      assertEq(await page.textContent("#lang-switch"), "English", "switch label");
      await page.click("#lang-switch");
      await page.waitForFunction(() => document.querySelector("[data-nav=dashboard]")?.textContent === "Overview");
      // The page re-renders after the nav (its data may still be loading): wait, bounded.
      await page.waitForFunction(() => document.querySelector("main h1")?.textContent === "Overview");
      assertEq(await page.getAttribute("html", "lang"), "en", "html lang");
      await page.reload();
      await page.waitForSelector("[data-nav=dashboard]");
      assertEq(await page.textContent("[data-nav=dashboard]"), "Overview", "English after reload");
      assertEq(await page.textContent("#lang-switch"), "Tiếng Việt", "switch back label");
      await dashboardLoaded(page);
      await shot(page, "05-dashboard-en");
      await page.click("#lang-switch");
      await page.waitForFunction(() => document.querySelector("[data-nav=dashboard]")?.textContent === "Tổng quan");
      await done(ctx);
    },
  },
  {
    name: "live feed: an incident filed by another force's officer appears without reload",
    async run() {
      const ctx = await newPage({ label: "live" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.duty");
      await page.waitForSelector(".live-online");
      await page.evaluate(() => {
        window.__sameDocument = true;
      });
      // An area of demo.duty's unit, so that routing makes that unit (or one below
      // it) the lead: the incident is theirs to see.
      const dutyToken = await apiLogin("demo.duty");
      const me = await api("GET", "/auth/me", dutyToken);
      const unit = await api("GET", `/units/${me.unit_id}`, dutyToken);
      assert(unit.area_ids && unit.area_ids.length, "demo.duty's unit has no area");
      const bp = await apiLogin("demo.bp.duty");
      const title = `Tụ tập gây rối trật tự công cộng ${Date.now()}`;
      const inc = await api("POST", "/incidents", bp, {
        category: "public_order",
        severity: 3,
        title,
        occurred_at: new Date(Date.now() - 120000).toISOString(),
        area_id: unit.area_ids[0],
      });
      await page.waitForFunction(
        (want) => [...document.querySelectorAll("#feed li[data-topic='incident.created']")].some((li) => li.textContent.includes(want)),
        title,
        { timeout: WAIT_MS },
      );
      assert(await page.evaluate(() => window.__sameDocument === true), "the page was reloaded");
      // The inbox follows: the new incident awaits the unit's receipt.
      await page.waitForFunction((ref) => document.querySelector("#inbox")?.textContent.includes(ref), inc.ref, { timeout: WAIT_MS });
      await shot(page, "04-dashboard");
      await api("POST", "/auth/logout", dutyToken);
      await api("POST", "/auth/logout", bp);
      await done(ctx);
    },
  },
  {
    name: "phone: the navigation fits and works on a 390 px screen",
    async run() {
      const ctx = await newPage({
        label: "phone",
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.duty");
      await page.waitForSelector("nav.nav");
      const nav = await page.evaluate(() => {
        const n = document.querySelector("nav.nav").getBoundingClientRect();
        const first = document.querySelector("[data-nav=dashboard]").getBoundingClientRect();
        return {
          navWidth: n.width,
          navTop: n.top,
          links: document.querySelectorAll("nav.nav a").length,
          firstVisible: first.width > 0 && first.right <= window.innerWidth,
          pageWidth: document.documentElement.scrollWidth,
        };
      });
      assert(nav.links >= 5, `nav has ${nav.links} links`);
      assert(nav.navWidth <= 390 && nav.firstVisible, `nav does not fit: ${JSON.stringify(nav)}`);
      assert(nav.navTop < 844, "nav below the first screen");
      assert(nav.pageWidth <= 390, `page scrolls sideways: ${nav.pageWidth}px`);
      await dashboardLoaded(page);
      await shot(page, "06-dashboard-phone");
      await page.tap("[data-nav=map]");
      await page.waitForFunction(() => location.hash === "#/map");
      await page.waitForFunction(() => document.querySelector("main h1")?.textContent === "Bản đồ");
      await done(ctx);
    },
  },
  {
    name: "viewer sees no write buttons; duty officer and admin see theirs",
    async run() {
      const viewer = await newPage({ label: "viewer" });
      await gotoLoggedIn(viewer.page, "demo.viewer");
      await dashboardLoaded(viewer.page);
      const v = await viewer.page.evaluate(() => ({
        writes: [...document.querySelectorAll("[data-write]")].map((e) => e.textContent),
        report: [...document.querySelectorAll("a, button")].filter((e) => e.textContent.includes("Báo cáo vụ việc")).length,
        admin: document.querySelectorAll("[data-nav=admin]").length,
      }));
      assertEq(v.writes.length, 0, `viewer's write controls (${v.writes.join(", ")})`);
      assertEq(v.report, 0, "viewer's report button");
      assertEq(v.admin, 0, "viewer's admin link");
      await shot(viewer.page, "07-dashboard-viewer");
      await done(viewer);

      const duty = await newPage({ label: "duty" });
      await gotoLoggedIn(duty.page, "demo.duty");
      await dashboardLoaded(duty.page);
      assert((await duty.page.locator("[data-write='incident.create']").count()) === 1, "duty officer has no report button");
      assertEq(await duty.page.locator("[data-nav=admin]").count(), 0, "duty officer's admin link");
      await done(duty);

      const admin = await newPage({ label: "admin" });
      await gotoLoggedIn(admin.page, "demo.admin.ca");
      assertEq(await admin.page.locator("[data-nav=admin]").count(), 1, "admin link");
      await admin.page.click("[data-nav=admin]");
      await admin.page.waitForFunction(() => document.querySelector("main h1")?.textContent === "Quản trị");
      await done(admin);
    },
  },
  {
    name: "every page renders (screenshots when asked)",
    async run() {
      const ctx = await newPage({ label: "pages" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.admin.ca");
      const pages = [
        ["map", "Bản đồ"],
        ["incidents", "Vụ việc"],
        ["exchange", "Trao đổi"],
        ["operations", "Tuần tra, kiểm soát"],
        ["admin", "Quản trị"],
      ];
      let i = 8;
      for (const [name, title] of pages) {
        await page.evaluate((n) => {
          location.hash = `#/${n}`;
        }, name);
        await page.waitForFunction((want) => document.querySelector("main h1")?.textContent === want, title);
        // Built pages load behind their title; give them a moment before the picture.
        await page.waitForLoadState("networkidle", { timeout: WAIT_MS }).catch(() => {});
        await shot(page, `${String(i++).padStart(2, "0")}-${name}`);
      }
      await done(ctx);
    },
  },
  {
    name: "no CSP violations, script errors or console errors on any page",
    async run() {
      assertEq(problems.csp.length, 0, `CSP violations:\n${problems.csp.join("\n")}`);
      assertEq(problems.errors.length, 0, `script errors:\n${problems.errors.join("\n")}`);
      assertEq(problems.console.length, 0, `console errors:\n${problems.console.join("\n")}`);
    },
  },
];
