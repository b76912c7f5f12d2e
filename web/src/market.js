// market.js: the Market page — the book of a pair with its depth chart
// (GET /v1/book/{base}/{quote}); making an offer (an Offer signed in the
// page, POST /v1/offers), taking one (a Fill transaction), cancelling
// one's own (a CancelOffer transaction); and fills as they settle.
import { hexlify, randomBytes } from "ethers";
import { get, on, post, q } from "./api.js";
import { h, svg, fill, mono, throttle, when } from "./dom.js";
import * as keys from "./keys.js";
import * as history from "./history.js";
import { fromUnits, toUnits } from "./units.js";
import { offerTerms, takeTerms } from "./terms.js";
import { describe } from "./wallet.js";

const FILLS = 30; // fills listed

export function mount(root, params) {
  let alive = true;
  const offs = [];
  const pairEl = h("form#pair.row");
  const bookNote = h("p#book-note.note");
  const depthEl = h("div#depth");
  const asksEl = h("tbody");
  const bidsEl = h("tbody");
  const takeEl = h("section#take.card", { hidden: true });
  const keyPanel = keys.panel(null);
  const makeEl = h("section#make-box.card");
  const mineEl = h("tbody");
  const fillsEl = h("tbody");
  root.append(
    h("div.col.main",
      h("section.card.wide", h("h2", "Book"), pairEl, bookNote, depthEl,
        h("div.book",
          h("div", h("h3", "Asks (offers selling the base)"),
            h("table#asks", h("thead", h("tr", ["price", "size", "total", "maker", ""].map((c) => h("th", c)))), asksEl)),
          h("div", h("h3", "Bids (offers buying the base)"),
            h("table#bids", h("thead", h("tr", ["price", "size", "total", "maker", ""].map((c) => h("th", c)))), bidsEl)))),
      takeEl,
      h("section.card.wide", h("h2", "Your offers"), h("p.note", "Offers made in this browser, with their status on this node."),
        h("table#my-offers", h("thead", h("tr", ["time", "pair", "side", "amount", "price", "offer", "status", ""].map((c) => h("th", c)))), mineEl)),
      h("section.card.wide", h("h2", "Fills"), h("p.note", "Fills this browser made, and every fill this node settles (any pair), newest first."),
        h("table#fills", h("thead", h("tr", ["time", "fill", "what", "status"].map((c) => h("th", c)))), fillsEl))),
    h("div.col", keyPanel.el, makeEl));

  let assets = [];
  let base = null, quote = null; // AssetInfo
  let book = null;

  const label = (a) => (assets.filter((x) => x.symbol === a.symbol).length > 1 ? `${a.symbol} (${a.id.slice(0, 8)}…)` : a.symbol);
  const resolve = (s) => assets.find((a) => a.id.toLowerCase() === (s || "").toLowerCase()) ||
    (assets.filter((a) => a.symbol === s).length === 1 ? assets.find((a) => a.symbol === s) : null);

  async function loadAssets() {
    assets = (await get("/v1/assets")).filter((a) => !a.pending);
    base = resolve(params[0]) || resolve("GOLD") || assets[0] || null;
    quote = resolve(params[1]) || resolve("EUR") || assets.find((a) => a !== base) || null;
    const pick = (id, cur) => h(`select#${id}`, {
      onchange: () => {
        const b = assets.find((a) => a.id === pairEl.querySelector("#base").value);
        const qa = assets.find((a) => a.id === pairEl.querySelector("#quote").value);
        location.hash = `#/market/${q(label(b) === b.symbol ? b.symbol : b.id)}/${q(label(qa) === qa.symbol ? qa.symbol : qa.id)}`;
      },
    }, assets.map((a) => h("option", { value: a.id, selected: cur && a.id === cur.id }, label(a))));
    fill(pairEl, h("label", "base"), pick("base", base), h("label", "quote"), pick("quote", quote));
  }

  // The book.
  async function loadBook() {
    if (!base || !quote) {
      fill(bookNote, "The ledger has fewer than two assets: no market yet.");
      return;
    }
    if (base.id === quote.id) {
      fill(bookNote, "Choose two different assets.");
      return;
    }
    try {
      book = await get(`/v1/book/${q(base.id)}/${q(quote.id)}`);
    } catch (e) {
      fill(bookNote, h("span.error", describe(e)));
      return;
    }
    if (!alive) return;
    fill(bookNote, `Prices in ${book.quote.symbol} per ${book.base.symbol}. Best bid ${book.best_bid || "—"}, best ask ${book.best_ask || "—"}.`);
    const row = (side) => (l) => {
      const mine = keys.find(l.maker);
      return h("tr", { "data-offer": l.offer, "data-maker": l.maker, class: mine ? "mine" : null },
        h("td.num.price", l.price), h("td.num.size", l.size), h("td.num", l.total),
        h("td", mono(l.maker), mine ? h("span.badge", "yours") : null),
        h("td",
          mine ? h("button.small.cancel", { type: "button", onclick: () => cancel(mine, l.offer) }, "Cancel")
            : h("button.small.take", { type: "button", onclick: () => openTake(side, l) }, "Take")));
    };
    // Asks from the highest down, so the best ask sits above the best bid.
    fill(asksEl, book.asks.length ? [...book.asks].reverse().map(row("ask")) : h("tr", h("td", { colspan: 5 }, "No asks.")));
    fill(bidsEl, book.bids.length ? book.bids.map(row("bid")) : h("tr", h("td", { colspan: 5 }, "No bids.")));
    fill(depthEl, depthChart(book));
  }

  // Taking an offer: a Fill of it, signed in the page.
  let takeKeyOff = () => {};
  async function openTake(side, level) {
    takeEl.hidden = false;
    fill(takeEl, h("h2", "Take"), h("p", "Reading the offer…"));
    let info;
    try {
      info = await get(`/v1/offers/${q(level.offer)}`);
    } catch (e) {
      fill(takeEl, h("h2", "Take"), h("p.error", describe(e)));
      return;
    }
    const o = info.offer.message;
    const give = BigInt(o.giveAmount), want = BigInt(o.wantAmount), remaining = BigInt(info.remaining_units);
    const [b, qa] = [book.base, book.quote];
    // An ask gives base for quote: the taker buys base. A bid gives quote
    // for base: the taker sells base. Either way the taker names an amount
    // of base; take is in the offer's give asset, and the taker pays
    // ⌈take × want / give⌉ of the want asset (never less).
    const terms = (text) => {
      let t;
      try {
        t = takeTerms(side, toUnits(text, b.decimals), { give, want, remaining, partial: o.partial });
      } catch (e) {
        if (e.message !== "the offer has less left") throw e;
        throw new Error(`the offer has only ${fromUnits(remaining, side === "ask" ? b.decimals : qa.decimals)} left`);
      }
      const { take, pay } = t;
      return side === "ask"
        ? { take, text: `You get ${fromUnits(take, b.decimals)} ${b.symbol} and pay ${fromUnits(pay, qa.decimals)} ${qa.symbol}.`, what: `bought ${fromUnits(take, b.decimals)} ${b.symbol} for ${fromUnits(pay, qa.decimals)} ${qa.symbol}` }
        : { take, text: `You get ${fromUnits(take, qa.decimals)} ${qa.symbol} and pay ${fromUnits(pay, b.decimals)} ${b.symbol}.`, what: `sold ${fromUnits(pay, b.decimals)} ${b.symbol} for ${fromUnits(take, qa.decimals)} ${qa.symbol}` };
    };
    const amount = h("input#take-amount", { inputmode: "decimal", value: o.partial ? "" : level.size, disabled: !o.partial });
    const preview = h("p#take-preview.note");
    const result = h("div#take-result");
    const taker = keys.select("take-key");
    takeKeyOff();
    takeKeyOff = taker.unmount;
    const button = h("button#take-submit", { type: "submit" }, "Sign and take");
    const update = () => {
      try {
        fill(preview, amount.value.trim() ? terms(amount.value).text : "");
      } catch (e) {
        fill(preview, h("span.error", e.message));
      }
    };
    amount.addEventListener("input", update);
    update();
    fill(takeEl, h("h2", `Take ${side === "ask" ? "an ask" : "a bid"} at ${level.price} ${qa.symbol}/${b.symbol}`),
      h("p.note", `Offer ${level.offer.slice(0, 10)}… by ${level.maker}: ${level.size} ${b.symbol} ${side === "ask" ? "for sale" : "wanted"}${o.partial ? "" : ", all or nothing"}.`),
      h("form.grid", {
        onsubmit: async (e) => {
          e.preventDefault();
          const from = taker.el.value;
          if (!from) {
            fill(result, h("span.error", "Open a keystore file to take with."));
            return;
          }
          button.disabled = true;
          try {
            const t = terms(amount.value);
            const id = await keys.serial(from, async () => {
              const message = { taker: from, offer: o, take: t.take.toString(), nonce: await keys.nextNonce(from) };
              const signature = await keys.sign(from, "Fill", message);
              const res = await post("/v1/txs", { type: "Fill", message, offer_signature: info.offer.signature, signature });
              history.add({ id: res.id, status: res.status, kind: "Fill", from, to: o.maker, asset: o.give, symbol: "", amount: t.what, offer: level.offer });
              return res.id;
            });
            fill(result, "Signed in this page and sent: ", h("code.hash#take-id", id));
            loadBook();
          } catch (err) {
            fill(result, h("span.error", describe(err)));
          } finally {
            button.disabled = false;
          }
        },
      }, h("label", { for: "take-amount" }, `amount (${b.symbol})`), amount, h("label", { for: "take-key" }, "taker"), taker.el, h("span"), button),
      preview, result);
  }

  // Cancelling one's own offer: a CancelOffer transaction.
  async function cancel(maker, offer) {
    try {
      const id = await keys.serial(maker, async () => {
        const message = { maker, offer, nonce: await keys.nextNonce(maker) };
        const signature = await keys.sign(maker, "CancelOffer", message);
        const res = await post("/v1/txs", { type: "CancelOffer", message, signature });
        history.add({ id: res.id, status: res.status, kind: "CancelOffer", from: maker, to: "", asset: "", symbol: "", amount: `cancel ${offer.slice(0, 10)}…`, offer });
        return res.id;
      });
      fill(makeResult, "Cancel signed in this page and sent: ", h("code.hash#cancel-id", id));
    } catch (err) {
      fill(makeResult, h("span.error", describe(err)));
    }
  }

  // Making an offer: an Offer signed in the page, posted to the book.
  const side = h("select#make-side", h("option", { value: "sell" }, "sell the base"), h("option", { value: "buy" }, "buy the base"));
  const mAmount = h("input#make-amount", { inputmode: "decimal", placeholder: "amount of base" });
  const mPrice = h("input#make-price", { inputmode: "decimal", placeholder: "price in quote" });
  const partial = h("input#make-partial", { type: "checkbox", checked: true });
  const hours = h("input#make-expires", { type: "number", min: 1, value: 24 });
  const maker = keys.select("make-key");
  offs.push(maker.unmount);
  const makePreview = h("p#make-preview.note");
  const makeResult = h("div#make-result");
  const makeButton = h("button#make-submit", { type: "submit" }, "Sign and post");
  const makeTerms = () => {
    const t = offerTerms(side.value, toUnits(mAmount.value, base.decimals), toUnits(mPrice.value, quote.decimals), base.decimals);
    const asset = { base, quote };
    return { give: asset[t.give], giveAmount: t.giveAmount, want: asset[t.want], wantAmount: t.wantAmount };
  };
  const makePreviewUpdate = () => {
    if (!mAmount.value.trim() || !mPrice.value.trim() || !base || !quote) return fill(makePreview, "");
    try {
      const t = makeTerms();
      fill(makePreview, `The offer gives ${fromUnits(t.giveAmount, t.give.decimals)} ${t.give.symbol} for ${fromUnits(t.wantAmount, t.want.decimals)} ${t.want.symbol}.`);
    } catch (e) {
      fill(makePreview, h("span.error", e.message));
    }
  };
  for (const el of [side, mAmount, mPrice]) el.addEventListener("input", makePreviewUpdate);
  fill(makeEl, h("h2", "Make an offer"),
    h("form#make.grid", {
      onsubmit: async (e) => {
        e.preventDefault();
        const from = maker.el.value;
        if (!from) {
          fill(makeResult, h("span.error", "Open a keystore file to make an offer with."));
          return;
        }
        makeButton.disabled = true;
        try {
          const t = makeTerms();
          const message = {
            maker: from, give: t.give.id, giveAmount: t.giveAmount.toString(), want: t.want.id, wantAmount: t.wantAmount.toString(),
            partial: partial.checked, expiry: String(Math.floor(Date.now() / 1000) + Math.round(Number(hours.value) * 3600)),
            salt: hexlify(randomBytes(32)),
          };
          const signature = await keys.sign(from, "Offer", message);
          const res = await post("/v1/offers", { message, signature });
          if (res.id !== (await keys.digest("Offer", message))) throw new Error(`the node names the offer ${res.id}, not its EIP-712 digest`);
          history.addOffer({ id: res.id, maker: from, base: base.symbol, quote: quote.symbol, side: side.value, amount: mAmount.value.trim(), price: mPrice.value.trim() });
          fill(makeResult, "Signed in this page and posted: ", h("code.hash#make-id", res.id));
          mAmount.value = "";
          makePreviewUpdate();
          renderMine();
          loadBook();
        } catch (err) {
          fill(makeResult, h("span.error", describe(err)));
        } finally {
          makeButton.disabled = false;
        }
      },
    },
    h("label", { for: "make-side" }, "side"), side,
    h("label", { for: "make-amount" }, "amount"), mAmount,
    h("label", { for: "make-price" }, "price"), mPrice,
    h("label", { for: "make-partial" }, "partial fills"), partial,
    h("label", { for: "make-expires" }, "expires in (hours)"), hours,
    h("label", { for: "make-key" }, "maker"), maker.el,
    h("span"), makeButton),
    makePreview, makeResult);

  // This browser's offers, with their status on the node. A node forgets
  // an offer once it is filled, cancelled or expired (GET /v1/offers/{id}
  // is then 404): the page keeps the last status it saw, and knows its own
  // cancels from its history, so it asks only about offers still open.
  const offerStatus = new Map(); // id → status shown
  async function statusOf(o) {
    if (o.final) return o.final;
    const cancel = history.all().find((t) => t.kind === "CancelOffer" && t.offer === o.id && t.status === "settled");
    if (cancel) return history.closeOffer(o.id, "cancelled");
    try {
      const st = (await get(`/v1/offers/${q(o.id)}`)).status;
      return st === "open" ? st : history.closeOffer(o.id, st);
    } catch (e) {
      return e.status === 404 ? history.closeOffer(o.id, "closed") : "?";
    }
  }
  async function renderMine() {
    const mine = history.myOffers().slice(0, 20);
    await Promise.all(mine.map(async (o) => offerStatus.set(o.id, await statusOf(o))));
    if (!alive) return;
    fill(mineEl, mine.length === 0 ? h("tr", h("td", { colspan: 8 }, "No offers made here yet.")) :
      mine.map((o) => {
        const st = offerStatus.get(o.id);
        const open = keys.find(o.maker);
        return h("tr", { "data-offer": o.id },
          h("td", when(o.at)), h("td", `${o.base}/${o.quote}`), h("td", o.side), h("td.num", o.amount), h("td.num", o.price),
          h("td", mono(o.id)), h("td.status", { "data-status": st, title: st === "closed" ? "filled, cancelled or expired: the node no longer keeps it" : null }, st || "…"),
          h("td", st === "open" && open ? h("button.small", { type: "button", onclick: () => cancel(open, o.id) }, "Cancel") : null));
      }));
  }

  // Fills: this browser's (from its history), and others as they settle.
  const fills = new Map(); // id → {id, at, what, status}
  function renderFills() {
    const rows = [...fills.values()].sort((a, b) => b.at - a.at).slice(0, FILLS);
    fill(fillsEl, rows.length === 0 ? h("tr", h("td", { colspan: 4 }, "No fill seen yet.")) :
      rows.map((f) => h("tr", { "data-id": f.id }, h("td", when(f.at)), h("td", mono(f.id)), h("td", f.what),
        h("td.status", { "data-status": f.status, title: f.reason || "" }, f.status))));
  }
  const lookups = [];
  let looking = 0;
  function classify(ev) {
    // Only a settled (or failed) transaction has a kind on the node: the
    // pending pool does not say. Look each up once, a few at a time.
    if (fills.has(ev.id) || (ev.status !== "settled" && ev.status !== "failed")) return;
    if (lookups.length < 100) lookups.push(ev);
    pump();
  }
  async function pump() {
    while (looking < 2 && lookups.length) {
      const ev = lookups.shift();
      looking++;
      try {
        const t = await get(`/v1/txs/${q(ev.id)}`);
        if (alive && t.kind === "Fill" && !fills.has(t.id)) {
          fills.set(t.id, { id: t.id, at: Date.now(), what: "a fill (not from this browser)", status: t.status, reason: t.reason });
          renderFills();
        }
      } catch {
        // gone again (a reorg): the next event says
      } finally {
        looking--;
      }
    }
  }
  function ownFills() {
    for (const t of history.all()) {
      if (t.kind !== "Fill") continue;
      fills.set(t.id, { id: t.id, at: t.at, what: t.amount, status: t.status, reason: t.reason });
    }
  }

  const bookSoon = throttle(() => alive && loadBook(), 500);
  const mineSoon = throttle(() => alive && renderMine(), 1000);
  offs.push(
    on("offer", () => { bookSoon(); mineSoon(); }),
    on("tx", (ev) => {
      bookSoon();
      mineSoon();
      const f = fills.get(ev.id);
      if (f) {
        f.status = ev.status;
        f.reason = ev.reason || "";
        renderFills();
      } else classify(ev);
    }),
    on("batch", bookSoon),
    on("reorg", bookSoon),
    on("open", () => { bookSoon(); mineSoon(); }),
    history.onChange(() => { ownFills(); renderFills(); }),
    keys.onChange(() => { bookSoon(); mineSoon(); ownFills(); renderFills(); }));

  (async () => {
    try {
      await loadAssets();
    } catch (e) {
      fill(bookNote, h("span.error", describe(e)));
      return;
    }
    if (!alive) return;
    ownFills();
    renderFills();
    loadBook();
    renderMine();
  })();
  return {
    unmount() {
      alive = false;
      bookSoon.cancel();
      mineSoon.cancel();
      keyPanel.unmount();
      takeKeyOff();
      offs.forEach((off) => off());
    },
  };
}

