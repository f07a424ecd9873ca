// lib.mjs - what the browser tests share: Debian's Chromium through playwright-core,
// pages that record console errors and CSP violations, logging in through the UI and
// through the API, bounded waits, and screenshots for docs/screenshots/.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const BASE = process.env.E2E_BASE || "http://127.0.0.1:8080";
export const PASSWORD = process.env.E2E_DEMO_PASSWORD || "phoihop-demo";
export const SHOTS = process.env.E2E_SCREENSHOTS || "";
export const WAIT_MS = 10000; // every wait is bounded

// Everything the pages said that a test must not ignore.
export const problems = { csp: [], errors: [], console: [] };

let browser = null;

export async function launch() {
  const args = ["--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--lang=vi-VN"];
  // Chromium's sandbox cannot start as root (CI containers): as Debian's wrapper advises.
  if (process.getuid && process.getuid() === 0) args.push("--no-sandbox");
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args,
  });
  return browser;
}

export async function closeBrowser() {
  if (browser) await browser.close();
  browser = null;
}

// A new context (fresh storage, like another person's browser) with one page that
// reports CSP violations, script errors and console errors into `problems`.
export async function newPage(opts = {}) {
  const context = await browser.newContext({
    locale: "vi-VN",
    timezoneId: "Asia/Ho_Chi_Minh",
    viewport: { width: 1366, height: 900 },
    ...opts,
  });
  context.setDefaultTimeout(WAIT_MS);
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const page = await context.newPage();
  const label = opts.label || "page";
  page.on("console", (msg) => {
    const text = msg.text();
    if (/Content[- ]Security[- ]Policy/i.test(text)) problems.csp.push(`${label}: ${text}`);
    else if (msg.type() === "error" && !expectedConsoleError(text)) problems.console.push(`${label}: ${text}`);
  });
  page.on("pageerror", (err) => problems.errors.push(`${label}: ${err.message}`));
  return { context, page };
}

// Failed requests the tests cause on purpose (a wrong password, a revoked
// session) show up in the console as "Failed to load resource: ... 401".
function expectedConsoleError(text) {
  return /Failed to load resource: the server responded with a status of (401|429)/.test(text);
}

export async function cspViolations(page) {
  return page.evaluate(() => window.__csp || []);
}

// Log in through the form; waits for the page the app goes to.
export async function uiLogin(page, username, password = PASSWORD) {
  await page.fill("#username", username);
  await page.fill("#password", password);
  await page.click("form.login-form button[type=submit]");
}

export async function gotoLoggedIn(page, username, hash = "#/dashboard") {
  await page.goto(`${BASE}/${hash}`);
  await page.waitForSelector("#username");
  await uiLogin(page, username);
  await page.waitForFunction((h) => location.hash.startsWith(h), hash, { timeout: WAIT_MS });
  // The login page's heading stays until the page's own module has rendered.
  await page.waitForFunction(() => document.querySelector("main h1") && !document.querySelector("form.login-form"), null, { timeout: WAIT_MS });
}

// The JSON API from node (the other person's side of a test).
export async function api(method, path, token, body, headers = {}) {
  const res = await fetch(`${BASE}/api/v1${path}`, {
    method,
    headers: {
      Accept: "application/json",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return json;
}

export async function apiLogin(username, password = PASSWORD) {
  const r = await api("POST", "/auth/login", null, { username, password });
  return r.token;
}

export async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  // Let fonts and the chart settle; a bounded pause, not a wait for anything.
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

export function assertEq(got, want, what) {
  if (got !== want) throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}
