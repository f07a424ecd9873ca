// incidents.test.mjs - browser tests of the incident pages (run by run.mjs): a duty
// officer files a report on a phone (category, title, a tap on the map, send) and
// sees it; the Border Guard's duty officer sees it arrive live and acknowledges it;
// the reporter sees the acknowledgement; the search needs no diacritics; a report
// sent while the link is down (or whose answer is lost, or across a reload) is
// filed exactly once with one Idempotency-Key; messages sit next to their fields;
// a stale change is refused and reloaded; a viewer is offered nothing to do.

import { deflateSync } from "node:zlib";
import { api, apiLogin, assert, assertEq, BASE, cspViolations, gotoLoggedIn, newPage, problems, shot, WAIT_MS } from "./lib.mjs";

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
// Xã Thới Khánh (a coastal commune of Bình Đại): smuggling there is led by Đồn Biên
// phòng Thới Khánh, demo.bp.duty's unit (routing rule "smuggling → Border Guard").
const THOI_KHANH = { lat: 10.3, lon: 106.67 };

async function done(ctx) {
  for (const v of await cspViolations(ctx.page).catch(() => [])) problems.csp.push(v);
  await ctx.context.close();
}

// The browser reports requests that failed on purpose (the link cut, an answer
// dropped) as console errors; those of this label are expected, others are not.
function forgiveNetworkErrors(label) {
  problems.console = problems.console.filter(
    (m) => !(m.startsWith(`${label}:`) && /net::ERR_(INTERNET_DISCONNECTED|CONNECTION_RESET|FAILED|NETWORK_CHANGED|NAME_NOT_RESOLVED|ABORTED)/.test(m)),
  );
}

// Tap the report form's map at a place: the map says what it shows (data-view:
// west,south,east,north), Web Mercator does the rest.
async function tapMap(page, { lat, lon }) {
  const [w, s, e, n] = (await page.getAttribute("#inc-map", "data-view")).split(",").map(Number);
  const box = await page.locator("#inc-map").boundingBox();
  const merc = (la) => Math.log(Math.tan(Math.PI / 4 + (la * Math.PI) / 360));
  const x = box.x + ((lon - w) / (e - w)) * box.width;
  const y = box.y + ((merc(n) - merc(lat)) / (merc(n) - merc(s))) * box.height;
  assert(x > box.x && x < box.x + box.width && y > box.y && y < box.y + box.height, `(${lat}, ${lon}) is not on the map (${w},${s},${e},${n})`);
  await page.touchscreen.tap(x, y);
}

async function openForm(page, user) {
  await gotoLoggedIn(page, user, "#/incidents/new");
  await page.waitForSelector(".cat-tiles .tile");
}

// Category and title (the two things a report needs besides the time, which is now).
async function fillMinimal(page, category, title, touch = false) {
  if (touch) await page.tap(`.tile[data-code=${category}]`);
  else await page.click(`.tile[data-code=${category}]`);
  await page.waitForSelector("#inc-title:visible");
  await page.fill("#inc-title", title);
}

async function incidentsTitled(token, title) {
  const r = await api("GET", `/incidents?q=${encodeURIComponent(title)}&limit=10`, token);
  return r.items.filter((i) => i.title === title);
}

// A small red PNG (the server decides the type from the bytes, so it must be real).
function png(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3, Buffer.from([200, 30, 30]))]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

const stamp = () => `${Date.now()}`.slice(-7);