// depthChart draws a book's depth: for each price, how much base the
// levels at that price or better hold, bids left of the spread, asks right.
function depthChart(book) {
  const W = 640, H = 180, P = 28;
  const side = (levels) => {
    let cum = 0;
    return levels.map((l) => ({ price: parseFloat(l.price), cum: (cum += parseFloat(l.size)) }));
  };
  const bids = side(book.bids), asks = side(book.asks);
  const all = [...bids, ...asks];
  if (all.length === 0) return h("p.note", "The book is empty.");
  let lo = Math.min(...all.map((p) => p.price)), hi = Math.max(...all.map((p) => p.price));
  const pad = (hi - lo) * 0.08 || hi * 0.05 || 1;
  lo -= pad;
  hi += pad;
  const top = Math.max(...all.map((p) => p.cum)) * 1.1;
  const x = (p) => P + ((p - lo) / (hi - lo)) * (W - 2 * P);
  const y = (c) => H - P - (c / top) * (H - 2 * P);
  const steps = (pts, edge) => {
    if (!pts.length) return "";
    let d = `M${x(pts[0].price)},${y(0)}`;
    let prev = 0;
    for (const p of pts) d += ` L${x(p.price)},${y(prev)} L${x(p.price)},${y(p.cum)}`, (prev = p.cum);
    d += ` L${x(edge)},${y(prev)} L${x(edge)},${y(0)} Z`;
    return d;
  };
  const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(4));
  return svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "depth", role: "img", "aria-label": `depth of ${book.base.symbol}/${book.quote.symbol}` },
    svg("path", { d: steps(bids, lo), class: "bids" }),
    svg("path", { d: steps(asks, hi), class: "asks" }),
    svg("line", { x1: P, y1: H - P, x2: W - P, y2: H - P, class: "axis" }),
    [lo, (lo + hi) / 2, hi].map((v) => svg("text", { x: x(v), y: H - 8, "text-anchor": "middle" }, fmt(v))),
    svg("text", { x: P, y: 14 }, `${fmt(top / 1.1)} ${book.base.symbol}`),
    book.best_bid ? svg("text", { x: x(parseFloat(book.best_bid)) - 4, y: 28, "text-anchor": "end", class: "bids" }, `bid ${book.best_bid}`) : null,
    book.best_ask ? svg("text", { x: x(parseFloat(book.best_ask)) + 4, y: 28, class: "asks" }, `ask ${book.best_ask}`) : null);
}
