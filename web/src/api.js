// api.js: the node's API (docs/api.md), from the node that served the page.

// APIError is a refusal of the node: its code, message and candidates
// (docs/api.md, the error body).
export class APIError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.code = (body && body.code) || "http_" + status;
    this.candidates = (body && body.candidates) || [];
  }
}

async function answer(r) {
  let body = null;
  try {
    body = await r.json();
  } catch {
    // not JSON: said below by the status
  }
  if (!r.ok) throw new APIError(r.status, body);
  return body;
}

// get answers GET path.
export async function get(path, signal) {
  return answer(await fetch(path, { headers: { accept: "application/json" }, signal }));
}

// post answers POST path with body as JSON.
export async function post(path, body) {
  return answer(await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
  }));
}

// The node's API token, for the calls that need it (docs/api.md,
// "Authorization"): the card readers' routes. The page keeps it in this
// tab's sessionStorage only, never in the URL, and sends it only to the
// node that served the page.
const tokenKey = "anonex.api-token";
export const token = () => sessionStorage.getItem(tokenKey) || "";
export function setToken(t) {
  if (t) sessionStorage.setItem(tokenKey, t.trim());
  else sessionStorage.removeItem(tokenKey);
}

function authHeaders(json) {
  const hs = { accept: "application/json", authorization: "Bearer " + token() };
  if (json) hs["content-type"] = "application/json";
  return hs;
}

// authGet and authPost are get and post with the API token.
export async function authGet(path, signal) {
  return answer(await fetch(path, { headers: authHeaders(false), signal }));
}

export async function authPost(path, body) {
  return answer(await fetch(path, { method: "POST", headers: authHeaders(true), body: JSON.stringify(body) }));
}

// q escapes a path segment.
export const q = encodeURIComponent;

// The event stream: one EventSource for the page (a client address may
// hold 8). Listeners get each event's JSON by type; "open" listeners are
// called on every (re)connection, after which a page fetches afresh what
// it shows, since events may have been missed while disconnected.
const types = ["tx", "batch", "reorg", "offer", "deposit", "venue", "conversion"];
const listeners = new Map();
const stateListeners = new Set();
let source = null;
let state = "connecting";
let retry = null;

export function on(type, fn) {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type).add(fn);
  return () => listeners.get(type).delete(fn);
}

// onState calls fn with "connecting", "live" or "down" now and on each change.
export function onState(fn) {
  stateListeners.add(fn);
  fn(state);
  return () => stateListeners.delete(fn);
}

function setState(s) {
  if (s === state) return;
  state = s;
  for (const fn of stateListeners) fn(s);
  if (s === "live") for (const fn of listeners.get("open") || []) fn();
}

// recent is the newest events since the page loaded (newest first, at
// most 50, each with the time it came), and seen counts the transaction
// events by status: what the Network page shows whenever it is opened.
export const recent = [];
export const seen = { pending: 0, queued: 0, settled: 0, failed: 0, rejected: 0 };

function dispatch(type, data) {
  let ev;
  try {
    ev = JSON.parse(data);
  } catch {
    return;
  }
  ev.type = ev.type || type;
  recent.unshift({ at: Date.now(), ev });
  if (recent.length > 50) recent.pop();
  if (type === "tx" && ev.status in seen) seen[ev.status]++;
  for (const fn of listeners.get(type) || []) fn(ev);
  for (const fn of listeners.get("*") || []) fn(ev);
}

export function connect() {
  if (source) source.close();
  clearTimeout(retry);
  setState("connecting");
  source = new EventSource("/v1/events");
  source.onopen = () => setState("live");
  for (const t of types) source.addEventListener(t, (e) => dispatch(t, e.data));
  // The node closes the stream when it stops, or when this page fell too
  // far behind: connect again.
  source.addEventListener("closed", () => reconnect(1000));
  source.onerror = () => {
    // EventSource retries by itself unless the answer was an error (429
    // too_many_streams, 503 busy): then it is closed and we retry slower.
    if (source.readyState === EventSource.CLOSED) reconnect(5000);
    else setState("connecting");
  };
}

function reconnect(ms) {
  if (source) source.close();
  source = null;
  setState("down");
  clearTimeout(retry);
  retry = setTimeout(connect, ms);
}
