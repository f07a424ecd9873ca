// api.js - the JSON API (docs/API.md) from the browser: the bearer token of the
// login, errors as ApiError, and the way back to the login page when the session
// ends. The token is kept in sessionStorage (this tab only, gone when the tab
// closes; see docs/SECURITY.md, "Web application").

import { currentLang } from "./i18n.js";

const TOKEN_KEY = "phoihop.token";
let user = null; // GET /api/v1/auth/me, cached for the session

export class ApiError extends Error {
  constructor(status, code, message, field, retryAfter) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || "";
    this.field = field || null;
    this.retryAfter = retryAfter || 0; // seconds (429, 503)
  }
}

export function token() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function setToken(v) {
  try {
    if (v) sessionStorage.setItem(TOKEN_KEY, v);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled: the session lasts this page only */
  }
}

// The page to come back to after logging in again ("/dashboard", ...).
export function currentRoute() {
  const h = location.hash.replace(/^#/, "");
  return h.startsWith("/login") || h === "" ? "/dashboard" : h;
}

// Forget the session and show the login page, remembering where we were.
export function sessionEnded(expired = true) {
  setToken(null);
  user = null;
  // Several requests may fail at once: the first one chooses where to come back to.
  if (location.hash.startsWith("#/login")) return;
  const next = encodeURIComponent(currentRoute());
  location.hash = `#/login?next=${next}${expired ? "&expired=1" : ""}`;
}

// Cancelling requests. abort() with no reason rejects whatever waits on the signal
// with "signal is aborted without reason", which says nothing about who cancelled;
// abort(abortReason("left the map page")) says it, and stays an AbortError, so
// isAbort() (and e.name checks) still tell a cancellation from a real failure.
export function abortReason(why) {
  return new DOMException(why, "AbortError");
}

export function isAbort(e) {
  return Boolean(e) && e.name === "AbortError";
}

// fetch() of /api/v1<path>. opts: method, body (an object: sent as JSON), headers,
// auth (default true). Resolves to the parsed JSON (or null for 204); rejects with
// ApiError. A 401 on an authenticated call ends the session.
export async function api(path, opts = {}) {
  const headers = { Accept: "application/json", "Accept-Language": currentLang(), ...opts.headers };
  const auth = opts.auth !== false;
  if (auth) {
    const tk = token();
    if (!tk) {
      sessionEnded(false);
      throw new ApiError(401, "unauthenticated", "not logged in");
    }
    headers.Authorization = `Bearer ${tk}`;
  }
  let body;
  if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method: opts.method || "GET", headers, body, signal: opts.signal });
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new ApiError(0, "network", e.message);
  }
  if (res.status === 204) return null;
  let data = null;
  const type = res.headers.get("Content-Type") || "";
  // JSON and its kin (application/geo+json: tracks, latest positions).
  if (/^application\/([\w.-]+\+)?json/.test(type)) {
    try {
      data = await res.json();
    } catch (e) {
      // Cancelled while the body was arriving: a cancellation, not an empty answer.
      if (isAbort(e)) throw e;
      data = null;
    }
  }
  if (res.ok) return data;
  const err = (data && data.error) || {};
  const e = new ApiError(res.status, err.code, err.message, err.field, Number(res.headers.get("Retry-After")) || 0);
  e.details = err; // every member of the error (e.g. conflict_operation_id of a 409)
  if (res.status === 401 && auth) sessionEnded(true);
  throw e;
}

export async function login(username, password) {
  const r = await api("/auth/login", { method: "POST", body: { username, password }, auth: false });
  setToken(r.token);
  user = null;
  return r;
}

export async function logout() {
  try {
    await api("/auth/logout", { method: "POST" });
  } catch {
    /* the session is gone either way */
  }
  setToken(null);
  user = null;
}

// The person logged in (roles, unit, force, clearance), fetched once per session.
export async function me() {
  if (!user) user = await api("/auth/me");
  return user;
}

// Ask again (the roles, unit or clearance may have changed, or the session ended:
// then api() has already gone to the login page).
export async function refreshMe() {
  user = await api("/auth/me");
  return user;
}

export function cachedUser() {
  return user;
}

export function isLoggedIn() {
  return Boolean(token());
}

// The live feed's URL: EventSource cannot send headers, so the token goes in the
// query (docs/API.md, "Live feed": the server redacts it from its log).
export function streamUrl() {
  return `/api/v1/stream?access_token=${encodeURIComponent(token() || "")}`;
}

// What a person may do, from their roles (docs/API.md). The server decides; this
// only keeps the page from offering what would be refused.
const WRITERS = ["reporter", "duty_officer", "commander", "coordinator"];
const ACKERS = ["duty_officer", "commander", "coordinator"];
export function can(u, action) {
  const roles = (u && u.roles) || [];
  const any = (list) => roles.some((r) => list.includes(r));
  switch (action) {
    case "incident.create":
      return any(WRITERS);
    case "incident.acknowledge":
    case "bulletin.acknowledge":
      return any(ACKERS);
    case "bulletin.send":
      return any(WRITERS);
    case "admin":
      return roles.includes("admin");
    default:
      return false;
  }
}
