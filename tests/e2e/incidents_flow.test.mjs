// incidents_flow.test.mjs - browser tests of handing an incident on (run by run.mjs):
// the province police commander transfers an incident to a district's police (the
// timeline says so and the new lead is shown), merges a duplicate report into the
// original (the duplicate links to it, the original's timeline names it), a stale
// transfer is refused and reloaded, and a viewer is offered neither.

import { api, apiLogin, assert, assertEq, cspViolations, gotoLoggedIn, newPage, problems, shot } from "./lib.mjs";

async function done(ctx) {
  for (const v of await cspViolations(ctx.page).catch(() => [])) problems.csp.push(v);
  await ctx.context.close();
}

// The refusals a test provokes on purpose show in the console as failed loads:
// forgiven for that page only.
function forgive(label, codes) {
  const re = new RegExp(`^${label}: Failed to load resource: the server responded with a status of (${codes.join("|")})`);
  for (let i = problems.console.length - 1; i >= 0; i--) if (re.test(problems.console[i])) problems.console.splice(i, 1);
}

// An incident filed by the city police's duty officer, without a place: the
// province police (demo.commander's unit) leads it.
async function fileIncident(title, category = "public_order") {
  const token = await apiLogin("demo.duty");
  return api("POST", "/incidents", token, { category, title, occurred_at: new Date(Date.now() - 15 * 60000).toISOString(), people_involved: 12 });
}

async function unitNamed(token, q, force) {
  const r = await api("GET", `/units?q=${encodeURIComponent(q)}&limit=20`, token);
  const u = r.items.find((x) => x.force === force && x.is_active);
  assert(u, `no ${force} unit matching ${q}`);
  return u;
}

async function openIncident(page, user, id) {
  await gotoLoggedIn(page, user, `#/incidents/${id}`);
  await page.waitForSelector("#inc-timeline");
}

