// cards.js: the Cards page — a card in one of the node's readers (a node
// started with --readers, behind its API token): its purses in their
// units (what each may spend: T − D), their limits, the card's counter and
// PIN tries; loading it from a key opened in the page, as a mobile wallet
// programs a card (the transfer signed here, the issuer's authorization
// shown, then the card written); changing its PIN; blocking a lost card
// at its issuer's node.
import { getAddress } from "ethers";
import { APIError, authGet, authPost, get, on, q, setToken, token } from "./api.js";
import { h, fill, mono, throttle } from "./dom.js";
import * as keys from "./keys.js";
import * as history from "./history.js";
import { display, fromUnits, toUnits } from "./units.js";
import { describe } from "./wallet.js";
import { tokenForm } from "./token.js";

// Assets by id, as GET /v1/assets/{id} tells them (symbol, decimals).
const assetCache = new Map();
function asset(id) {
  const k = id.toLowerCase();
  if (!assetCache.has(k)) {
    const p = get(`/v1/assets/${q(id)}`);
    p.catch(() => assetCache.delete(k));
    assetCache.set(k, p);
  }
  return assetCache.get(k);
}

const amount = (units, a) => `${display(units, a.decimals)} ${a.symbol}`;

// nameOf is an account's name, or "" when the node knows none.
async function nameOf(address) {
  try {
    return (await get(`/v1/accounts/${q(address)}`)).name || "";
  } catch {
    return "";
  }
}

// waitSettled resolves with the transaction's final status as the page's
// history follows it (events, and GET /v1/txs/{id} while not final).
function waitSettled(id, progress) {
  return new Promise((resolve) => {
    const check = () => {
      const t = history.byId(id);
      if (!t) return false;
      progress(t.status);
      if (["settled", "failed", "rejected", "unknown"].includes(t.status)) {
        off();
        resolve(t);
        return true;
      }
      return false;
    };
    const off = history.onChange(check);
    check();
  });
}

