// termscheck.mjs checks the page's amount arithmetic (src/units.js,
// src/terms.js) against the ledger's rules on many seeded random cases,
// run by web's Go tests (TestAmountArithmetic):
//
//   node testdata/termscheck.mjs
//
// It prints {"cases": N, "failed": [...]} and exits non-zero on a failure.
import { fromUnits, toUnits } from "../src/units.js";
import { offerTerms, price, takeTerms } from "../src/terms.js";

let seed = 0x9e3779b97f4a7c15n;
const rand = (n) => {
  // xorshift64*, reproducible
  seed ^= seed >> 12n; seed ^= (seed << 25n) & 0xffffffffffffffffn; seed ^= seed >> 27n;
  return ((seed * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn) % BigInt(n);
};
const big = () => [1n, 7n, 10n ** 3n, 10n ** 18n, 10n ** 30n][rand(5)] * (1n + rand(1_000_000));
const failed = [];
const fail = (what) => failed.length < 20 && failed.push(what);
let cases = 0;

// Display amounts: exact both ways; too many decimals, signs and junk refused.
for (let i = 0; i < 2000; i++, cases++) {
  const dec = Number(rand(37)), v = big();
  const s = fromUnits(v, dec);
  if (toUnits(s, dec) !== v) fail(`toUnits(fromUnits(${v}, ${dec})) = ${toUnits(s, dec)}`);
}
for (const [text, dec] of [["1.234", 2], ["-1", 2], ["1e3", 2], ["", 2], [".", 2], ["1.2.3", 2], ["0x10", 2], ["1,5", 2], ["1.5", 0]]) {
  cases++;
  try {
    toUnits(text, dec);
    fail(`toUnits(${JSON.stringify(text)}, ${dec}) was accepted`);
  } catch {
    // refused, as it must be
  }
}
for (const [text, dec, want] of [["1.50", 2, 150n], ["1.5", 2, 150n], [".5", 2, 50n], ["7", 3, 7000n], ["0", 2, 0n], ["12.", 2, 1200n]]) {
  cases++;
  if (toUnits(text, dec) !== want) fail(`toUnits(${JSON.stringify(text)}, ${dec}) = ${toUnits(text, dec)}, want ${want}`);
}

// Making an offer: the price is never worse for the maker than typed, and
// no better than needed (one unit less would be worse).
for (let i = 0; i < 3000; i++, cases++) {
  const bd = Number(rand(19)), amount = 1n + rand(10n ** BigInt(bd + 3)), p = 1n + rand(10_000_000), scale = 10n ** BigInt(bd);
  const exact = amount * p; // quote units × 10^bd
  for (const side of ["sell", "buy"]) {
    let t;
    try {
      t = offerTerms(side, amount, p, bd);
    } catch (e) {
      if (side === "buy" && exact < scale) continue; // worth less than a unit: refused
      fail(`${side} ${amount} at ${p} (bd ${bd}): ${e.message}`);
      continue;
    }
    if (side === "sell") {
      if (t.giveAmount !== amount || t.wantAmount * scale < exact || (t.wantAmount - 1n) * scale >= exact) fail(`sell ${amount} at ${p} (bd ${bd}): ${JSON.stringify(t, (k, v) => (typeof v === "bigint" ? String(v) : v))}`);
    } else if (t.wantAmount !== amount || t.giveAmount * scale > exact || (t.giveAmount + 1n) * scale <= exact) {
      fail(`buy ${amount} at ${p} (bd ${bd}): ${JSON.stringify(t, (k, v) => (typeof v === "bigint" ? String(v) : v))}`);
    }
  }
}

// Taking: the ledger's price, and for a bid the most quote that costs at
// most the base named.
for (let i = 0; i < 3000; i++, cases++) {
  const give = big(), want = big(), remaining = 1n + rand(give), amount = 1n + rand(2n * want + 5n);
  for (const side of ["ask", "bid"]) {
    let t;
    try {
      t = takeTerms(side, amount, { give, want, remaining, partial: true });
    } catch {
      const take = side === "ask" ? amount : (amount * give) / want;
      if (take <= 0n || take > remaining) continue; // refused as it must be
      fail(`${side} ${amount} of ${give}/${want} (${remaining} left) refused`);
      continue;
    }
    if (t.pay !== price(t.take, give, want) || t.pay * give < t.take * want || (t.pay - 1n) * give >= t.take * want) fail(`${side}: pay ${t.pay} for ${t.take} of ${give}/${want}`);
    if (side === "ask" && t.take !== amount) fail(`ask: took ${t.take}, asked ${amount}`);
    if (side === "bid" && (t.pay > amount || price(t.take + 1n, give, want) <= amount)) fail(`bid: selling at most ${amount} of ${give}/${want}: took ${t.take} for ${t.pay}`);
  }
  const whole = takeTerms("ask", 1n, { give, want, remaining: give, partial: false });
  if (whole.take !== give || whole.pay !== want) fail(`all or nothing: took ${whole.take} for ${whole.pay} of ${give}/${want}`);
}

console.log(JSON.stringify({ cases, failed }));
process.exit(failed.length ? 1 : 0);
