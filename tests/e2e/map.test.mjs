// map.test.mjs - browser tests of the map page (run by run.mjs): the base drawn from
// the areas with nothing fetched from outside the server, an incident filed elsewhere
// appearing live with its details, an active operation and a live position with
// theirs, and the phone layout (the map fills the screen, the filters fold away).

import { api, apiLogin, assert, assertEq, BASE, cspViolations, gotoLoggedIn, newPage, problems, shot, WAIT_MS } from "./lib.mjs";

async function done(ctx) {
  for (const v of await cspViolations(ctx.page).catch(() => [])) problems.csp.push(v);
  await ctx.context.close();
}

// Every request the page makes must go to the server itself.
function recordOutside(page) {
  const outside = [];
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(BASE) && !u.startsWith("data:") && !u.startsWith("blob:")) outside.push(u);
  });
  return outside;
}

async function openMap(page, user) {
  await gotoLoggedIn(page, user, "#/map");
  await page.waitForSelector("#map[data-ready]", { timeout: 20000 });
}

function isoAgo(ms) {
  return new Date(Date.now() - ms).toISOString();
}

// Click the marker with this title; clusters on the way are opened (zoomed into) first.
async function clickMarker(page, title) {
  const sel = `.leaflet-marker-icon[title="${title.replace(/"/g, '\\"')}"]`;
  for (let i = 0; i < 6; i++) {
    if (await page.$(sel)) break;
    const cluster = await page.$(".marker-cluster");
    if (!cluster) break;
    await cluster.click();
    await page.waitForTimeout(600);
  }
  await page.waitForSelector(sel, { timeout: WAIT_MS });
  await page.click(sel);
  await page.waitForSelector(".leaflet-popup-content");
}

