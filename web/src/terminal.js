// terminal.js: the Terminal page — a merchant terminal on a card reader
// of the node's machine (a node started with --readers; docs/web.md): a
// keypad building the amount in the currency's units, Pay, and the
// payment live as it goes (GET /v1/terminal/payments/{id}, long polled):
// offline or online, the PIN when the card asks, a conversion's quote to
// accept or decline, approved or declined with the reason, the update
// values written to the card; and the terminal's offline queue with its
// forwarding. Every call carries the node's API token.
import { APIError, authGet, authPost, q, token } from "./api.js";
import { tokenForm } from "./token.js";
import { h, fill, mono, when } from "./dom.js";
import { fromUnits } from "./units.js";
import { describe } from "./wallet.js";

// The payment this tab follows, so reopening the page picks it up again.
const followKey = "anonex.terminal-payment";
const MAXDIGITS = 15;

const stateWords = {
  reading: "Reading the card…",
  pin: "Enter the PIN",
  quote: "Accept the conversion?",
  approved: "Approved",
  declined: "Declined",
};

export function mount(root) {
  let alive = true;
  const abort = new AbortController();
  let info = null; // GET /v1/terminal
  let currency = null; // one of info.currencies
  let digits = ""; // the amount in base units, as typed
  let payment = null; // the payment shown
  let shownPrompt = ""; // the PIN prompt the input was cleared for

  const setupEl = h("section#term-setup.card.wide", { hidden: true });
  const settingsEl = h("p#term-settings.note");
  const readerSel = h("select#term-reader");
  const currencySel = h("select#term-currency");
  const amountEl = h("div#term-amount.term-amount", "0");
  const floorEl = h("p#term-floor.note");
  const convertBox = h("input#term-convert", { type: "checkbox" });
  const payBtn = h("button#term-pay.term-pay", { type: "button" }, "Pay");
  const padNote = h("p#term-pad-note.note");
  const keypad = h("div#term-keypad.keypad",
    ["1", "2", "3", "4", "5", "6", "7", "8", "9", "00", "0", "⌫"].map((k) =>
      h("button.key", { type: "button", "data-key": k === "⌫" ? "back" : k, onclick: () => press(k) }, k)),
    h("button.key.clear", { type: "button", "data-key": "clear", onclick: () => press("C") }, "Clear"));
  const stateEl = h("div#term-state.term-state", { "data-state": "idle" }, "Ready");
  const modeEl = h("span#term-mode.mode-badge", { hidden: true });
  const stepsEl = h("ol#term-steps.feed");
  const pinInput = h("input#term-pin", { type: "password", inputmode: "numeric", autocomplete: "off", placeholder: "PIN", maxlength: 12 });
  const pinMsg = h("p#term-pin-msg");
  const pinForm = h("form#term-pin-form.card.prompt", { hidden: true, onsubmit: (e) => { e.preventDefault(); sendPIN(); } },
    h("h3", "PIN"), pinMsg, h("div.row", pinInput, h("button#term-pin-ok", { type: "submit" }, "OK")));
  const quoteEl = h("div#term-quote.card.prompt", { hidden: true });
  const resultEl = h("div#term-result", { hidden: true });
  const cancelBtn = h("button#term-cancel.cancel.small", { type: "button", hidden: true, onclick: cancel }, "Cancel");
  const queueEl = h("tbody");
  const queueNote = h("p#term-queue-note.note");
  const forwardBtn = h("button#term-forward", { type: "button", onclick: forward }, "Forward to the network");
  const forwardEl = h("p#term-forward-result");

  const padCol = h("div.col");
  const mainCol = h("div.col.main");
  root.append(
    setupEl,
    fill(padCol,
      h("section#term-pad.card", h("h2", "Terminal"), settingsEl,
        h("div.grid", h("label", { for: "term-reader" }, "reader"), h("div.row", readerSel,
          h("button.small", { type: "button", title: "look at the readers again", onclick: loadReaders }, "↻")),
        h("label", { for: "term-currency" }, "currency"), currencySel),
        amountEl, floorEl, keypad,
        h("label.check", convertBox, " pay by conversion (the card's ETH)"),
        payBtn, padNote)),
    fill(mainCol,
      h("section#term-progress.card", h("div.account-head", h("h2", "Payment"), cancelBtn),
        h("div.row", stateEl, modeEl), pinForm, quoteEl, resultEl, stepsEl),
      h("section#term-queue.card", h("h2", "Offline queue"),
        h("p.note", "Card records this terminal stored when it approved their payments and the network has not accepted yet."),
        h("table#term-queue-table", h("thead", h("tr", ["record", "card", "counter", "mode", "amount"].map((c) => h("th", c)))), queueEl),
        queueNote, h("div.row", forwardBtn), forwardEl)));

  // Typing on the page is the keypad too (but in a field).
  const onKey = (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.ctrlKey || e.metaKey || e.altKey) return;
    if (/^[0-9]$/.test(e.key)) press(e.key);
    else if (e.key === "Backspace") press("⌫");
    else if (e.key === "Escape") press("C");
    else if (e.key === "Enter" && !payBtn.disabled) pay();
    else return;
    e.preventDefault();
  };
  document.addEventListener("keydown", onKey);

  function press(k) {
    if (k === "C") digits = "";
    else if (k === "⌫") digits = digits.slice(0, -1);
    else digits = (digits + k).replace(/^0+/, "").slice(0, MAXDIGITS);
    showAmount();
  }

  const decimals = () => (currency ? currency.decimals : 2);
  const units = () => BigInt(digits || "0");
  function showAmount() {
    fill(amountEl, fromUnits(units(), decimals()), " ", h("span.unit", currency ? currency.symbol : ""));
    payBtn.disabled = !currency || units() === 0n || !readerSel.value || running();
  }
  const running = () => payment && (payment.state === "reading" || payment.state === "pin" || payment.state === "quote");

  // Without the token, or readers, or a terminal: say so and how to fix it.
  function setup(why, withToken) {
    setupEl.hidden = false;
    fill(setupEl, h("h2", "Terminal unavailable"), h("p#term-setup-why", why),
      withToken ? tokenForm("term-token", start) : null);
    payBtn.disabled = true;
    padCol.hidden = mainCol.hidden = true;
  }

  async function start() {
    setupEl.hidden = true;
    padCol.hidden = mainCol.hidden = false;
    if (!token()) {
      setup("The terminal takes payments with the node's API token: paste it here (it is in the node's data directory, " +
        "<datadir>/api-token; `anonex devnet` prints a link with it). It stays in this tab only.", true);
      return;
    }
    try {
      info = await authGet("/v1/terminal", abort.signal);
    } catch (e) {
      if (!alive || e.name === "AbortError") return;
      if (e instanceof APIError && e.code === "unauthorized") setup("The node refused the API token: paste the right one.", true);
      else if (e instanceof APIError && e.code === "no_readers") {
        setup("This node serves no card readers: start it with --readers on the machine the readers are on " +
          "(`anonex node --readers --terminal DIR`; `anonex devnet`'s first node does).", false);
      } else if (e instanceof APIError && e.code === "no_terminal") setup(e.message, false);
      else setup(describe(e), false);
      return;
    }
    fill(settingsEl, "Payments go to ", mono(info.payee), ` · ${info.trusted.length} trusted issuer${info.trusted.length === 1 ? "" : "s"}`,
      info.wait_settled ? " · online payments approved once settled" : "");
    fill(currencySel, info.currencies.map((c) => h("option", { value: c.asset }, c.symbol)));
    currencySel.onchange = () => {
      currency = info.currencies.find((c) => c.asset === currencySel.value) || null;
      showFloor();
      showAmount();
    };
    currency = info.currencies.find((c) => c.symbol === "EUR") || info.currencies[0] || null;
    if (currency) currencySel.value = currency.asset;
    showFloor();
    await loadReaders();
    showAmount();
    loadQueue();
    const id = sessionStorage.getItem(followKey);
    if (id) {
      try {
        follow(await authGet(`/v1/terminal/payments/${q(id)}`, abort.signal));
      } catch {
        sessionStorage.removeItem(followKey); // finished long ago, or the node restarted
      }
    }
  }

  function showFloor() {
    fill(floorEl, !currency ? "This terminal prices in no asset." : currency.floor
      ? `Offline up to ${currency.floor} ${currency.symbol} (the card's own limits permitting); online above.`
      : `Every payment in ${currency.symbol} goes online.`);
  }

  async function loadReaders() {
    let rs;
    try {
      rs = await authGet("/v1/readers", abort.signal);
    } catch (e) {
      if (alive && e.name !== "AbortError") fill(padNote, h("span.error", describe(e)));
      return;
    }
    const was = readerSel.value;
    fill(readerSel, rs.map((r) => h("option", { value: String(r.index) }, `${r.index}: ${r.name}${r.card ? "" : " (empty)"}`)));
    const pick = rs.find((r) => String(r.index) === was) || rs.find((r) => r.card) || rs[0];
    if (pick) readerSel.value = String(pick.index);
    fill(padNote, rs.length ? "" : "The machine has no card reader.");
    showAmount();
  }

  async function pay() {
    if (!currency || units() === 0n) return;
    payBtn.disabled = true;
    fill(padNote);
    try {
      const p = await authPost("/v1/terminal/payments", {
        reader: Number(readerSel.value), currency: currency.asset, amount: fromUnits(units(), currency.decimals), convert: convertBox.checked,
      });
      sessionStorage.setItem(followKey, p.id);
      follow(p);
    } catch (e) {
      if (!alive) return;
      fill(padNote, h("span.error", describe(e)));
      showAmount();
    }
  }
  payBtn.onclick = pay;

  // follow shows payment p, then its every change until it ends.
  async function follow(p) {
    payment = p;
    shownPrompt = "";
    render();
    while (alive && payment.id === p.id && running()) {
      let next;
      try {
        next = await authGet(`/v1/terminal/payments/${q(p.id)}?after=${payment.version}`, abort.signal);
      } catch (e) {
        if (!alive || e.name === "AbortError") return;
        fill(padNote, h("span.error", `Lost the payment: ${describe(e)}. Trying again…`));
        await new Promise((r) => setTimeout(r, 2000));
        continue;
      }
      if (payment.id !== p.id) return;
      payment = next;
      render();
    }
    if (alive && payment.id === p.id) {
      sessionStorage.removeItem(followKey);
      loadQueue();
      showAmount();
    }
  }

  function render() {
    const p = payment;
    stateEl.dataset.state = p.state;
    fill(stateEl, `${stateWords[p.state] || p.state} — ${p.amount} ${p.symbol}`);
    modeEl.hidden = !p.mode;
    modeEl.dataset.mode = p.mode || "";
    fill(modeEl, p.mode || "");
    cancelBtn.hidden = !running();
    fill(stepsEl, p.steps.map((s) => h("li", h("span.time", when(s.at_ms)), " ", s.text)));
    // The PIN.
    pinForm.hidden = p.state !== "pin";
    if (p.state === "pin") {
      const prompt = `${p.version}`;
      fill(pinMsg, p.pin.message);
      pinMsg.className = /wrong/.test(p.pin.message) ? "error" : "";
      if (shownPrompt !== prompt) {
        shownPrompt = prompt;
        pinInput.value = "";
        pinInput.focus();
      }
    }
    // The quote.
    const qt = p.quote;
    quoteEl.hidden = !qt;
    if (!qt) fill(quoteEl);
    else {
      const asking = p.state === "quote";
      fill(quoteEl, h("h3", "Conversion quote"),
        h("dl.facts",
          h("dt", "the card pays"), h("dd#term-quote-pays", `${qt.amount} ${qt.symbol}`),
          h("dt", "to"), h("dd", "its owner's wallet, which pays the merchant"),
          h("dt", "the merchant gets"), h("dd#term-quote-gets", `${qt.fiat_amount} ${qt.fiat_symbol}`),
          h("dt", "rate"), h("dd#term-quote-rate", qt.rate)),
        asking ? h("div.row",
          h("button#term-quote-accept", { type: "button", onclick: () => answer(true) }, "Accept"),
          h("button#term-quote-decline.cancel", { type: "button", onclick: () => answer(false) }, "Decline"))
          : h("p.note", qt.accepted === true ? "Accepted." : qt.accepted === false ? "Declined." : ""));
    }
    // The outcome.
    const r = p.result;
    resultEl.hidden = !r;
    if (!r) fill(resultEl);
    else {
      fill(resultEl,
        h(`p#term-outcome.outcome.${r.status}`, { "data-status": r.status, "data-code": r.code || "" },
          r.status === "approved" ? `Approved ${r.mode}` : `Declined${r.code ? ` (${r.code})` : ""}`,
          r.reason ? h("span#term-reason", ` — ${r.reason}`) : null),
        h("dl.facts",
          r.tx_id ? [h("dt", "transaction"), h("dd", h("code.hash#term-tx", { title: r.tx_id }, r.tx_id))] : null,
          r.card ? [h("dt", "card"), h("dd", mono(r.card))] : null,
          r.conversion ? [h("dt", "converted"), h("dd#term-conversion",
            `the card paid ${r.conversion.amount} ${r.conversion.symbol} to its owner's wallet, which paid ${p.amount} ${p.symbol}`)] : null,
          r.available ? [h("dt", "the card can spend"), h("dd", `${r.available} ${p.symbol}`)] : null,
          h("dt", "card commands"), h("dd", String(r.apdus))),
        r.updates.length ? h("div", h("h3", "Written to the card"),
          h("ul#term-updates.feed", r.updates.map((u) => h("li", `${u.symbol || mono(u.asset)} purse: settled credits T ${u.before} → ${u.after}`))))
          : null,
        r.in_doubt ? h("div#term-doubt",
          h("p.error", "The card was pulled while it was asked to sign: it may have signed. Put it back in the reader and recover the payment."),
          h("button#term-recover", { type: "button", onclick: () => recover(p.reader, r.in_doubt) }, "Recover")) : null);
    }
  }

  async function sendPIN() {
    const pin = pinInput.value.trim();
    pinInput.value = "";
    try {
      payment = await authPost(`/v1/terminal/payments/${q(payment.id)}/pin`, { pin });
      render();
    } catch (e) {
      fill(pinMsg, h("span.error", describe(e)));
    }
  }

  async function answer(accept) {
    try {
      payment = await authPost(`/v1/terminal/payments/${q(payment.id)}/quote`, { accept });
      render();
    } catch (e) {
      fill(padNote, h("span.error", describe(e)));
    }
  }

  async function cancel() {
    try {
      payment = await authPost(`/v1/terminal/payments/${q(payment.id)}/cancel`, {});
      render();
    } catch (e) {
      fill(padNote, h("span.error", describe(e)));
    }
  }

  async function recover(reader, challenge) {
    const doubt = resultEl.querySelector("#term-doubt");
    try {
      const r = await authPost("/v1/terminal/recover", { reader, challenge });
      fill(doubt, h(`p#term-recovered.outcome.${r.status}`, { "data-status": r.status },
        r.status === "approved" ? "Recovered: the card had signed, the payment stands. " : "Not recovered: ",
        r.reason || "", r.tx_id ? [" ", mono(r.tx_id)] : null));
      loadQueue();
    } catch (e) {
      doubt.append(h("p.error", describe(e)));
    }
  }

  async function loadQueue() {
    let qu;
    try {
      qu = await authGet("/v1/terminal/queue", abort.signal);
    } catch (e) {
      if (alive && e.name !== "AbortError") fill(queueNote, h("span.error", describe(e)));
      return;
    }
    if (!alive) return;
    fill(queueEl, qu.records.length ? qu.records.map((r) => h("tr", { "data-id": r.id },
      h("td", mono(r.id)), h("td", mono(r.card)), h("td.num", String(r.counter)), h("td", r.mode),
      h("td.num", `${r.amount} ${r.symbol || ""}`))) : h("tr", h("td", { colspan: 5 }, "Nothing waits for the network.")));
    fill(queueNote, `${qu.records.length} record${qu.records.length === 1 ? "" : "s"} queued.`);
    forwardBtn.disabled = qu.records.length === 0;
  }

  async function forward() {
    forwardBtn.disabled = true;
    try {
      const f = await authPost("/v1/terminal/queue/forward", {});
      fill(forwardEl, `Forwarded ${f.forwarded}, ${f.left} left`, f.error ? h("span.error", ` — ${f.error}`) : "", ".");
    } catch (e) {
      fill(forwardEl, h("span.error", describe(e)));
    }
    loadQueue();
  }

  start();
  return {
    unmount() {
      alive = false;
      abort.abort();
      document.removeEventListener("keydown", onKey);
    },
  };
}
