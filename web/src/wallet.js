// wallet.js: the Wallet page — accounts with their names and balances
// (GET /v1/accounts, /v1/accounts/{q}), an account's address as a QR
// code, and, for a key opened in the page, sending (a Transfer signed
// here, POST /v1/txs) and the history of what this browser sent, with
// live status.
import { getAddress } from "ethers";
import { APIError, get, on, q } from "./api.js";
import { h, fill, mono, throttle, when } from "./dom.js";
import * as keys from "./keys.js";
import * as history from "./history.js";
import { canvas } from "./qr.js";
import { toUnits } from "./units.js";

const PAGE = 50; // accounts a page of the directory

export function mount(root, params) {
  const query = params[0] || (keys.list()[0] && keys.list()[0].address) || "";
  const keyPanel = keys.panel((address) => (location.hash = `#/wallet/${address}`));
  const accountEl = h("section#account.card.wide");
  const dirEl = h("ul#accounts.accounts");
  const lookup = h("input#lookup", { placeholder: "name, prefix or address" });
  const more = h("button#accounts-more.small", { type: "button", hidden: true }, "More");
  const dirNote = h("p.note");
  root.append(
    h("div.col",
      keyPanel.el,
      h("section.card", h("h2", "Accounts"),
        h("form.row", { onsubmit: (e) => { e.preventDefault(); if (lookup.value.trim()) location.hash = `#/wallet/${q(lookup.value.trim())}`; } },
          lookup, h("button", { type: "submit" }, "Find")),
        dirNote, dirEl, more)),
    h("div.col.main", accountEl));

  let alive = true;
  let account = null; // GET /v1/accounts/{q}
  const offs = [];

  // The directory: the settled state's numbered accounts, in number order.
  let next = 0, count = 0;
  async function loadDirectory() {
    try {
      const page = await get(`/v1/accounts?from=${next}&limit=${PAGE}`);
      count = page.count;
      for (const a of page.accounts) {
        dirEl.append(h("li", { "data-address": a.address },
          h("a", { href: `#/wallet/${a.address}` }, a.name), " ", h("span.num", `#${a.number}`)));
        next = a.number + 1;
      }
      more.hidden = next >= count;
      fill(dirNote, `${count} accounts are numbered in the settled state.`);
    } catch (e) {
      fill(dirNote, h("span.error", e.message));
    }
  }
  more.onclick = loadDirectory;

  // The account shown.
  const balancesEl = h("tbody");
  const headEl = h("div.account-head");
  const sendEl = h("div#send-box");
  const historyEl = h("tbody");
  const historyBox = h("div#history-box", { hidden: true },
    h("h3", "Sent from this browser"),
    h("p.note", "The node keeps no history of an account; this is what this browser sent, with the node's live status."),
    h("table#history", h("thead", h("tr", ["time", "to", "amount", "transaction", "status", "batch"].map((c) => h("th", c)))), historyEl));

  function renderAccount() {
    if (!account) return;
    const a = account;
    fill(headEl,
      h("div",
        h("h2#account-name", a.name),
        h("p", h("code#account-address.hash", a.address)),
        h("p.note", a.number == null ? "not numbered yet (no settled transaction touched it)" : `account number ${a.number}`,
          ` · next nonce ${a.nonce} · settled nonce ${a.settled_nonce}`,
          a.conflicted ? h("span.error", " · this account signed two transactions with one nonce") : null)),
      canvas(a.address, 4));
    fill(balancesEl, a.balances.length === 0 ? h("tr", h("td", { colspan: 3 }, "No balances.")) :
      a.balances.map((b) => h("tr", { "data-symbol": b.symbol, "data-asset": b.asset },
        h("td", h("b", b.symbol), " ", mono(b.asset)),
        h("td.settled.num", b.settled),
        h("td.pending.num", { class: b.pending !== b.settled ? "differs" : null }, b.pending))));
    renderSend();
    renderHistory();
  }

  // The form of a Transfer signed in this page: made once, so a refresh
  // of the balances never takes the focus from what the user types.
  const to = h("input#send-to", { placeholder: "name or address" });
  const asset = h("select#send-asset");
  const amount = h("input#send-amount", { placeholder: "amount", inputmode: "decimal" });
  const result = h("div#send-result");
  const button = h("button#send-submit", { type: "submit" }, "Sign and send");
  const form = h("form#send.grid", {
    onsubmit: async (e) => {
      e.preventDefault();
      const from = account && keys.find(account.address);
      if (!from) return;
      button.disabled = true;
      fill(result, "Signing…");
      try {
        fill(result, await send(from, to.value.trim(), asset.value, amount.value.trim()));
        amount.value = "";
      } catch (err) {
        fill(result, h("span.error", describe(err)));
      } finally {
        button.disabled = false;
      }
    },
  }, h("label", { for: "send-to" }, "to"), to, h("label", { for: "send-asset" }, "asset"), asset,
  h("label", { for: "send-amount" }, "amount"), amount, h("span"), button);
  const sendBox = h("div", h("h3", "Send"), h("p.note", "Signed in this page with the open key (EIP-712, as any wallet signs it), then sent to this node."), form, result);
  function renderSend() {
    const open = account && keys.find(account.address);
    historyBox.hidden = !open;
    if (!open) {
      fill(sendEl, h("p.note", "Open this account's keystore file to send from it."));
      return;
    }
    const chosen = asset.value;
    fill(asset, account.balances.map((b) => h("option", { value: b.asset }, `${b.symbol} (${b.pending} available)`)));
    if (chosen && account.balances.some((b) => b.asset === chosen)) asset.value = chosen;
    if (sendEl.firstChild !== sendBox) fill(sendEl, sendBox);
  }

  async function send(from, toText, assetId, amountText) {
    const bal = account.balances.find((b) => b.asset === assetId);
    if (!bal) throw new Error("choose an asset the account holds");
    if (!toText) throw new Error("say whom to send to");
    let to, toName = "";
    if (/^0x[0-9a-fA-F]{40}$/.test(toText)) {
      to = getAddress(toText); // refuses a mixed-case address with a wrong checksum
    } else {
      const a = await get(`/v1/accounts/${q(toText)}`);
      to = a.address;
      toName = a.name;
    }
    const units = toUnits(amountText, bal.decimals);
    if (units <= 0n) throw new Error("the amount must be more than zero");
    const res = await keys.transfer(from, to, bal.asset, units);
    history.add({ id: res.id, status: res.status, kind: "Transfer", from, to, toName, asset: bal.asset, symbol: bal.symbol, amount: amountText });
    refreshSoon();
    return h("span", "Signed in this page and sent: ", h("code.hash#sent-id", res.id), ` (${res.status})`);
  }

  function renderHistory() {
    if (!account || !keys.find(account.address)) return;
    const rows = history.forAccount(account.address);
    fill(historyEl, rows.length === 0 ? h("tr", h("td", { colspan: 6 }, "Nothing sent yet.")) :
      rows.map((t) => h("tr", { "data-id": t.id },
        h("td", when(t.at)),
        h("td", t.toName || mono(t.to)),
        h("td.num", `${t.amount} ${t.symbol}`),
        h("td", mono(t.id)),
        h("td.status", { "data-status": t.status, title: t.reason || "" }, t.status, t.reason ? h("span.note", ` ${t.reason}`) : null),
        h("td", t.batch_seq == null ? "" : h("a", { href: "#/network" }, String(t.batch_seq))))));
  }

  async function loadAccount() {
    if (!query) {
      fill(accountEl, h("h2", "Wallet"), h("p", "Open a keystore file, or pick an account from the list."));
      return;
    }
    try {
      account = await get(`/v1/accounts/${q(query)}`);
    } catch (e) {
      if (e.code === "unknown_account" && /^0x[0-9a-fA-F]{40}$/.test(query)) {
        // An address the ledger has not seen: nothing held yet, but it can
        // receive, and its QR code shows.
        account = { address: getAddress(query), name: "", number: null, nonce: 0, settled_nonce: 0, conflicted: false, balances: [] };
      } else {
        fill(accountEl, h("h2", "Wallet"), h("p.error", describe(e)));
        return;
      }
    }
    if (!alive) return;
    if (!accountEl.firstChild) {
      accountEl.append(headEl,
        h("h3", "Balances"),
        h("table#balances", h("thead", h("tr", h("th", "asset"), h("th", "settled"), h("th", "pending"))), balancesEl),
        sendEl, historyBox);
    }
    renderAccount();
  }

  const refreshSoon = throttle(() => alive && query && loadAccount(), 700);
  offs.push(on("tx", refreshSoon), on("batch", refreshSoon), on("reorg", refreshSoon), on("open", refreshSoon),
    history.onChange(() => alive && renderHistory()),
    keys.onChange(() => alive && (renderSend(), renderHistory())));
  loadAccount();
  loadDirectory();
  return {
    unmount() {
      alive = false;
      refreshSoon.cancel();
      keyPanel.unmount();
      offs.forEach((off) => off());
    },
  };
}

// describe says what went wrong, with the node's candidates for an
// ambiguous name.
export function describe(err) {
  if (err instanceof APIError && err.candidates.length) return `${err.message}: ${err.candidates.join(", ")}`;
  return err.shortMessage || err.message || String(err);
}