export function mount(root, params) {
  let alive = true;
  let reader = params[0] != null && /^\d+$/.test(params[0]) ? Number(params[0]) : null;
  let card = null; // GET /v1/readers/{n}/card
  const purseAssets = new Map(); // asset id → {symbol, decimals}
  const offs = [];

  const keyPanel = keys.panel();
  const tokenBox = h("section#token-box.card");
  const readersEl = h("ul#readers.accounts");
  const readersNote = h("p.note");
  const cardEl = h("section#card.card.wide");
  root.append(
    h("div.col", tokenBox,
      h("section.card", h("h2", "Readers"), readersNote, readersEl,
        h("button#readers-refresh.small", { type: "button", onclick: () => loadReaders() }, "Look again")),
      keyPanel.el),
    h("div.col.main", cardEl));

  // The token: the desk's routes need the node's API token.
  function renderToken(err) {
    fill(tokenBox, h("h2", "API token"),
      h("p.note", token() ? "This tab holds the node's API token (for this tab only)." :
        "The card readers answer only with the node's API token: anonex devnet prints a link that carries it; a node keeps it in DATADIR/api-token."),
      err ? h("p.error", err) : null,
      tokenForm("cards-token", () => {
        renderToken();
        loadReaders();
      }),
      token() ? h("button.small", { type: "button", onclick: () => { setToken(""); renderToken(); loadReaders(); } }, "Forget the token") : null);
  }

  // fault says what a refusal of the desk means to the user.
  function fault(e) {
    if (e instanceof APIError && e.code === "unauthorized") {
      renderToken(token() ? "The node refused this token." : "Give the node's API token first.");
      return "The node's API token is needed.";
    }
    if (e instanceof APIError && e.code === "no_readers") return `${e.message}`;
    return describe(e);
  }

  async function loadReaders() {
    try {
      const rs = await authGet("/v1/readers");
      if (!alive) return;
      fill(readersNote, rs.length ? "" : "The node's machine has no card reader.");
      fill(readersEl, rs.map((r) => h("li", { "data-reader": r.index, class: r.index === reader ? "active" : null },
        h("a", { href: `#/cards/${r.index}` }, `reader ${r.index}`), " ", h("span.note", r.name), " ",
        r.card ? h("b", "card in") : h("span.note", "empty"))));
      if (reader == null) {
        const first = rs.find((r) => r.card);
        if (first) {
          location.hash = `#/cards/${first.index}`;
          return;
        }
      }
    } catch (e) {
      fill(readersNote, h("span.error", fault(e)));
      fill(readersEl);
    }
  }

  // The card shown.
  const headEl = h("div#card-head");
  const pursesEl = h("tbody");
  const standingEl = h("p#card-standing");
  const loadEl = h("div#load-box");
  const loadLog = h("ol#load-log.feed");
  const pinEl = h("div#pin-box");
  const blockEl = h("div#block-box");

  async function loadCard() {
    if (reader == null) {
      fill(cardEl, h("h2", "Cards"), h("p", "Put a card in one of the node's readers, and choose the reader."));
      return;
    }
    try {
      card = await authGet(`/v1/readers/${reader}/card`);
    } catch (e) {
      card = null;
      fill(cardEl, h("h2", `Reader ${reader}`), h("p.error#card-error", fault(e)),
        h("button.small", { type: "button", onclick: () => loadCard() }, "Read again"));
      return;
    }
    if (!alive) return;
    for (const p of card.purses) purseAssets.set(p.asset.toLowerCase(), await asset(p.asset));
    if (!cardEl.contains(headEl)) {
      fill(cardEl, headEl, standingEl,
        h("h3", "Purses"),
        h("table#purses", h("thead", h("tr", ["asset", "spendable", "T (credited)", "D (spent)", "offline up to", "offline in a row", "no PIN up to"].map((c) => h("th", c)))), pursesEl),
        h("h3", "Load from a wallet"), loadEl, loadLog,
        h("h3", "Change the PIN"), pinEl,
        h("h3", "Block a lost card"), blockEl);
      renderLoad();
      renderPIN();
      renderBlock();
    }
    renderCard();
  }

  async function renderCard() {
    const c = card;
    const [name, owner] = await Promise.all([nameOf(c.address), nameOf(c.owner)]);
    fill(headEl,
      h("h2#card-name", name || "Card", " ", h("span.note", `in reader ${c.reader}`)),
      h("dl.facts",
        h("dt", "card account"), h("dd", h("code#card-address.hash", c.address)),
        h("dt", "owner"), h("dd", owner ? `${owner} ` : "", mono(c.owner)),
        h("dt", "state"), h("dd#card-life", c.life),
        h("dt", "counter"), h("dd#card-counter", String(c.counter), h("span.note", " payments signed")),
        h("dt", "PIN tries left"), h("dd#card-pin-left", { class: c.pin_left === 0 ? "error" : null }, String(c.pin_left),
          c.pin_left === 0 ? " — the PIN is blocked: set a new one with the PUK below" : ""),
        h("dt", "PUK tries left"), h("dd#card-puk-left", String(c.puk_left)),
        c.received > 0 ? [h("dt", "received"), h("dd", `${c.received} card-to-card records not yet confirmed`)] : null));
    fill(pursesEl, c.purses.map((p) => {
      const a = purseAssets.get(p.asset.toLowerCase());
      return h("tr", { "data-asset": p.asset, "data-symbol": a.symbol },
        h("td", { title: p.asset }, h("b", a.symbol)),
        h("td.num.spendable", amount(p.spendable, a)),
        h("td.num", display(p.t, a.decimals)),
        h("td.num", display(p.d, a.decimals)),
        h("td.num", amount(p.offline_cap, a)),
        h("td.num", String(p.offline_max)),
        h("td.num", amount(p.no_pin_limit, a)));
    }));
    renderStanding();
  }

  // renderStanding says whether the card's issuer blocked it (or it was
  // flagged as cloned): what every terminal checks online.
  async function renderStanding() {
    const c = card;
    if (!c) return;
    try {
      const s = await get(`/v1/cards/${q(c.address)}`);
      fill(standingEl, s.hot_listed || s.cloned ?
        h("span.error", s.cloned ? "Flagged as cloned: terminals refuse it online." :
          `Blocked by its issuer (${s.block_reason}${s.block_pending ? ", pending" : ""}): terminals refuse it online.`) :
        h("span.note", s.registered ? "Registered with its issuer, in good standing." : "Not registered with an issuer on this network."));
    } catch (e) {
      fill(standingEl, h("span.note", `Its standing: ${describe(e)}`));
    }
  }

  // Load: a Transfer to the card's account, signed here with an open key;
  // once it settles, the issuer's authorization (the purse's new T, which
  // the issuer signs over final credits) is shown and written to the card.
  const loadFrom = keys.select("load-from");
  const loadAsset = h("select#load-asset");
  const loadAmount = h("input#load-amount", { placeholder: "amount", inputmode: "decimal" });
  const loadButton = h("button#load-submit", { type: "submit" }, "Sign, send and write");
  const loadForm = h("form#load.grid", { onsubmit: (e) => { e.preventDefault(); load(); } },
    h("label", { for: "load-from" }, "from"), loadFrom.el,
    h("label", { for: "load-asset" }, "purse"), loadAsset,
    h("label", { for: "load-amount" }, "amount"), loadAmount,
    h("span"), loadButton);
  loadFrom.el.addEventListener("change", () => (loadFrom.el.dataset.touched = "1"));
  offs.push(loadFrom.unmount);

  function renderLoad() {
    if (!card) return;
    const chosen = loadAsset.value;
    fill(loadAsset, card.purses.map((p) => h("option", { value: p.asset }, purseAssets.get(p.asset.toLowerCase()).symbol)));
    if (chosen) loadAsset.value = chosen;
    const owner = keys.find(card.owner);
    if (owner && !loadFrom.el.dataset.touched) loadFrom.el.value = owner;
    fill(loadEl, keys.list().length ? loadForm :
      h("p.note", "Open the keystore file of the account that pays (the card's owner, say) in “Your keys” to load the card from it."),
    h("p.note", "The value moves on the ledger to the card's account; the card can spend it once its issuer's authorization is written to it."));
  }
  offs.push(keys.onChange(() => alive && renderLoad()));

  function step(text, cls) {
    const li = h("li", { class: cls || null }, text);
    loadLog.append(li);
    return li;
  }

  async function load() {
    const from = loadFrom.el.value;
    const c = card;
    const a = purseAssets.get(loadAsset.value.toLowerCase());
    fill(loadLog);
    loadButton.disabled = true;
    try {
      if (!from) throw new Error("open the paying account's keystore first");
      const units = toUnits(loadAmount.value, a.decimals);
      if (units <= 0n) throw new Error("the amount must be more than zero");
      const n = reader;
      step(`Signing in this page a transfer of ${amount(units, a)} from ${from} to the card's account ${c.address}…`);
      const res = await keys.transfer(from, getAddress(c.address), loadAsset.value, units);
      history.add({ id: res.id, status: res.status, kind: "Transfer", note: "card load", from, to: c.address, toName: "card", asset: loadAsset.value, symbol: a.symbol, amount: fromUnits(units, a.decimals) });
      const waiting = step(h("span", "Sent ", mono(res.id), `: ${res.status}`));
      const t = await waitSettled(res.id, (s) => fill(waiting, h("span", "Sent ", mono(res.id), `: ${s}`)));
      if (t.status !== "settled") throw new Error(`the transfer ${t.status}${t.reason ? ": " + t.reason : ""}; nothing moved`);
      step("Asking the card's issuer for its authorization (it signs over final credits: a few blocks)…");
      let auth;
      for (let tries = 0; ; tries++) {
        try {
          auth = await authGet(`/v1/readers/${n}/update?asset=${q(loadAsset.value)}`);
          break;
        } catch (e) {
          if (!(e instanceof APIError && e.code === "not_final") || tries >= 10) throw e;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      const u = auth.authorization;
      step(h("span#load-authorization", "The issuer authorizes the purse's T ", h("b", display(auth.before, a.decimals)), " → ",
        h("b", display(auth.after, a.decimals)), ` ${a.symbol} (update ${u.seq} on ${u.base}), signed `, mono(u.signature)));
      step("Writing it to the card…");
      const w = await authPost(`/v1/readers/${n}/update`, { asset: loadAsset.value });
      step(h("span#load-written", w.written ? "Written: " : "The card was up to date: ", `the card's ${a.symbol} purse can spend `,
        h("b", amount(w.spendable, a)), "."), "ok");
      loadAmount.value = "";
      await loadCard();
    } catch (e) {
      step(h("span.error#load-error", fault(e)));
    } finally {
      loadButton.disabled = false;
    }
  }

  // The PIN: the current one (or the PUK when blocked) and the new one,
  // which goes to the card in the node's reader.
  const pinOld = h("input#pin-old", { type: "password", inputmode: "numeric", autocomplete: "off", placeholder: "PIN (or PUK)" });
  const pinUsePUK = h("input#pin-use-puk", { type: "checkbox" });
  const pinNew = h("input#pin-new", { type: "password", inputmode: "numeric", autocomplete: "off", placeholder: "6 to 12 digits" });
  const pinAgain = h("input#pin-again", { type: "password", inputmode: "numeric", autocomplete: "off" });
  const pinResult = h("div#pin-result");
  const pinButton = h("button#pin-submit", { type: "submit" }, "Change the PIN");
  function renderPIN() {
    fill(pinEl, h("form#pin.grid", { onsubmit: (e) => { e.preventDefault(); changePIN(); } },
      h("label", { for: "pin-old" }, "current"), pinOld,
      h("label", { for: "pin-use-puk" }, "it is the PUK"), h("span", pinUsePUK, h("span.note", " (the PIN is blocked)")),
      h("label", { for: "pin-new" }, "new PIN"), pinNew,
      h("label", { for: "pin-again" }, "again"), pinAgain,
      h("span"), pinButton), pinResult);
  }
  async function changePIN() {
    const digits = (s, lo) => new RegExp(`^[0-9]{${lo},12}$`).test(s);
    const puk = pinUsePUK.checked;
    if (!digits(pinOld.value, puk ? 8 : 6)) return fill(pinResult, h("span.error", `A ${puk ? "PUK is 8" : "PIN is 6"} to 12 digits: this one was not sent to the card (it would cost a try).`));
    if (!digits(pinNew.value, 6)) return fill(pinResult, h("span.error", "The new PIN is 6 to 12 digits."));
    if (pinNew.value !== pinAgain.value) return fill(pinResult, h("span.error", "The two new PINs differ."));
    pinButton.disabled = true;
    try {
      const body = puk ? { puk: pinOld.value, new_pin: pinNew.value } : { pin: pinOld.value, new_pin: pinNew.value };
      const r = await authPost(`/v1/readers/${reader}/pin`, body);
      fill(pinResult, h("span#pin-changed", `The PIN is changed (${r.pin_left} tries).`));
    } catch (e) {
      fill(pinResult, h("span.error#pin-error", fault(e)));
    } finally {
      pinOld.value = pinNew.value = pinAgain.value = "";
      pinButton.disabled = false;
      loadCard();
    }
  }

  // Blocking: the card's issuer puts a CardBlock on the ledger, so every
  // terminal refuses the card online; the card need not be here (it is
  // lost). The issuer's node does it, with its API token.
  const blockCard = h("input#block-card", { placeholder: "the card's account address" });
  const blockReason = h("select#block-reason", h("option", { value: "lost" }, "lost"), h("option", { value: "stolen" }, "stolen"));
  const blockResult = h("div#block-result");
  const blockButton = h("button#block-submit.cancel", { type: "submit" }, "Block the card");
  function renderBlock() {
    if (card && !blockCard.value) blockCard.value = card.address;
    fill(blockEl, h("p.note", "For a card that is lost or stolen: its issuer blocks it on the ledger, and every terminal then refuses it online (offline payments below its limits stay possible until then). Ask on the issuer's node."),
      h("form#block.grid", { onsubmit: (e) => { e.preventDefault(); block(); } },
        h("label", { for: "block-card" }, "card"), blockCard,
        h("label", { for: "block-reason" }, "reason"), blockReason,
        h("span"), blockButton), blockResult);
  }
  async function block() {
    let addr;
    try {
      addr = getAddress(blockCard.value.trim());
    } catch {
      return fill(blockResult, h("span.error", "That is not an address."));
    }
    if (blockButton.dataset.confirm !== addr) {
      blockButton.dataset.confirm = addr;
      fill(blockButton, "Yes, block it for good");
      fill(blockResult, h("span.error", `Block card ${addr}? Terminals will refuse it online for good.`));
      return;
    }
    delete blockButton.dataset.confirm;
    fill(blockButton, "Block the card");
    blockButton.disabled = true;
    try {
      const r = await authPost(`/v1/cards/${q(addr)}/lost`, { reason: blockReason.value });
      fill(blockResult, h("span#block-done", r.already_blocked ? `The card was already blocked (${r.reason}).` : `Blocked (${r.reason}): `,
        r.block_tx ? mono(r.block_tx) : ""));
      loadCard();
    } catch (e) {
      fill(blockResult, h("span.error#block-error", fault(e)));
    } finally {
      blockButton.disabled = false;
    }
  }

  // A card's standing moves with the ledger (its purses only when written
  // to the card, which this page does itself).
  const standingSoon = throttle(() => alive && renderStanding(), 2000);
  offs.push(on("batch", standingSoon), on("reorg", standingSoon), standingSoon.cancel);

  renderToken();
  loadReaders();
  loadCard();
  return {
    unmount() {
      alive = false;
      keyPanel.unmount();
      offs.forEach((off) => off());
    },
  };
}
