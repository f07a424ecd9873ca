// run.mjs - runs the browser tests one after the other, each bounded in time, and
// exits non-zero when any fails. scripts/e2e.sh starts the server and sets E2E_BASE.
// Usage: E2E_BASE=http://127.0.0.1:PORT node tests/e2e/run.mjs [name filter]

import { closeBrowser, launch } from "./lib.mjs";
import { tests as app } from "./app.test.mjs";
import { tests as map } from "./map.test.mjs";
import { tests as incidents } from "./incidents.test.mjs";
import { tests as exchange } from "./exchange.test.mjs";
import { tests as operations } from "./operations.test.mjs";
import { tests as admin } from "./admin.test.mjs";
import { tests as schedules } from "./schedules.test.mjs";
import { tests as offlinePhotos } from "./offline_photos.test.mjs";
import { tests as hotspots } from "./hotspots.test.mjs";
import { tests as incidentsFlow } from "./incidents_flow.test.mjs";
import { tests as operationsEdit } from "./operations_edit.test.mjs";
import { tests as leave } from "./leave.test.mjs";

// The CSP check (app.test.mjs) reads what every test before it saw: it stays last.
const last = app.filter((t) => t.name.startsWith("no CSP"));
const tests = [...app.filter((t) => !last.includes(t)), ...map, ...incidents, ...exchange, ...operations, ...admin, ...hotspots, ...schedules, ...offlinePhotos, ...last];
tests.splice(tests.length - last.length, 0, ...incidentsFlow, ...operationsEdit, ...leave); // before the CSP check

const TEST_TIMEOUT_MS = Number(process.env.E2E_TEST_TIMEOUT_MS || 45000);
const filter = process.argv[2] || "";

function bounded(promise, ms, name) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name}: timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const started = Date.now();
let failed = 0;
let passed = 0;
try {
  await bounded(launch(), 30000, "launching chromium");
} catch (e) {
  console.error(`e2e: cannot start chromium: ${e.message}`);
  process.exit(1);
}
for (const t of tests) {
  if (filter && !t.name.includes(filter) && !t.name.startsWith("no CSP")) continue;
  const t0 = Date.now();
  try {
    await bounded(t.run(), TEST_TIMEOUT_MS, t.name);
    passed++;
    console.log(`PASS  ${t.name}  (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL  ${t.name}  (${Date.now() - t0} ms)\n      ${String(e.stack || e).split("\n").join("\n      ")}`);
  }
}
await bounded(closeBrowser(), 10000, "closing chromium").catch(() => {});
console.log(`e2e: ${passed} passed, ${failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