export const tests = [
  {
    name: "incidents flow: the commander transfers the lead to a district's police, with the reason",
    async run() {
      const stamp = Date.now();
      const inc = await fileIncident(`Tụ tập gây rối trật tự tại bến phà Hàm Luông ${stamp}`);
      const token = await apiLogin("demo.commander");
      const target = await unitNamed(token, "ba tri", "police");
      assert(target.id !== inc.lead_unit_id, "the target is not the lead already");
      const ctx = await newPage({ label: "inc-transfer" });
      const { page } = ctx;
      try {
        await openIncident(page, "demo.commander", inc.id);
        await page.click("#inc-transfer > summary");
        await page.waitForSelector("#inc-tr-unit optgroup");
        // No unit, no reason: both said next to their fields.
        await page.click("#inc-tr-submit");
        assertEq(await page.textContent("#inc-tr-unit-error"), "Chọn đơn vị chủ trì mới.", "unit message");
        await page.fill("#inc-tr-filter", "cong an huyen ba tri");
        await page.waitForFunction((id) => Boolean(document.querySelector(`#inc-tr-unit option[value="${id}"]`)), target.id);
        await page.selectOption("#inc-tr-unit", String(target.id));
        assert((await page.textContent("#inc-tr-chosen")).includes(target.name), "the chosen unit is named");
        await page.click("#inc-tr-submit");
        assertEq(await page.textContent("#inc-tr-reason-error"), "Nhập lý do chuyển giao.", "reason message");
        await page.fill("#inc-tr-reason", "Địa bàn thuộc huyện Ba Tri, giao Công an huyện chủ trì xác minh");
        await shot(page, "28-incident-transfer");
        await page.click("#inc-tr-submit");
        await page.waitForSelector("#inc-timeline li[data-kind=transferred]");
        const tl = await page.textContent("#inc-timeline li[data-kind=transferred]");
        assert(tl.includes(target.name), `the timeline names the new lead: ${tl}`);
        assert(tl.includes("giao Công an huyện chủ trì"), `the timeline keeps the reason: ${tl}`);
        await page.waitForFunction((name) => (document.querySelector("#inc-lead")?.textContent || "").includes(name), target.name);
        assertEq((await page.textContent("#inc-status")).trim(), "Đã chuyển", "status");
        assert((await page.textContent("#inc-flash")).includes(target.name), "the flash says where it went");
        assert(await page.locator("#inc-routing tr.rec-former_lead").count() === 1, "the former lead is listed");
        const now = await api("GET", `/incidents/${inc.id}`, token);
        assertEq(now.lead_unit_id, target.id, "lead on the server");
        assertEq(now.status, "transferred", "status on the server");
      } finally {
        await done(ctx);
      }
    },
  },
  {
    name: "incidents flow: a duplicate is merged into the original, found by its reference",
    async run() {
      const stamp = Date.now();
      const original = await fileIncident(`Cháy kho phế liệu phường 7 ${stamp}`, "fire_explosion");
      const dup = await fileIncident(`Cháy kho phế liệu tại phường 7 (báo trùng) ${stamp}`, "fire_explosion");
      const ctx = await newPage({ label: "inc-merge" });
      const { page } = ctx;
      try {
        await openIncident(page, "demo.commander", dup.id);
        await page.click("#inc-merge > summary");
        // Found by its words first: both show, the incident itself is left out.
        await page.fill("#inc-mg-q", `chay kho phe lieu ${stamp}`);
        await page.click("#inc-mg-find");
        await page.waitForSelector(`#inc-mg-results li[data-id="${original.id}"]`);
        assertEq(await page.locator(`#inc-mg-results li[data-id="${dup.id}"]`).count(), 0, "the incident itself is not a candidate");
        // Then by its reference.
        await page.fill("#inc-mg-q", original.ref);
        await page.press("#inc-mg-q", "Enter");
        await page.waitForFunction((ref) => document.querySelector("#inc-mg-results li")?.dataset.ref === ref, original.ref);
        const cand = page.locator(`#inc-mg-results li[data-id="${original.id}"]`);
        const text = await cand.textContent();
        assert(text.includes(original.ref) && text.includes("Cháy kho phế liệu phường 7"), `candidate shows reference and title: ${text}`);
        assert(/\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/.test(text), `candidate shows the time dd/mm/yyyy HH:mm: ${text}`);
        await cand.locator("input").check();
        await page.waitForSelector("#inc-mg-confirm:not([hidden])");
        assert((await page.textContent(".merge-what")).includes(`${dup.ref} vào ${original.ref}`), "confirmation names both");
        await page.fill("#inc-mg-note", "Cùng một vụ cháy, hai tổ báo cáo");
        await shot(page, "29-incident-merge");
        await page.click("#inc-mg-submit");
        await page.waitForSelector("#inc-merged-into a");
        assertEq(await page.textContent("#inc-merged-link"), original.ref, "the link names the original");
        assert((await page.textContent("#inc-merged-into")).startsWith("Đã gộp vào"), "Đã gộp vào ...");
        assertEq((await page.textContent("#inc-status")).trim(), "Đã gộp", "status");
        assert((await page.textContent("#inc-timeline li[data-kind=merged]")).includes(original.ref), "timeline entry");
        // A merged incident is final: nothing more to do on it.
        assertEq(await page.locator("#inc-transfer, #inc-merge, #inc-status-box").count(), 0, "no more actions");
        await shot(page, "29-incident-merged");
        await page.click("#inc-merged-link");
        await page.waitForFunction((ref) => document.querySelector("#inc-ref")?.textContent === ref, original.ref);
        await page.waitForSelector("#inc-timeline li[data-kind=merged]");
        assert((await page.textContent("#inc-timeline li[data-kind=merged]")).includes(dup.ref), "the original's timeline names the duplicate");
      } finally {
        await done(ctx);
      }
    },
  },
  {
    name: "incidents flow: a transfer over a stale copy is refused and the incident reloaded",
    async run() {
      const inc = await fileIncident(`Tranh chấp đất đai gây mất trật tự xã Phú Nhuận ${Date.now()}`);
      const token = await apiLogin("demo.commander");
      const target = await unitNamed(token, "giong trom", "police");
      const ctx = await newPage({ label: "inc-transfer-stale" });
      const { page } = ctx;
      try {
        await openIncident(page, "demo.commander", inc.id);
        await page.click("#inc-transfer > summary");
        await page.waitForSelector("#inc-tr-unit optgroup");
        await page.fill("#inc-tr-filter", "giong trom");
        await page.selectOption("#inc-tr-unit", String(target.id));
        await page.fill("#inc-tr-reason", "Giao địa phương xử lý");
        // Someone changes the incident meanwhile (the page is not told: its live
        // redraw waits while a field holds text).
        await api("PATCH", `/incidents/${inc.id}`, token, { severity: 3 });
        await page.click("#inc-tr-submit");
        await page.waitForFunction(() => /người khác thay đổi/.test(document.querySelector("#inc-flash")?.textContent || ""));
        const now = await api("GET", `/incidents/${inc.id}`, token);
        assertEq(now.lead_unit_id, inc.lead_unit_id, "nothing transferred");
        await page.waitForSelector("#inc-badges .sev-3");
      } finally {
        forgive("inc-transfer-stale", [412]);
        await done(ctx);
      }
    },
  },
  {
    name: "incidents flow: a viewer is offered neither transfer nor merge",
    async run() {
      const inc = await fileIncident(`Mất trật tự tại chợ Ba Tri ${Date.now()}`);
      const ctx = await newPage({ label: "inc-viewer-flow" });
      const { page } = ctx;
      try {
        await openIncident(page, "demo.viewer", inc.id);
        await page.waitForSelector("#inc-facts");
        assertEq(await page.locator("#inc-transfer, #inc-merge, #inc-actions").count(), 0, "no transfer, merge or actions");
        assertEq(await page.locator("[data-write]").count(), 0, "no write control");
      } finally {
        await done(ctx);
      }
    },
  },
];
