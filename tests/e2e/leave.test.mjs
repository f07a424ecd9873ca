// leave.test.mjs - leaving a page while its requests are still on the way. Every API
// answer is held back a while (a slow server, a loaded machine), and each page is left
// at several moments of its loading: what a page cancels when it is left (its
// AbortController) must end quietly, never as an uncaught error or an unhandled
// rejection ("signal is aborted without reason" once failed the CSP check's run).

import { assertEq, gotoLoggedIn, newPage, problems, WAIT_MS } from "./lib.mjs";

const HOLD_MS = 400; // each API answer waits this long
const LEAVE_AFTER_MS = [0, 80, 300, 900]; // when the page is left
const PAGES = ["map", "incidents", "incidents/new", "exchange", "operations", "hotspots", "admin", "dashboard"];
const HS_LAYERS = ["#layer-hs-gistar", "#layer-hs-density", "#layer-hs-records"];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function go(page, hash) {
  await page.evaluate((h) => {
    location.hash = h;
  }, hash);
}

// Hold back every API answer (the live feed's too: leaving must not wait for it).
// Resolves to the function that lets them through again.
async function holdApi(page) {
  const match = (url) => url.pathname.startsWith("/api/v1/");
  const hold = async (route) => {
    await sleep(HOLD_MS);
    // The page may have cancelled the request meanwhile, or the context closed.
    await route.continue().catch(() => {});
  };
  await page.route(match, hold);
  return () => page.unroute(match, hold);
}

export const tests = [
  {
    name: "leaving every page while its requests are on the way: no uncaught errors",
    async run() {
      const label = "leave";
      const before = problems.errors.length;
      const ctx = await newPage({ label });
      const { page } = ctx;
      try {
        await gotoLoggedIn(page, "demo.admin.ca");
        const release = await holdApi(page);
        for (const ms of LEAVE_AFTER_MS) {
          for (const p of PAGES) {
            await go(page, `#/${p}`);
            if (ms) await page.waitForTimeout(ms);
          }
        }
        // The map once loaded, its hot-spot layers switched on and the page left
        // while they load (their own AbortControllers).
        await go(page, "#/map");
        await page.waitForSelector("#map[data-ready]", { timeout: 4 * WAIT_MS });
        for (const sel of HS_LAYERS) await page.check(sel);
        await page.waitForTimeout(HOLD_MS / 2);
        await go(page, "#/dashboard");
        // Let every held answer arrive (or be dropped) before counting.
        await page.waitForTimeout(3 * HOLD_MS);
        await release();
        await page.waitForFunction(() => document.querySelector("main h1")?.textContent === "Tổng quan");
        await page.waitForTimeout(HOLD_MS);
      } finally {
        await ctx.context.close();
      }
      const mine = problems.errors.slice(before).filter((e) => e.startsWith(`${label}:`));
      assertEq(mine.length, 0, `script errors while leaving pages:\n${mine.join("\n")}`);
    },
  },
];
