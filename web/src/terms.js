// terms.js: the arithmetic of offers and fills, on BigInt base units,
// exactly as the ledger does it (docs/protocol.md, "Offers"): a taker of
// `take` of an offer's give asset pays ⌈take × wantAmount / giveAmount⌉
// of its want asset, never less.
import { ceilDiv, pow10 } from "./units.js";

// price is what a fill of take costs the taker, in the want asset.
export const price = (take, give, want) => ceilDiv(take * want, give);

// offerTerms turns "sell (or buy) amount base at price quote per base"
// (both in base units: amount of the base, price in quote units per whole
// base) into an offer's give and want amounts, rounding in the maker's
// favour: a seller's wanted quote up, a buyer's given quote down.
export function offerTerms(side, amount, priceUnits, baseDecimals) {
  if (amount <= 0n || priceUnits <= 0n) throw new Error("amount and price must be more than zero");
  const sell = side === "sell";
  const quote = sell ? ceilDiv(amount * priceUnits, pow10(baseDecimals)) : (amount * priceUnits) / pow10(baseDecimals);
  if (quote <= 0n) throw new Error("the offer is worth less than one base unit of the quote");
  return sell ? { give: "base", giveAmount: amount, want: "quote", wantAmount: quote }
    : { give: "quote", giveAmount: quote, want: "base", wantAmount: amount };
}

// takeTerms is what a taker who names `amount` of the base takes of an
// offer (give, want, remaining, partial) and pays. An ask gives base: the
// taker takes amount and pays its price in quote. A bid gives quote for
// base: the taker sells at most amount base, so takes the most quote whose
// price is at most amount. An offer that is not partial is taken whole.
export function takeTerms(side, amount, { give, want, remaining, partial }) {
  let take = side === "ask" ? amount : (amount * give) / want;
  if (!partial) take = remaining;
  if (take <= 0n) throw new Error("too small an amount for this offer");
  if (take > remaining) throw new Error("the offer has less left");
  return { take, pay: price(take, give, want) };
}
