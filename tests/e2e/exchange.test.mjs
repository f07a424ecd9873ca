// exchange.test.mjs - browser tests of the exchange page (run by run.mjs): the inbox
// shows a bulletin another force's unit sent, and acknowledging it there removes it;
// composing and sending a bulletin; field messages arriving live; an incident draft
// from the field promoted to an incident.

import { api, apiLogin, assert, assertEq, cspViolations, gotoLoggedIn, newPage, problems, shot, WAIT_MS } from "./lib.mjs";

async function done(ctx) {
  for (const v of await cspViolations(ctx.page).catch(() => [])) problems.csp.push(v);
  await ctx.context.close();
}

export const tests = [
  {
    name: "exchange: a bulletin from another unit is in the inbox; acknowledging it removes it",
    async run() {
      const duty = await apiLogin("demo.duty");
      const me = await api("GET", "/auth/me", duty);
      const bp = await apiLogin("demo.bp.duty");
      const title = `Thông báo tàu cá lạ vào cửa Hàm Luông ${Date.now()}`;
      const b = await api("POST", "/bulletins", bp, {
        title,
        sections: { situation: "Lúc 05 giờ, phát hiện 02 tàu cá lạ neo đậu tại cửa Hàm Luông.", proposals: "Đề nghị Công an thành phố phối hợp kiểm tra." },
        to: { units: [me.unit_id] },
        ack_minutes: 60,
      });
      const ctx = await newPage({ label: "exchange-inbox" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.duty", "#/exchange");
      const item = page.locator(`#exchange-inbox li[data-kind=bulletin][data-id='${b.id}']`);
      await item.waitFor();
      assert((await item.textContent()).includes(title), "inbox item title");
      // Overdue ones come first and in red (the demo has some).
      const first = await page.locator("#exchange-inbox li.inbox-item").first().getAttribute("class");
      if ((await page.locator("#exchange-inbox li.overdue").count()) > 0) assert(first.includes("overdue"), "overdue not first");
      await shot(page, "20-exchange-inbox");
      await item.locator("textarea").fill("Đã nhận, đang cử tổ kiểm tra");
      await item.locator("button[type=submit]").click();
      await page.waitForFunction((id) => !document.querySelector(`#exchange-inbox li[data-kind=bulletin][data-id='${id}']`), b.id, { timeout: WAIT_MS });
      const after = await api("GET", `/bulletins/${b.id}`, duty);
      const rec = after.recipients.find((r) => r.unit_id === me.unit_id);
      assert(rec && rec.received_at, "not acknowledged on the server");
      assertEq(rec.note, "Đã nhận, đang cử tổ kiểm tra", "acknowledgement note");
      // The bulletin's page says who acknowledged when.
      await page.evaluate((id) => {
        location.hash = `#/exchange/${id}`;
      }, b.id);
      await page.waitForSelector("#recipients tbody tr");
      assert((await page.textContent("#recipients")).includes("Đã nhận, đang cử tổ kiểm tra"), "note on the bulletin page");
      assert((await page.textContent("#bulletin-detail")).includes("Đề nghị Công an thành phố"), "sections on the bulletin page");
      await shot(page, "21-exchange-bulletin");
      await api("POST", "/auth/logout", duty);
      await api("POST", "/auth/logout", bp);
      await done(ctx);
    },
  },
  {
    name: "exchange: compose and send a bulletin with sections, recipients and a deadline",
    async run() {
      const ctx = await newPage({ label: "exchange-compose" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.duty", "#/exchange/compose");
      await page.waitForSelector("#compose-form .unit-picker");
      // Nothing filled: the form says what is missing, next to the fields.
      await page.click("#compose-form button[type=submit]");
      assertEq(await page.textContent("[data-field=title] .field-error"), "Trường này bắt buộc.", "title error");
      assert((await page.textContent("[data-field=sections] .field-error")).length > 0, "sections error");
      const title = `Báo cáo nhanh tình hình mưa lũ ${Date.now()}`;
      await page.fill("#compose-form [name=title]", title);
      await page.fill("#compose-form [name=situation]", "Mưa lớn kéo dài, nước sông dâng cao tại phường 7.");
      await page.fill("#compose-form [name=assessment]", "Nguy cơ ngập úng khu dân cư ven sông.");
      await page.fill("#compose-form [name=proposals]", "Đề nghị Ban CHQS thành phố hỗ trợ lực lượng di dời dân.");
      await page.check("#compose-form input[name=force][value=military]");
      await page.fill("#compose-form .picker-filter", "don bien phong thoi khanh");
      await page.locator("#compose-form .unit-picker li:not([hidden]) input").first().check();
      await page.fill("#compose-form [name=ack_minutes]", "30");
      await shot(page, "22-exchange-compose");
      await page.click("#compose-form button[type=submit]");
      await page.waitForFunction(() => /^#\/exchange\/\d+$/.test(location.hash), null, { timeout: WAIT_MS });
      await page.waitForSelector("#recipients tbody tr");
      assertEq(await page.textContent("#bulletin-title"), title, "bulletin title");
      const recips = await page.textContent("#recipients");
      assert(recips.includes("Đồn Biên phòng Thới Khánh"), "named unit among the recipients");
      assert(recips.includes("Quân sự"), "the military's province unit among the recipients");
      await done(ctx);
    },
  },
  {
    name: "exchange: field messages arrive live, and a duty officer sends one",
    async run() {
      const ctx = await newPage({ label: "exchange-messages" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.duty", "#/exchange/messages");
      await page.waitForSelector("#messages");
      await page.waitForSelector(".chat-room .live-online");
      // A commune's reporter (below demo.duty's unit) writes from the field.
      const rep = await apiLogin("demo.reporter");
      const text = `Tổ tuần tra đã đến chốt cầu Hàm Luông ${Date.now()}`;
      await api("POST", "/messages", rep, { text, location: { lat: 10.24, lon: 106.37 } });
      await page.waitForFunction((want) => document.querySelector("#messages")?.textContent.includes(want), text, { timeout: WAIT_MS });
      const mine = `Trực ban nhận, giữ liên lạc ${Date.now()}`;
      await page.fill("#message-form [name=text]", mine);
      await page.click("#message-form button[type=submit]");
      await page.waitForFunction((want) => document.querySelector("#messages li.mine")?.textContent.includes(want), mine, { timeout: WAIT_MS });
      await shot(page, "23-exchange-messages");
      await api("POST", "/auth/logout", rep);
      await done(ctx);
    },
  },
  {
    name: "exchange: a field draft is promoted to an incident, another dismissed",
    async run() {
      const rep = await apiLogin("demo.reporter");
      const now = Date.now();
      const d1 = await api("POST", "/incident-drafts", rep, { uid: `e2e-${now}-1`, title: `Ghe lạ neo đậu gần bến phà ${now}`, remarks: "Hai người trên ghe", location: { lat: 10.28, lon: 106.23 } });
      const d2 = await api("POST", "/incident-drafts", rep, { uid: `e2e-${now}-2`, title: `Đám cháy nhỏ ${now}`, location: { lat: 10.29, lon: 106.24 } });
      const ctx = await newPage({ label: "exchange-drafts" });
      const { page } = ctx;
      await gotoLoggedIn(page, "demo.duty", "#/exchange/drafts");
      const c1 = page.locator(`#drafts li[data-id='${d1.id}']`);
      await c1.waitFor();
      await shot(page, "24-exchange-drafts");
      await c1.locator("[data-write='draft.promote']").click();
      await c1.locator("select[name=category]").selectOption("smuggling");
      await c1.locator("form button[type=submit]").click();
      await c1.locator("a[href^='#/incidents/']").waitFor();
      const c2 = page.locator(`#drafts li[data-id='${d2.id}']`);
      await c2.locator("[data-write='draft.dismiss']").click();
      await c2.locator("textarea").fill("Đốt rơm rạ, không phải sự cố");
      await c2.locator("form button[type=submit]").click();
      await page.waitForFunction((id) => !document.querySelector(`#drafts li[data-id='${id}']`), d2.id, { timeout: WAIT_MS });
      const p1 = await api("GET", `/incident-drafts/${d1.id}`, rep);
      assertEq(p1.status, "promoted", "draft 1");
      assert(p1.incident_id, "draft 1 has no incident");
      await api("POST", "/auth/logout", rep);
      await done(ctx);
    },
  },
];
