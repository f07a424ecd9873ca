// incidents/draft.js - the report form's draft, kept in localStorage per person so
// that a phone that kills the tab, a session that expires or a dropped link loses
// nothing; and the sending of a report over a flaky link: the same Idempotency-Key
// (kept with the draft, with the exact body) until the server has it, so a retry,
// even after a reload, never makes a second incident (docs/API.md,
// "POST /api/v1/incidents").

import { api } from "../api.js";

const PREFIX = "phoihop.incident-draft.";
const key = (user) => `${PREFIX}${user.id}`;

export function loadDraft(user) {
  try {
    const raw = localStorage.getItem(key(user));
    if (!raw) return null;
    const d = JSON.parse(raw);
    return d && d.v === 1 ? d : null;
  } catch {
    return null;
  }
}

export function saveDraft(user, draft) {
  try {
    localStorage.setItem(key(user), JSON.stringify({ ...draft, v: 1, saved_at: new Date().toISOString() }));
    return true;
  } catch {
    return false; // storage full or disabled: the form still works, without a draft
  }
}

export function clearDraft(user) {
  try {
    localStorage.removeItem(key(user));
  } catch {
    /* nothing kept */
  }
}

// A fresh random key per report (a UUID v4). crypto.randomUUID needs a secure
// context (HTTPS or localhost); getRandomValues works everywhere.
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// Worth trying again: no answer (the link), a timeout, or a server that is busy
// or stopping. Anything else (422, 403, 409 ...) is the answer.
export function retryable(e) {
  return e && (e.name === "AbortError" || [0, 408, 429, 500, 502, 503, 504].includes(e.status));
}

export const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000]; // then 30 s each time
const REQUEST_TIMEOUT_MS = 20000;

export class Cancelled extends Error {}

// Send pending = {key, body} until the server answers. hooks: onRetry({attempt,
// delayMs, error}), signal (an AbortSignal that stops trying). Resolves to the
// incident (201, or 200 when the server already had it); rejects with the final
// ApiError, or Cancelled.
export async function sendReport(pending, hooks = {}) {
  for (let attempt = 0; ; attempt++) {
    if (hooks.signal && hooks.signal.aborted) throw new Cancelled("cancelled");
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), REQUEST_TIMEOUT_MS);
    const stop = () => ctl.abort();
    if (hooks.signal) hooks.signal.addEventListener("abort", stop);
    try {
      return await api("/incidents", {
        method: "POST",
        body: pending.body,
        headers: { "Idempotency-Key": pending.key },
        signal: ctl.signal,
      });
    } catch (e) {
      if (hooks.signal && hooks.signal.aborted) throw new Cancelled("cancelled");
      if (!retryable(e)) throw e;
      let delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
      if (e.retryAfter) delay = Math.min(Math.max(delay, e.retryAfter * 1000), 60000);
      if (hooks.onRetry) hooks.onRetry({ attempt: attempt + 1, delayMs: delay, error: e });
      await pause(delay, hooks.signal);
    } finally {
      clearTimeout(timer);
      if (hooks.signal) hooks.signal.removeEventListener("abort", stop);
    }
  }
}

// Wait delayMs, or less: the moment the browser says it is online again.
function pause(delayMs, signal) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener("online", done);
      if (signal) signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, delayMs);
    window.addEventListener("online", done);
    if (signal) signal.addEventListener("abort", done);
  });
}
