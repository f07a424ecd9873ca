// incidents/draft.js - the report form's draft, kept in localStorage per person so
// that a phone that kills the tab, a session that expires or a dropped link loses
// nothing; and the sending of a report over a flaky link: the same Idempotency-Key
// (kept with the draft, with the exact body) until the server has it, so a retry,
// even after a reload, never makes a second incident (docs/API.md,
// "POST /api/v1/incidents"). The photos are kept with the draft in IndexedDB and
// sent, each once, after the report (below).

import { abortReason, api, isAbort } from "../api.js";
import { rawFetch } from "./common.js";

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
  return e && (isAbort(e) || [0, 408, 429, 500, 502, 503, 504].includes(e.status));
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
    const timer = setTimeout(() => ctl.abort(abortReason(`no answer in ${REQUEST_TIMEOUT_MS / 1000} s`)), REQUEST_TIMEOUT_MS);
    const stop = () => ctl.abort(abortReason("sending stopped"));
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

// ---- photos kept with the draft ------------------------------------------------------------
// Photos are Blobs, too big for localStorage: they are kept in IndexedDB, one record
// per photo, owned by the person: {id, owner, name, type, size, blob, sha256,
// added_at, incident_id, ref, tried}. A photo of the draft has incident_id null;
// once the report is filed its photos are bound to the incident and stay until each
// has reached the server, even across a reload. The attachment API has no
// Idempotency-Key: a photo sent once whose answer was lost (`tried`) is looked for in
// the incident's attachments (by SHA-256, or by name and size where the browser
// cannot hash) before it is sent again, so it reaches the server once.

const IDB_NAME = "phoihop";
const IDB_STORE = "draft-photos";
let dbP = null;

function openDb() {
  if (!dbP)
    dbP = new Promise((resolve, reject) => {
      if (typeof indexedDB === "undefined") return reject(new Error("no IndexedDB"));
      const rq = indexedDB.open(IDB_NAME, 1);
      rq.onupgradeneeded = () => {
        const st = rq.result.createObjectStore(IDB_STORE, { keyPath: "id" });
        st.createIndex("owner", "owner");
      };
      rq.onsuccess = () => resolve(rq.result);
      rq.onerror = () => reject(rq.error || new Error("IndexedDB"));
      rq.onblocked = () => reject(new Error("IndexedDB blocked"));
    }).catch((e) => {
      dbP = null;
      throw e;
    });
  return dbP;
}

async function tx(mode, fn) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const t = db.transaction(IDB_STORE, mode);
    const out = fn(t.objectStore(IDB_STORE));
    t.oncomplete = () => resolve(out && "result" in out ? out.result : undefined);
    t.onerror = () => reject(t.error || new Error("IndexedDB"));
    t.onabort = () => reject(t.error || new Error("IndexedDB aborted"));
  });
}

// Every photo the person has kept (the draft's and those still to upload), oldest first.
export async function loadPhotos(user) {
  const all = await tx("readonly", (st) => st.index("owner").getAll(user.id));
  return (all || []).sort((a, b) => (a.added_at < b.added_at ? -1 : a.added_at > b.added_at ? 1 : 0));
}

export function putPhoto(rec) {
  return tx("readwrite", (st) => st.put(rec));
}

export function deletePhoto(id) {
  return tx("readwrite", (st) => st.delete(id));
}

// A new record for a picked file (not yet stored).
export async function photoRecord(user, file) {
  return {
    id: newIdempotencyKey(),
    owner: user.id,
    name: (file.name || "anh.jpg").normalize("NFC"),
    type: file.type || "",
    size: file.size,
    blob: file,
    sha256: await sha256Hex(file),
    added_at: new Date().toISOString(),
    incident_id: null,
    ref: null,
    tried: false,
  };
}

// SHA-256 of a Blob in hex (null where SubtleCrypto is missing: plain HTTP).
export async function sha256Hex(blob) {
  try {
    if (!crypto.subtle) return null;
    const d = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
  } catch {
    return null;
  }
}

// The draft's photos now belong to incident inc (the report was filed).
export async function bindPhotos(recs, inc) {
  for (const r of recs) {
    if (r.incident_id) continue;
    r.incident_id = inc.id;
    r.ref = inc.ref;
    await putPhoto(r).catch(() => {});
  }
}

const UPLOAD_TIMEOUT_MS = 120000;

// The attachment of incident r.incident_id that is this photo, if the server has it.
async function findOnServer(r, signal) {
  const list = await api(`/incidents/${r.incident_id}/attachments`, { signal });
  return (list.items || []).find((a) => (r.sha256 ? a.sha256 === r.sha256 : a.filename === r.name && a.size === r.size)) || null;
}

// Send photo r (bound to an incident) until the server has it. hooks: onState(state,
// detail) with "sending" / "waiting" (a retry is due), signal. Resolves to the
// attachment's metadata; rejects with the server's answer (422, 403, 409 ...) or
// Cancelled. The record is deleted once the server has the photo.
export async function uploadPhoto(r, hooks = {}) {
  const on = hooks.onState || (() => {});
  for (let attempt = 0; ; attempt++) {
    if (hooks.signal && hooks.signal.aborted) throw new Cancelled("cancelled");
    on("sending", { attempt });
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(abortReason(`no answer in ${UPLOAD_TIMEOUT_MS / 1000} s`)), UPLOAD_TIMEOUT_MS);
    const stop = () => ctl.abort(abortReason("sending stopped"));
    if (hooks.signal) hooks.signal.addEventListener("abort", stop);
    try {
      let got = r.tried ? await findOnServer(r, ctl.signal) : null;
      if (!got) {
        // From here on the server may have it even when no answer comes back.
        r.tried = true;
        await putPhoto(r).catch(() => {});
        const q = new URLSearchParams({ filename: r.name });
        const res = await rawFetch(`/incidents/${r.incident_id}/attachments?${q}`, { method: "POST", body: r.blob, signal: ctl.signal });
        got = await res.json();
      }
      await deletePhoto(r.id).catch(() => {});
      return got;
    } catch (e) {
      if (hooks.signal && hooks.signal.aborted) throw new Cancelled("cancelled");
      if (!retryable(e)) throw e;
      let delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
      if (e.retryAfter) delay = Math.min(Math.max(delay, e.retryAfter * 1000), 60000);
      on("waiting", { attempt: attempt + 1, delayMs: delay, error: e });
      await pause(delay, hooks.signal);
    } finally {
      clearTimeout(timer);
      if (hooks.signal) hooks.signal.removeEventListener("abort", stop);
    }
  }
}