export const tests = [
  {
    name: "map: area boundaries with no internet, an incident appears live and shows its details",
    async run() {
      const ctx = await newPage({ label: "map" });
      const { page } = ctx;
      const outside = recordOutside(page);
      await openMap(page, "demo.commander");
      assertEq(await page.textContent("main h1"), "Bản đồ", "map title");
      // The base: communes, the sea and the lines between them, with labels.
      const communes = await page.$$eval(".leaflet-ph-communes-pane path", (l) => l.length);
      assert(communes >= 10, `only ${communes} communes drawn`);
      assert((await page.$$(".leaflet-ph-sea-pane path")).length >= 1, "no sea drawn");
      assert((await page.$$(".map-label")).length >= 1, "no area labels");
      // The demo's incidents of the last 30 days, clustered.
      const incs = await page.$$eval(".inc-icon, .marker-cluster", (l) => l.length);
      assert(incs > 0, "no incident markers");
      assert(/vụ việc trên bản đồ/.test(await page.textContent("#map-status")), "status line");
      // Hot spots: offered, off by default (hotspots.test.mjs switches them on).
      assert(!(await page.isChecked("#layer-hs-gistar")), "hot spots layer on by default");
      await shot(page, "40-map");

      // Only today's fires: then a fire reported elsewhere appears without reload.
      await page.selectOption("#map-period", "today");
      await page.selectOption("#map-category", "fire_explosion");
      await page.waitForFunction(() => /vụ việc trên bản đồ/.test(document.querySelector("#map-status").textContent));
      const duty = await apiLogin("demo.duty");
      const title = `Cháy kho hàng e2e bản đồ ${Date.now()}`;
      const inc = await api("POST", "/incidents", duty, {
        category: "fire_explosion",
        severity: 4,
        title,
        occurred_at: isoAgo(5 * 60 * 1000),
        location: { lat: 10.2415, lon: 106.3759 },
      });
      await clickMarker(page, `${inc.ref} — ${title}`);
      const popup = await page.textContent(".leaflet-popup-content");
      for (const want of [inc.ref, title, "Cháy nổ", "Rất nghiêm trọng", "Thời điểm xảy ra"])
        assert(popup.includes(want), `popup lacks "${want}": ${popup}`);
      await shot(page, "41-map-incident");
      await page.click(`.leaflet-popup-content a[href="#/incidents/${inc.id}"]`);
      await page.waitForFunction((id) => location.hash === `#/incidents/${id}`, inc.id);
      assertEq(outside.length, 0, `requests outside the server: ${outside.join(", ")}`);
      await done(ctx);
    },
  },
  {
    name: "map: an active operation and a live position, with their details",
    async run() {
      const duty = await apiLogin("demo.duty");
      const w = Date.now();
      const opTitle = `Tuần tra e2e bản đồ ${w}`;
      const op = await api("POST", "/operations", duty, {
        kind: "patrol",
        domain: "land",
        title: opTitle,
        geometry: { type: "LineString", coordinates: [[106.3, 10.16], [106.42, 10.24]] },
        planned_start: isoAgo(10 * 60 * 1000),
        planned_end: new Date(Date.now() + 3 * 3600 * 1000).toISOString(),
      });
      await api("POST", `/operations/${op.id}/status`, duty, { status: "active" });

      const ctx = await newPage({ label: "map-live" });
      const { page } = ctx;
      await openMap(page, "demo.commander");
      // The operation's route is drawn and answers a click.
      const route = page.locator(".leaflet-overlay-pane path.leaflet-interactive").first();
      await route.waitFor({ state: "attached", timeout: WAIT_MS });
      await route.click({ force: true });
      await page.waitForSelector(".leaflet-popup-content");
      let popup = await page.textContent(".leaflet-popup-content");
      assert(popup.includes("Tuần tra") && popup.includes("Đang diễn ra"), `operation popup: ${popup}`);
      assert(await page.$(".leaflet-popup-content a[href^='#/operations/']"), "no link to the operation");
      await page.click(".leaflet-popup-close-button");
      await page.waitForSelector(".leaflet-popup", { state: "detached" });

      // A fix reported now arrives through the live feed.
      const callsign = `Tổ E2E ${w % 100000}`;
      await api("POST", "/positions", duty, {
        positions: [{ uid: `E2E-MAP-${w}`, callsign, time: new Date().toISOString(), lat: 10.21, lon: 106.36, speed: 5 }],
      });
      const sel = `.leaflet-marker-icon[title="${callsign}"]`;
      await page.waitForSelector(sel, { timeout: WAIT_MS });
      await page.click(sel);
      await page.waitForSelector(".leaflet-popup-content");
      popup = await page.textContent(".leaflet-popup-content");
      for (const want of [callsign, "Công an thành phố Bến Tre", "Vị trí lúc", "18 km/h"])
        assert(popup.includes(want), `position popup lacks "${want}": ${popup}`);
      await api("POST", `/operations/${op.id}/status`, duty, { status: "completed" }).catch(() => {});
      await done(ctx);
    },
  },
  {
    name: "map on a phone: fills the screen, filters fold away",
    async run() {
      const ctx = await newPage({ label: "map-phone", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      const { page } = ctx;
      await openMap(page, "demo.duty");
      const box = await page.locator("#map").boundingBox();
      assert(box.width >= 380, `map ${box.width} px wide`);
      assert(Math.abs(box.y + box.height - 844) <= 2, `map ends at ${box.y + box.height}, not at the bottom`);
      assert(box.height >= 450, `map only ${box.height} px high`);
      assert(!(await page.isVisible("#map-filters")), "filters shown over the map");
      assertEq(await page.getAttribute("#map-filters-btn", "aria-expanded"), "false", "filters button state");
      await shot(page, "42-map-phone");
      await page.click("#map-filters-btn");
      assert(await page.isVisible("#map-period"), "filters do not open");
      assertEq(await page.getAttribute("#map-filters-btn", "aria-expanded"), "true", "filters button state");
      await page.selectOption("#map-period", "custom");
      assert(await page.isVisible("#map-from"), "custom dates hidden");
      await page.fill("#map-from", "2026-01-02");
      await page.fill("#map-to", "2026-01-01");
      await page.dispatchEvent("#map-to", "change");
      await page.waitForFunction(() => /Chọn khoảng thời gian hợp lệ/.test(document.querySelector("#map-status").textContent));
      await done(ctx);
    },
  },
];
