// hotspots.test.mjs - browser tests of the hot spots (run by run.mjs): the Gi* and
// density layers of the map switched on find the demo's planted clusters; the
// hot-spot page lists the records (detection run through the API first when there
// are none), a commander confirms one with a note and sees the status change, and
// a duty officer sees no status buttons.

import { api, apiLogin, assert, assertEq, cspViolations, gotoLoggedIn, newPage, problems, shot } from "./lib.mjs";

async function done(ctx) {
  for (const v of await cspViolations(ctx.page).catch(() => [])) problems.csp.push(v);
  await ctx.context.close();
}

const DAY_MS = 86400 * 1000;
const ymd = (ms) => new Date(ms + 7 * 3600 * 1000).toISOString().slice(0, 10); // Vietnam's date

// Wait until the map's data-<attr> is set (the layer drawn); returns its number.
async function layerCount(page, attr, timeout = 30000) {
  await page.waitForFunction((a) => document.querySelector("#map")?.dataset[a] !== undefined, attr, { timeout });
  return Number(await page.evaluate((a) => document.querySelector("#map").dataset[a], attr));
}

// A hot spot in watch that the commander may move, preferring one the duty officer
// (a responsible district unit) sees too; detection is run now (as the coordinator)
// when there is none. Returns [hotspot properties, whether duty sees it].
async function hotspotToConfirm(commander, duty) {
  const pick = async () => {
    const mine = duty ? (await api("GET", "/hotspots?status=watch&limit=50", duty)).features || [] : [];
    const all = (await api("GET", "/hotspots?status=watch&limit=50", commander)).features || [];
    const dutyIds = new Set(mine.map((f) => f.properties.id));
    const order = [...all.filter((f) => dutyIds.has(f.properties.id)), ...all.filter((f) => !dutyIds.has(f.properties.id))];
    for (const f of order) {
      const one = await api("GET", `/hotspots/${f.properties.id}`, commander);
      if (one.properties.can_set_status) return [one.properties, dutyIds.has(one.properties.id)];
    }
    return null;
  };
  let hs = await pick();
  if (!hs) {
    const coordinator = await apiLogin("demo.coordinator");
    const r = await api("POST", "/hotspots/detect", coordinator);
    assert(r && typeof r.created === "number", `detect answered ${JSON.stringify(r)}`);
    hs = await pick();
  }
  assert(hs, "no hot spot in watch that demo.commander may confirm, even after detection");
  return hs;
}

