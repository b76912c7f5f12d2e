// history.js: the transactions and offers this browser sent, with their
// live status. The node keeps no per-account history, so the page keeps
// its own, in localStorage per network (chain id and Anchor): ids, what
// was sent and the last status seen — never a key or a password.
//
// A transaction's status follows the node: pending (or queued) → anchored
// (in a batch the node posted) → settled or failed; rejected when the node
// dropped it; back to pending when a reorg undid its batch. Events say
// most of it (GET /v1/events); the page also asks GET /v1/txs/{id} while a
// transaction is not final (anchored is never an event) and after every
// batch or reorg.
import { get, on, q } from "./api.js";

const FINAL = new Set(["settled", "failed", "rejected"]);
const MAX = 200; // entries kept per network

let storeKey = null;
let txs = []; // newest first: {id, kind, from, to, asset, symbol, amount, at, status, batch_seq, reason, note}
const listeners = new Set();

function save() {
  try {
    localStorage.setItem(storeKey, JSON.stringify(txs.slice(0, MAX)));
  } catch {
    // storage full or disabled: the history lives as long as the page
  }
}

function changed(tx) {
  save();
  for (const fn of listeners) fn(tx);
}

// onChange calls fn(tx) when a transaction is added or its status changes.
export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// forAccount is the transactions an address sent, newest first.
export function forAccount(address) {
  const a = address.toLowerCase();
  return txs.filter((t) => t.from && t.from.toLowerCase() === a);
}

// all is every transaction this browser sent on this network, newest first.
export const all = () => txs;

export const byId = (id) => txs.find((t) => t.id === id);

// add records a transaction the page submitted ({id, status} as POST
// /v1/txs answered, and what it was).
export function add(tx) {
  txs = [{ ...tx, at: Date.now() }, ...txs.filter((t) => t.id !== tx.id)];
  changed(tx);
  poll();
}

function update(id, fields) {
  const t = byId(id);
  if (!t) return;
  let moved = false;
  for (const [k, v] of Object.entries(fields)) {
    if (t[k] !== v) {
      t[k] = v;
      moved = true;
    }
  }
  if (moved) changed(t);
}

// eventsSeen counts the events of each transaction.
const eventsSeen = new Map();

// refresh asks the node for the status of each transaction not final, or
// of all of them (after a reorg or a reconnection).
let inflight = false;
export async function refresh(all) {
  if (inflight) return;
  inflight = true;
  try {
    for (const t of txs.slice(0, MAX)) {
      if (!all && FINAL.has(t.status)) continue;
      // An event that comes while the answer is on its way is newer than
      // the answer: the answer is then dropped.
      const asked = eventsSeen.get(t.id) || 0;
      try {
        const info = await get(`/v1/txs/${q(t.id)}`);
        if ((eventsSeen.get(t.id) || 0) !== asked) continue;
        update(t.id, { status: info.status, batch_seq: info.batch_seq ?? null, reason: info.reason || "" });
      } catch (e) {
        if (e.code === "unknown_tx") update(t.id, { status: "unknown", reason: "this node does not know it" });
      }
    }
  } finally {
    inflight = false;
  }
}

// poll refreshes every second while a transaction is not final.
let timer = null;
function poll() {
  if (timer) return;
  timer = setInterval(() => {
    if (!txs.some((t) => !FINAL.has(t.status) && t.status !== "unknown")) {
      clearInterval(timer);
      timer = null;
      return;
    }
    refresh(false);
  }, 1000);
}

// start loads the network's history and follows it.
export function start(network) {
  storeKey = `anonex.history.${network.chain_id}.${network.anchor.toLowerCase()}`;
  try {
    txs = JSON.parse(localStorage.getItem(storeKey) || "[]");
  } catch {
    txs = [];
  }
  on("tx", (e) => {
    if (!byId(e.id)) return;
    eventsSeen.set(e.id, (eventsSeen.get(e.id) || 0) + 1);
    const fields = { status: e.status, reason: e.reason || "" };
    if (e.seq != null) fields.batch_seq = e.seq;
    if (e.status === "pending") fields.batch_seq = null;
    update(e.id, fields);
    if (!FINAL.has(e.status)) poll();
  });
  on("batch", () => refresh(false));
  on("reorg", () => refresh(true).then(poll));
  on("open", () => refresh(true).then(poll));
  poll();
}

// Offers this browser made, per network too: id, pair and terms.
let offersKey = null;
let offers = [];
export function startOffers(network) {
  offersKey = `anonex.offers.${network.chain_id}.${network.anchor.toLowerCase()}`;
  try {
    offers = JSON.parse(localStorage.getItem(offersKey) || "[]");
  } catch {
    offers = [];
  }
}

export function addOffer(o) {
  offers = [{ ...o, at: Date.now() }, ...offers.filter((x) => x.id !== o.id)].slice(0, MAX);
  try {
    localStorage.setItem(offersKey, JSON.stringify(offers));
  } catch {
    // as above
  }
}

export const myOffers = () => offers;

// closeOffer records that an offer made here is filled, cancelled,
// expired or closed (the node forgot it), for good; it returns status.
export function closeOffer(id, status) {
  const o = offers.find((x) => x.id === id);
  if (o) {
    o.final = status;
    try {
      localStorage.setItem(offersKey, JSON.stringify(offers));
    } catch {
      // as above
    }
  }
  return status;
}