export const tests = [
  {
    name: "incidents: filed on a phone in under a minute, acknowledged live by the Border Guard, seen by the reporter",
    async run() {
      const bpToken = await apiLogin("demo.bp.duty");
      const bpMe = await api("GET", "/auth/me", bpToken);
      // The Border Guard's duty officer watches the list (no filter: new ones go on top).
      const bp = await newPage({ label: "inc-bp" });
      await gotoLoggedIn(bp.page, "demo.bp.duty", "#/incidents");
      await bp.page.waitForSelector("#inc-list li");

      const duty = await newPage({ label: "inc-phone", ...PHONE });
      const { page } = duty;
      const title = `Buôn lậu thuốc lá qua bến đò Thới Khánh ${stamp()}`;
      const t0 = Date.now();
      await openForm(page, "demo.duty");
      await shot(page, "20-incident-form-phone");
      await fillMinimal(page, "smuggling", title, true);
      // The fields smuggling needs are shown; casualties are folded away.
      assert(await page.isVisible("#inc-vessels_involved"), "smuggling asks for vessels");
      assert(!(await page.isVisible("#inc-casualties_dead")), "smuggling does not ask for casualties up front");
      await page.waitForSelector("#inc-map[data-ready]", { timeout: 15000 });
      await page.tap("#inc-loc-whole");
      await page.waitForTimeout(400); // the map's move to the whole province
      await tapMap(page, THOI_KHANH);
      await page.waitForFunction(() => document.querySelector("#inc-location-readout")?.textContent.includes("Thới Khánh"));
      await shot(page, "21-incident-form-phone-filled");
      await page.tap("#inc-submit");
      await page.waitForFunction(() => /^#\/incidents\/\d+/.test(location.hash));
      await page.waitForSelector("#inc-routing");
      const elapsed = Date.now() - t0;
      console.log(`    filed on a phone in ${elapsed} ms of scripted steps`);
      assert(elapsed < 60000, `filing took ${elapsed} ms`);
      assert((await page.textContent("#inc-flash")).includes("Đã gửi báo cáo"), "no confirmation");
      const ref = (await page.textContent("#inc-ref")).trim();
      assert(/^[A-Z0-9]+-\d{4}-\d{6}$/.test(ref), `reference ${ref}`);
      const phoneWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert(phoneWidth <= 390, `the detail page scrolls sideways: ${phoneWidth}px`);
      // The lead is the Border Guard post, which has not acknowledged yet.
      const leadRow = `#inc-routing tr[data-unit="${bpMe.unit_id}"]`;
      assert((await page.textContent(leadRow)).includes("Chủ trì"), "the post does not lead");
      assertEq(await page.locator(`${leadRow} td.done`).count(), 0, "acknowledged before anyone did");
      await shot(page, "22-incident-detail-phone");
      // The draft is gone once the server has the report.
      assertEq(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("phoihop.incident-draft")).length), 0, "draft left behind");

      // It arrived on the Border Guard's list without a reload, and they acknowledge it.
      await bp.page.waitForFunction((want) => [...document.querySelectorAll("#inc-list li")].some((li) => li.textContent.includes(want)), title, {
        timeout: WAIT_MS,
      });
      await shot(bp.page, "23-incidents-list");
      await bp.page.click(`#inc-list li[data-ref="${ref}"] a`);
      await bp.page.waitForSelector("#inc-ack");
      assertEq(await bp.page.getAttribute("#inc-ack", "data-stage"), "received", "the stage owed");
      await bp.page.fill(`#ack-note-${bpMe.unit_id}`, "Đã nhận, đang cử tổ công tác xác minh");
      await bp.page.click("#inc-ack");
      await bp.page.waitForFunction(() => document.querySelector("#inc-ack")?.dataset.stage === "verified");
      assert((await bp.page.textContent("#inc-flash")).includes("Đã xác nhận đã nhận"), "no confirmation of the acknowledgement");
      await shot(bp.page, "24-incident-detail");

      // The reporter's page follows: received by the post, by whom, status acknowledged.
      await page.waitForSelector(`${leadRow} td.done`, { timeout: WAIT_MS });
      const cell = await page.textContent(`${leadRow} td.done`);
      assert(cell.includes(bpMe.full_name), `acknowledged by whom: ${cell}`);
      assertEq((await page.textContent("#inc-status")).trim(), "Đã tiếp nhận", "status after the lead's receipt");
      assert((await page.textContent("#inc-timeline")).includes("Đã nhận"), "the timeline shows the receipt");
      await done(duty);
      await done(bp);
      await api("POST", "/auth/logout", bpToken);
    },
  },
  {
    name: "incidents: search without diacritics, filters and paging",
    async run() {
      const token = await apiLogin("demo.duty");
      const word = stamp();
      const title = `Đối tượng Đặng Thạch vận chuyển hàng cấm ${word}`;
      await api("POST", "/incidents", token, { category: "smuggling", severity: 3, title, occurred_at: new Date(Date.now() - 600000).toISOString(), location: THOI_KHANH });
      const ctx = await newPage({ label: "inc-search" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.duty", "#/incidents");
      await page.waitForSelector("#inc-list li");
      // Newest first, 50 to a page, "load more" for the next.
      assertEq(await page.locator("#inc-list li").count(), 50, "first page");
      await page.click("#inc-more-btn");
      await page.waitForFunction(() => document.querySelectorAll("#inc-list li").length > 50);
      const ids = await page.evaluate(() => [...document.querySelectorAll("#inc-list li")].map((li) => Number(li.dataset.id)));
      assert(ids.every((v, i) => i === 0 || v < ids[i - 1]), "not newest first");
      assertEq(new Set(ids).size, ids.length, "duplicates across pages");
      // No diacritics typed, "đ" as "d".
      await page.fill("#inc-q", `dang thach van chuyen ${word}`);
      await page.waitForFunction((t) => {
        const li = document.querySelectorAll("#inc-list li");
        return li.length === 1 && li[0].textContent.includes(t);
      }, title);
      assert((await page.evaluate(() => location.hash)).includes("q=dang"), "the search is not in the address");
      // Filters combine with it: a severity it does not reach empties the list.
      await page.click("#inc-filters summary");
      await page.selectOption("#inc-f-severity", "4");
      await page.waitForSelector("#inc-empty");
      await page.selectOption("#inc-f-severity", "3");
      await page.waitForFunction(() => document.querySelectorAll("#inc-list li").length === 1);
      await page.selectOption("#inc-f-category", "crime");
      await page.waitForSelector("#inc-empty");
      await page.click("#inc-f-reset");
      await page.waitForFunction(() => document.querySelectorAll("#inc-list li").length === 50);
      // Overdue only: every row in red.
      await page.check("#inc-f-overdue");
      await page.waitForFunction(() => {
        const li = [...document.querySelectorAll("#inc-list li")];
        return li.length > 0 && li.every((x) => x.classList.contains("overdue"));
      });
      await done(ctx);
      await api("POST", "/auth/logout", token);
    },
  },
  {
    name: "incidents: link down while sending — retried with the same Idempotency-Key, filed exactly once",
    async run() {
      const label = "inc-offline";
      const ctx = await newPage({ label, ...PHONE });
      const { page, context } = ctx;
      const title = `Tai nạn giao thông trên quốc lộ 57 ${stamp()}`;
      await openForm(page, "demo.duty");
      await fillMinimal(page, "accident", title, true);
      await page.fill("#inc-casualties_injured", "2");
      // The link drops as the officer sends.
      await context.setOffline(true);
      await page.tap("#inc-submit");
      await page.waitForSelector("#inc-send-state[data-state=retrying]");
      assert((await page.textContent("#inc-send-state")).includes("đang gửi lại"), "no visible retrying state");
      await shot(page, "25-incident-resending-phone");
      const saved = await page.evaluate(() => {
        const k = Object.keys(localStorage).find((x) => x.startsWith("phoihop.incident-draft"));
        return k ? JSON.parse(localStorage.getItem(k)) : null;
      });
      assert(saved && saved.pending && saved.pending.key, "the key is not kept with the draft");
      // The link comes back, but the first answer is lost on the way: the server has
      // the incident, the phone does not know. The retry must not make a second one.
      const keys = [];
      let dropped = false;
      await page.route("**/api/v1/incidents", async (route) => {
        if (route.request().method() !== "POST") return route.continue();
        keys.push(route.request().headers()["idempotency-key"]);
        if (!dropped) {
          dropped = true;
          await route.fetch(); // reaches the server
          return route.abort("connectionreset"); // the answer never arrives
        }
        return route.continue();
      });
      await context.setOffline(false);
      await page.waitForFunction(() => /^#\/incidents\/\d+/.test(location.hash), null, { timeout: 20000 });
      await page.waitForSelector("#inc-facts");
      assert(keys.length >= 2, `requests that reached the network: ${keys.length}`);
      assert(keys.every((k) => k === saved.pending.key), `keys differ: ${JSON.stringify(keys)} vs ${saved.pending.key}`);
      const token = await apiLogin("demo.duty");
      const found = await incidentsTitled(token, title);
      assertEq(found.length, 1, "incidents created");
      assertEq(found[0].casualties_injured, 2, "the figures sent");
      await api("POST", "/auth/logout", token);
      await done(ctx);
      forgiveNetworkErrors(label);
    },
  },
  {
    name: "incidents: a reload while a report is unsent goes on with the same attempt",
    async run() {
      const label = "inc-reload";
      const ctx = await newPage({ label });
      const { page } = ctx;
      const title = `Cháy kho chứa hàng tại xã Hữu An ${stamp()}`;
      const keys = [];
      let block = true;
      await page.route("**/api/v1/incidents", async (route) => {
        if (route.request().method() !== "POST") return route.continue();
        keys.push(route.request().headers()["idempotency-key"]);
        return block ? route.abort("internetdisconnected") : route.continue();
      });
      await openForm(page, "demo.duty");
      await fillMinimal(page, "fire_explosion", title);
      await page.click("#inc-submit");
      await page.waitForSelector("#inc-send-state[data-state=retrying]");
      await page.reload();
      // Restored, and sending again by itself.
      await page.waitForSelector("#inc-draft-note:visible");
      assert((await page.textContent("#inc-draft-note")).includes("chưa gửi được"), "the restored draft does not say it is unsent");
      assertEq(await page.inputValue("#inc-title"), title, "title restored");
      await page.waitForSelector("#inc-send-state[data-state=retrying]");
      const before = keys.length;
      block = false;
      await page.waitForFunction(() => /^#\/incidents\/\d+/.test(location.hash), null, { timeout: 20000 });
      assert(before >= 2, `attempts before and after the reload: ${before}`);
      assertEq(new Set(keys).size, 1, `one key across the reload (${keys.join(", ")})`);
      const token = await apiLogin("demo.duty");
      assertEq((await incidentsTitled(token, title)).length, 1, "incidents created");
      await api("POST", "/auth/logout", token);
      await done(ctx);
      forgiveNetworkErrors(label);
    },
  },
  {
    name: "incidents: messages next to the field, in Vietnamese (browser checks and the server's 422)",
    async run() {
      const ctx = await newPage({ label: "inc-valid" });
      const { page } = ctx;
      await openForm(page, "demo.duty");
      // Nothing chosen yet: only the category is offered.
      assert(!(await page.isVisible("#inc-title")), "fields before the category");
      await page.click(".tile[data-code=mass_gathering]");
      await page.waitForSelector("#inc-title:visible");
      assert(await page.isVisible("#inc-people_involved"), "a gathering asks for the people involved");
      assert(!(await page.isVisible("#inc-vessels_involved")), "a gathering does not ask for vessels up front");
      // The category's default severity is chosen.
      assertEq(await page.getAttribute(".sev-tiles input:checked", "value"), "2", "default severity");
      await page.fill("#inc-title", "");
      await page.fill("#inc-people_involved", "-3");
      await page.fill("#inc-occurred", "2099-01-01T08:00");
      await page.click("#inc-submit");
      assertEq(await page.textContent("#inc-title-error"), "Nhập tiêu đề vụ việc.", "title message");
      assertEq(await page.getAttribute("#inc-title", "aria-invalid"), "true", "title aria-invalid");
      assertEq(await page.textContent("#inc-occurred-error"), "Thời gian không được ở tương lai.", "time message");
      assert((await page.textContent("#inc-people_involved-error")).startsWith("Nhập số nguyên từ 0"), "count message");
      assertEq(await page.evaluate(() => document.activeElement.id), "inc-title", "focus on the first field at fault");
      // Typing clears the field's message.
      await page.fill("#inc-title", "Tụ tập đông người trước trụ sở UBND xã");
      assertEq(await page.textContent("#inc-title-error"), "", "message kept after typing");
      await page.fill("#inc-people_involved", "40");
      await page.click("#inc-now");
      // The server's 422 lands next to the field it names.
      await page.route("**/api/v1/incidents", (route) =>
        route.request().method() === "POST"
          ? route.fulfill({
              status: 422,
              contentType: "application/json",
              body: JSON.stringify({ error: { code: "invalid", message: "people_involved: trường dữ liệu không hợp lệ", field: "people_involved" } }),
            })
          : route.continue(),
      );
      await page.click("#inc-submit");
      await page.waitForFunction(() => document.querySelector("#inc-people_involved-error")?.textContent !== "");
      assertEq(await page.textContent("#inc-people_involved-error"), "Số người liên quan phải là số nguyên từ 0 đến 1.000.000.", "server's message");
      assert(!(await page.isDisabled("#inc-submit")), "the form stays locked after a refusal");
      // The draft keeps what was typed, for the next visit.
      await page.unroute("**/api/v1/incidents");
      await page.evaluate(() => {
        location.hash = "#/incidents";
      });
      await page.waitForSelector("#inc-list li");
      await page.evaluate(() => {
        location.hash = "#/incidents/new";
      });
      await page.waitForSelector("#inc-draft-note:visible");
      assertEq(await page.inputValue("#inc-title"), "Tụ tập đông người trước trụ sở UBND xã", "draft restored");
      page.once("dialog", (d) => d.accept());
      await page.click("#inc-discard");
      await page.waitForFunction(() => location.hash === "#/incidents");
      assertEq(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("phoihop.incident-draft")).length), 0, "draft not discarded");
      await done(ctx);
      problems.console = problems.console.filter((m) => !(m.startsWith("inc-valid:") && /status of 422/.test(m)));
    },
  },
  {
    name: "incidents: status change on a stale version is refused and the page reloads; the lead moves it on",
    async run() {
      const bpToken = await apiLogin("demo.bp.duty");
      const duty = await apiLogin("demo.duty");
      const inc = await api("POST", "/incidents", duty, {
        category: "illegal_fishing",
        title: `Tàu cá khai thác sai vùng ngoài khơi Thới Khánh ${stamp()}`,
        occurred_at: new Date(Date.now() - 900000).toISOString(),
        location: THOI_KHANH,
      });
      await api("POST", `/incidents/${inc.id}/acknowledgements`, bpToken, { stage: "received" });
      const ctx = await newPage({ label: "inc-stale" });
      const { page } = ctx;
      // No live feed here: the change behind the page's back must meet If-Match.
      await page.route("**/api/v1/stream*", (route) => route.abort());
      await gotoLoggedIn(page, "demo.bp.duty", `#/incidents/${inc.ref}`);
      await page.waitForSelector("#inc-status-box");
      await api("PATCH", `/incidents/${inc.id}`, bpToken, { severity: 3 });
      await page.click("[data-status=responding]");
      await page.waitForFunction(() => document.querySelector("#inc-flash")?.textContent.includes("vừa được người khác thay đổi"));
      // Reloaded: the new severity shows; now the change goes through.
      await page.waitForFunction(() => document.querySelector("#inc-badges")?.textContent.includes("Cao"));
      await page.click("[data-status=responding]");
      await page.waitForFunction(() => document.querySelector("#inc-status")?.textContent.trim() === "Đang xử lý");
      const now = await api("GET", `/incidents/${inc.id}`, bpToken);
      assertEq(now.status, "responding", "status on the server");
      // Closing is a commander's decision: a duty officer is not offered it.
      await page.click("[data-status=resolved]");
      await page.waitForFunction(() => document.querySelector("#inc-status")?.textContent.trim() === "Đã giải quyết");
      assertEq(await page.locator("[data-status=closed]").count(), 0, "duty officer offered closing");
      assertEq(await page.locator("[data-status=responding]").count(), 1, "reopening not offered");
      await done(ctx);
      problems.console = problems.console.filter((m) => !(m.startsWith("inc-stale:") && /status of 412|ERR_FAILED/.test(m)));
      await api("POST", "/auth/logout", bpToken);
      await api("POST", "/auth/logout", duty);
    },
  },
  {
    name: "incidents: photos chosen on the form are uploaded after the report and shown from the bytes",
    async run() {
      const ctx = await newPage({ label: "inc-photo" });
      const { page } = ctx;
      const title = `Cháy nhà dân tại xã Sơn Mỹ ${stamp()}`;
      await openForm(page, "demo.duty");
      await fillMinimal(page, "fire_explosion", title);
      await page.setInputFiles("#inc-photos", [
        { name: "Ảnh hiện trường 1.png", mimeType: "image/png", buffer: png(48, 32) },
        { name: "anh-2.png", mimeType: "image/png", buffer: png(20, 20) },
      ]);
      await page.waitForFunction(() => document.querySelectorAll("#inc-photo-list li").length === 2);
      // One removed before sending.
      await page.click("#inc-photo-list li:last-child button");
      await page.waitForFunction(() => document.querySelectorAll("#inc-photo-list li").length === 1);
      await page.click("#inc-submit");
      await page.waitForFunction(() => /^#\/incidents\/\d+/.test(location.hash), null, { timeout: 15000 });
      await page.waitForSelector("#inc-atts li");
      assertEq(await page.locator("#inc-atts li").count(), 1, "attachments");
      assert((await page.textContent("#inc-atts")).includes("Ảnh hiện trường 1.png"), "the file's name");
      // The image needs the token: fetched as bytes, shown from an object URL.
      await page.waitForFunction(() => {
        const img = document.querySelector("#inc-atts img");
        return img && img.src.startsWith("blob:") && img.complete && img.naturalWidth === 48;
      });
      assert((await page.textContent("#inc-timeline")).includes("Ảnh hiện trường 1.png"), "the timeline shows the attachment");
      await done(ctx);
    },
  },
  {
    name: "incidents: a viewer sees no report, acknowledge or status buttons",
    async run() {
      const ctx = await newPage({ label: "inc-viewer" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.viewer", "#/incidents");
      await page.waitForSelector("#inc-list li");
      const writes = () => page.evaluate(() => [...document.querySelectorAll("[data-write]")].map((e) => e.textContent));
      assertEq((await writes()).length, 0, `write controls on the list: ${await writes()}`);
      // The newest the viewer sees, which awaits acknowledgements.
      await page.click("#inc-list li a");
      await page.waitForSelector("#inc-routing");
      assertEq((await writes()).length, 0, `write controls on the detail page: ${await writes()}`);
      assertEq(await page.locator("#inc-ack, #inc-actions, #inc-att-file").count(), 0, "actions offered to a viewer");
      await page.evaluate(() => {
        location.hash = "#/incidents/new";
      });
      await page.waitForFunction(() => document.querySelector("main")?.textContent.includes("không có quyền báo cáo"));
      assertEq(await page.locator("#inc-form").count(), 0, "a report form for a viewer");
      await done(ctx);
    },
  },
];

void BASE;
