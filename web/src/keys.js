// keys.js: the keys the user opened, held in this page's memory only.
//
// A keystore file (Web3 Secret Storage, as `anonex account export` and
// geth write) is read from the user's disk and decrypted here with its
// password (ethers.Wallet.fromEncryptedJson); the key is never stored
// (no localStorage, no cookie) and never sent: it signs EIP-712 messages
// in the page, with the domain and types the node serves, and only the
// signatures leave. Reloading or closing the page forgets every key.
import { TypedDataEncoder, Wallet } from "ethers";
import { get, post, q } from "./api.js";
import { h, fill } from "./dom.js";

const wallets = new Map(); // address → ethers Wallet
const names = new Map(); // address → account name, when the node knows it
const listeners = new Set();

function changed() {
  for (const fn of listeners) fn();
}

// onChange calls fn whenever a key is opened or forgotten.
export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// list is the open keys: [{address, name}].
export function list() {
  return [...wallets.keys()].map((address) => ({ address, name: names.get(address) || "" }));
}

export const isOpen = (address) => !!address && wallets.has(address);

// find is the open key of an address, in any case of its hex.
export function find(address) {
  if (!address) return null;
  for (const a of wallets.keys()) if (a.toLowerCase() === address.toLowerCase()) return a;
  return null;
}

// open decrypts a keystore file's text with its password. progress(0…1)
// follows scrypt, which takes about a second for a standard file.
export async function open(json, password, progress) {
  const w = await Wallet.fromEncryptedJson(json, password, progress);
  wallets.set(w.address, w);
  try {
    names.set(w.address, (await get(`/v1/accounts/${q(w.address)}`)).name);
  } catch {
    // an account the node has not seen yet: no name to show
  }
  changed();
  return w.address;
}

export function forget(address) {
  wallets.delete(address);
  names.delete(address);
  changed();
}

// The EIP-712 domain and types the node serves, per type: exactly what a
// wallet signs with (docs/api.md, GET /v1/eip712?type=T).
const typeCache = new Map();
export function typed(type) {
  if (!typeCache.has(type)) {
    const p = get(`/v1/eip712?type=${q(type)}`);
    p.catch(() => typeCache.delete(type));
    typeCache.set(type, p);
  }
  return typeCache.get(type);
}

// sign signs message as the EIP-712 type `type` with the open key of address.
export async function sign(address, type, message) {
  const w = wallets.get(address);
  if (!w) throw new Error("that key is not open");
  const a = await typed(type);
  return w.signTypedData(a.domain, a.types, message);
}

// digest is the id of a signed message (a transaction's, an offer's): its
// EIP-712 digest.
export async function digest(type, message) {
  const a = await typed(type);
  return TypedDataEncoder.hash(a.domain, a.types, message);
}

// serial runs each write of one key after the previous one, so that each
// reads the nonce the previous one used up.
const queues = new Map();
export function serial(address, fn) {
  const p = (queues.get(address) || Promise.resolve()).then(fn, fn);
  queues.set(address, p.catch(() => {}));
  return p;
}

// nextNonce is the account's next nonce in the node's pending view.
export async function nextNonce(address) {
  try {
    return String((await get(`/v1/accounts/${q(address)}`)).nonce);
  } catch (e) {
    if (e.code === "unknown_account") return "0";
    throw e;
  }
}

// transfer signs a Transfer of units of asset from the open key of from to
// to, and sends it to the node: POST /v1/txs's answer ({id, status}).
export function transfer(from, to, asset, units) {
  return serial(from, async () => {
    const message = { from, to, asset, amount: units.toString(), nonce: await nextNonce(from) };
    const signature = await sign(from, "Transfer", message);
    return post("/v1/txs", { type: "Transfer", message, signature });
  });
}

// panel is the "your keys" box: open a keystore file, list the open keys.
// onPick(address) is called when the user picks a key.
export function panel(onPick) {
  const file = h("input#keystore-file", { type: "file", accept: ".json,application/json,*" });
  const password = h("input#keystore-password", { type: "password", placeholder: "password", autocomplete: "off" });
  const status = h("div#keystore-status.note");
  const bar = h("progress#keystore-progress", { max: 1, value: 0, hidden: true });
  const button = h("button#keystore-open", { type: "submit" }, "Open");
  const listEl = h("ul#keys.keys");
  const form = h("form.row", {
    onsubmit: async (e) => {
      e.preventDefault();
      const f = file.files && file.files[0];
      if (!f) {
        fill(status, "Choose a keystore file first.");
        return;
      }
      button.disabled = true;
      bar.hidden = false;
      fill(status, "Decrypting in this page…");
      try {
        const address = await open(await f.text(), password.value, (p) => (bar.value = p));
        password.value = "";
        file.value = "";
        fill(status, "");
        if (onPick) onPick(address);
      } catch (err) {
        fill(status, h("span.error", `Could not open ${f.name}: ${err.shortMessage || err.message}`));
      } finally {
        button.disabled = false;
        bar.hidden = true;
      }
    },
  }, file, password, button, bar);
  const render = () =>
    fill(listEl, list().map((k) =>
      h("li", { "data-address": k.address },
        h("a", { href: `#/wallet/${k.address}` }, k.name || k.address),
        " ", h("code.hash", {}, k.address), " ",
        h("button.small", { type: "button", onclick: () => forget(k.address) }, "Forget"))));
  render();
  const off = onChange(render);
  const el = h("section#key-panel.card",
    h("h2", "Your keys"),
    h("p.note", "A keystore file is decrypted in this page; the key stays in its memory, is never stored or sent, and is forgotten when the page closes. Only signatures leave."),
    form, status, listEl);
  return { el, unmount: off };
}

// select is a <select> of the open keys (for a form that signs), kept up
// to date; preferred is chosen when open.
export function select(id, preferred) {
  const el = h(`select#${id}`);
  const render = () => {
    const cur = el.value || preferred;
    fill(el, list().map((k) => h("option", { value: k.address }, k.name ? `${k.name} (${k.address.slice(0, 8)}…)` : k.address)));
    if (cur && find(cur)) el.value = find(cur);
  };
  render();
  const off = onChange(render);
  return { el, unmount: off };
}
