// offline_photos.test.mjs - a photo taken with no link reaches the server once (run
// by run.mjs): on a phone, offline, the duty officer fills in a report with a photo
// and sends it; the page is reloaded (the report and its photo come back from the
// draft: localStorage and IndexedDB); the link returns; the incident is made once
// and gets exactly one attachment, with the photo's very bytes, even though the
// answer to the first upload is lost on the way (the photo is looked for on the
// server before it is sent again).

import { deflateSync } from "node:zlib";
import { api, apiLogin, assert, assertEq, BASE, cspViolations, gotoLoggedIn, newPage, problems, shot } from "./lib.mjs";

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

async function done(ctx) {
  for (const v of await cspViolations(ctx.page).catch(() => [])) problems.csp.push(v);
  await ctx.context.close();
}

function forgiveNetworkErrors(label) {
  problems.console = problems.console.filter(
    (m) => !(m.startsWith(`${label}:`) && /net::ERR_(INTERNET_DISCONNECTED|CONNECTION_RESET|FAILED|NETWORK_CHANGED|NAME_NOT_RESOLVED|ABORTED)/.test(m)),
  );
}

// A small PNG with a gradient (real bytes: the server decides the type from them).
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
  ihdr[8] = 8;
  ihdr[9] = 2;
  const seed = Date.now() & 0xff; // each run its own bytes
  const rows = Array.from({ length: h }, (_, y) => {
    const row = Buffer.alloc(1 + w * 3);
    for (let x = 0; x < w; x++) row.set([(x * 7 + seed) & 0xff, (y * 5) & 0xff, 90], 1 + x * 3);
    return row;
  });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.concat(rows))), chunk("IEND", Buffer.alloc(0))]);
}

export const tests = [
  {
    name: "offline photos: a report with a photo made offline survives a reload and reaches the server once, with its bytes",
    async run() {
      const label = "inc-photos-offline";
      const ctx = await newPage({ label, ...PHONE });
      const { page, context } = ctx;
      const title = `Sạt lở bờ sông ấp Giồng Chùa ${`${Date.now()}`.slice(-7)}`;
      const bytes = png(48, 32);
      await gotoLoggedIn(page, "demo.duty", "#/incidents/new");
      await page.waitForSelector(".cat-tiles .tile");

      // No link from here on.
      await context.setOffline(true);
      await page.tap(".tile[data-code=accident]");
      await page.waitForSelector("#inc-title:visible");
      await page.fill("#inc-title", title);
      await page.setInputFiles("#inc-photos", { name: "hiện trường.png", mimeType: "image/png", buffer: bytes });
      await page.waitForSelector("#inc-photo-list li[data-state=pending]");
      assert((await page.textContent("#inc-photo-list li")).includes("chờ gửi"), "the photo waits");
      await page.tap("#inc-submit");
      await page.waitForSelector("#inc-send-state[data-state=retrying]");
      await shot(page, "27-incident-photo-offline-phone");

      // A reload: the page itself needs the server (there is no service worker), so
      // the browser gets its files while the API stays unreachable.
      const attempts = { incidents: 0, uploads: 0 };
      let apiDown = true;
      let dropFirstUpload = true;
      await context.route("**/api/v1/incidents**", async (route) => {
        const rq = route.request();
        const isPost = rq.method() === "POST";
        if (isPost && /\/incidents$/.test(new URL(rq.url()).pathname)) attempts.incidents++;
        if (apiDown) return route.abort("internetdisconnected");
        if (isPost && /\/attachments$/.test(new URL(rq.url()).pathname)) {
          attempts.uploads++;
          if (dropFirstUpload) {
            dropFirstUpload = false;
            await route.fetch(); // the server stores it
            return route.abort("connectionreset"); // the answer is lost
          }
        }
        return route.continue();
      });
      await context.setOffline(false);
      await page.reload();
      await page.waitForSelector("#inc-draft-note:visible");
      assertEq(await page.inputValue("#inc-title"), title, "title restored");
      await page.waitForSelector("#inc-photo-list li[data-state=pending]");
      assert((await page.textContent("#inc-photo-list li")).includes("hiện trường.png"), "the photo restored");
      assert((await page.textContent("#inc-draft-note")).includes("khôi phục 1 ảnh"), "the note says the photo came back");
      await page.waitForSelector("#inc-send-state[data-state=retrying]");
      await context.setOffline(true);

      // The link comes back.
      apiDown = false;
      await context.setOffline(false);
      await page.waitForFunction(() => /^#\/incidents\/\d+/.test(location.hash), null, { timeout: 30000 });
      assert(!dropFirstUpload, "the first upload's answer was not dropped");
      assert(attempts.uploads === 1, `uploads sent: ${attempts.uploads} (a lost answer must not make a second)`);
      const id = Number((await page.evaluate(() => location.hash)).match(/^#\/incidents\/(\d+)/)[1]);

      const token = await apiLogin("demo.duty");
      const found = (await api("GET", `/incidents?q=${encodeURIComponent(title)}&limit=10`, token)).items.filter((i) => i.title === title);
      assertEq(found.length, 1, "incidents created");
      assertEq(found[0].id, id, "the incident shown");
      const atts = await api("GET", `/incidents/${id}/attachments`, token);
      assertEq(atts.items.length, 1, "attachments");
      assertEq(atts.items[0].filename, "hiện trường.png", "file name");
      assertEq(atts.items[0].content_type, "image/png", "type");
      const res = await fetch(`${BASE}/api/v1/incidents/${id}/attachments/${atts.items[0].id}`, { headers: { Authorization: `Bearer ${token}` } });
      const got = Buffer.from(await res.arrayBuffer());
      assert(got.equals(bytes), `bytes differ (${got.length} vs ${bytes.length})`);
      // Nothing left in the draft's store.
      const left = await page.evaluate(
        () =>
          new Promise((resolve) => {
            const rq = indexedDB.open("phoihop");
            rq.onsuccess = () => {
              const g = rq.result.transaction("draft-photos").objectStore("draft-photos").count();
              g.onsuccess = () => resolve(g.result);
            };
            rq.onerror = () => resolve(-1);
          }),
      );
      assertEq(left, 0, "photos kept after sending");
      await api("POST", "/auth/logout", token);
      await context.unroute("**/api/v1/incidents**");
      await done(ctx);
      forgiveNetworkErrors(label);
    },
  },
];