export const tests = [
  {
    name: "hotspots: the Gi* and density layers on the map show the planted clusters",
    async run() {
      // Open hot spots for the third layer (detection run now when there are none).
      await hotspotToConfirm(await apiLogin("demo.commander"), null);
      const ctx = await newPage({ label: "hs-map" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.commander", "#/map");
      await page.waitForSelector("#map[data-ready]", { timeout: 20000 });
      assert(!(await page.isChecked("#layer-hs-gistar")), "Gi* layer on by default");
      assert(!(await page.isChecked("#layer-hs-density")), "density layer on by default");
      assert(await page.locator("#hs-legend").isHidden(), "legend shown with no hot-spot layer");

      await page.check("#layer-hs-gistar");
      let n = await layerCount(page, "hsGistar");
      if (n === 0) {
        // The planted clusters may lie beyond the last 30 days: the last 90.
        await page.selectOption("#map-period", "custom");
        await page.fill("#map-from", ymd(Date.now() - 90 * DAY_MS));
        await page.dispatchEvent("#map-from", "change");
        n = await layerCount(page, "hsGistar");
      }
      assert(n > 0, "no significant Gi* cells drawn");
      const hot = await page.$$eval("path.hs-cell.hs-hot", (l) => l.length);
      assert(hot > 0, `no hot cells drawn (${n} significant)`);
      assert(/Gi\*: .* ô điểm nóng/.test(await page.textContent("#map-status")), "status line lacks the Gi* summary");
      assert(await page.locator("#hs-legend").isVisible(), "no legend");
      assert((await page.textContent("#hs-legend")).includes("Điểm nóng (Gi*)"), "legend text");

      // The density surface (a canvas) and the detected hot spots.
      await page.check("#layer-hs-density");
      const cells = await layerCount(page, "hsDensity");
      assert(cells > 0, "density layer empty");
      assert(await page.$(".leaflet-ph-hs-density-pane canvas"), "density not drawn on a canvas");
      await page.check("#layer-hs-records");
      assert((await layerCount(page, "hsRecords")) > 0, "no detected hot spots drawn");
      assert((await page.$$eval("path.hs-record", (l) => l.length)) > 0, "no hot-spot outlines");
      // The picture: the province's clusters, without the incident markers over them.
      await page.uncheck("#layer-incidents");
      await shot(page, "50-map-hotspots");
      await page.check("#layer-incidents");

      // A significant cell tells its z and p.
      await page.locator("path.hs-cell.hs-hot").first().dispatchEvent("click");
      await page.waitForSelector(".leaflet-popup-content");
      const popup = await page.textContent(".leaflet-popup-content");
      assert(popup.includes("Chỉ số z") && popup.includes("Giá trị p"), `cell popup: ${popup}`);
      await page.click(".leaflet-popup-close-button");

      // Switched off: gone, and the legend with it.
      await page.uncheck("#layer-hs-gistar");
      await page.uncheck("#layer-hs-density");
      await page.uncheck("#layer-hs-records");
      assertEq(await page.$$eval("path.hs-cell", (l) => l.length), 0, "Gi* cells left after switching off");
      assert(await page.locator("#hs-legend").isHidden(), "legend left after switching off");
      await done(ctx);
    },
  },
  {
    name: "hotspots: a commander confirms a hot spot with a note; a duty officer sees no status buttons",
    async run() {
      const commander = await apiLogin("demo.commander");
      const [hs, dutySees] = await hotspotToConfirm(commander, await apiLogin("demo.duty"));

      // The duty officer of a responsible unit has it in the inbox (dashboard and
      // Exchange), and the live feed will tell the confirmation.
      // (demo.duty's district holds a planted cluster: Bến Tre city.)
      assert(dutySees, `demo.duty sees no hot spot in watch that demo.commander may confirm (#${hs.id})`);
      const duty = await newPage({ label: "hs-duty" });
      if (dutySees) {
        await gotoLoggedIn(duty.page, "demo.duty", "#/exchange");
        const item = `#exchange-inbox li[data-kind="hotspot"][data-id="${hs.id}"]`;
        await duty.page.waitForSelector(item);
        assert((await duty.page.textContent(item)).includes("Chờ chỉ huy xác nhận"), "Exchange inbox item text");
        assert(await duty.page.$(`${item} a[href="#/hotspots/${hs.id}"]`), "Exchange inbox item link");
        await duty.page.click("[data-nav=dashboard]");
        await duty.page.waitForSelector(`#inbox li[data-kind="hotspot"][data-id="${hs.id}"]`);
        await duty.page.waitForSelector(".live-state.live-online");
      }

      const ctx = await newPage({ label: "hs-page" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.commander", "#/hotspots");
      assertEq(await page.textContent("main h1"), "Điểm nóng", "page title");
      assertEq(await page.locator("[data-nav=hotspots][aria-current=page]").count(), 1, "nav entry");
      await page.waitForSelector(`#hotspot-list tr[data-id="${hs.id}"]`);
      // Filtered by status.
      await page.selectOption("#hs-filter-status", "watch");
      await page.waitForFunction(() => location.hash === "#/hotspots?status=watch");
      await page.waitForSelector(`#hotspot-list tr[data-id="${hs.id}"]`);
      const statuses = await page.$$eval("#hotspot-list tbody tr", (l) => l.map((r) => r.dataset.status));
      assert(statuses.length > 0 && statuses.every((s) => s === "watch"), `filtered list: ${statuses.join(",")}`);
      await shot(page, "51-hotspots-list");

      await page.click(`#hotspot-list tr[data-id="${hs.id}"] a`);
      await page.waitForFunction((id) => location.hash === `#/hotspots/${id}`, hs.id);
      await page.waitForSelector("#hs-map[data-ready]", { timeout: 20000 });
      assert(await page.$("#hs-map path.hs-detail-cell"), "the hot spot's cells are not on its map");
      await page.waitForSelector("#hs-incidents a[href^='#/incidents/']");
      assert((await page.textContent("#hs-facts")).includes("Đang theo dõi"), "status shown");
      const confirm = page.locator("#hs-actions [data-write='hotspot.status'][data-status='confirmed']");
      assertEq(await confirm.textContent(), "Xác nhận", "confirm button");
      const note = `Đã kiểm tra thực địa, e2e ${Date.now()}`;
      await page.fill("#hs-note", note);
      await confirm.click();
      await page.waitForFunction(() => /Đã chuyển sang/.test(document.querySelector("#hs-action-msg")?.textContent || ""));
      await page.waitForFunction(() => document.querySelector("#hs-facts .hs-st")?.textContent === "Đã xác nhận");
      await page.waitForFunction((n) => document.querySelector("#hs-notes")?.textContent.includes(n), note);
      assert((await page.textContent("#hs-notes")).includes("Đang theo dõi → Đã xác nhận"), "the note does not show the move");
      // Confirmed: the buttons now offer resolving and watching again.
      assertEq(await page.locator("#hs-actions [data-status='confirmed']").count(), 0, "confirm still offered");
      assertEq(await page.locator("#hs-actions [data-status='resolved']").count(), 1, "resolve not offered");
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, "52-hotspot-detail");

      await done(ctx);

      if (dutySees) {
        const ev = `#feed li[data-topic="hotspot.status"][data-id="${hs.id}"]`;
        await duty.page.waitForSelector(ev);
        const text = await duty.page.textContent(ev);
        assert(text.includes("Đổi trạng thái điểm nóng") && text.includes("Đã xác nhận"), `feed item: ${text}`);
        await duty.page.goto(duty.page.url().replace(/#.*/, `#/hotspots/${hs.id}`));
      } else await gotoLoggedIn(duty.page, "demo.duty", `#/hotspots/${hs.id}`);
      await duty.page.waitForSelector("#hs-facts h2, #hs-facts [role=alert]");
      assertEq(await duty.page.locator("[data-write='hotspot.status']").count(), 0, "duty officer's status buttons");
      assertEq(await duty.page.locator("[data-write='hotspot.detect']").count(), 0, "duty officer's detect button");
      await duty.page.goto(duty.page.url().replace(/#.*/, "#/hotspots"));
      await duty.page.waitForSelector("#hotspot-list, .empty");
      assertEq(await duty.page.locator("[data-write^='hotspot.']").count(), 0, "duty officer's hot-spot write controls");
      await done(duty);
    },
  },
  {
    name: "hotspots: the page on a phone",
    async run() {
      const ctx = await newPage({ label: "hs-phone", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.commander", "#/hotspots");
      await page.waitForSelector("#hotspot-list tbody tr, .empty");
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert(width <= 390, `page scrolls sideways: ${width}px`);
      await done(ctx);
    },
  },
];
