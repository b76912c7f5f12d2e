// units.js: amounts. The ledger counts base units (uint256, decimal
// strings in JSON); people read and type display units (the asset's
// decimals). All arithmetic is on BigInt: no amount ever passes through a
// float.

// toUnits reads a display amount ("1.50") in base units; it throws when
// the text is not a non-negative decimal with at most `decimals` digits
// after the point.
export function toUnits(text, decimals) {
  const s = String(text).trim();
  const m = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m || (m[1] === "" && !m[2])) throw new Error(`"${s}" is not an amount`);
  const frac = m[2] || "";
  if (frac.length > decimals) throw new Error(`"${s}" has more than ${decimals} decimals`);
  return BigInt((m[1] || "0") + frac.padEnd(decimals, "0"));
}

// fromUnits writes base units as a display amount with all its decimals
// ("1.500" for 1500 at 3 decimals).
export function fromUnits(units, decimals) {
  const v = BigInt(units);
  const neg = v < 0n;
  let s = (neg ? -v : v).toString();
  if (decimals > 0) {
    s = s.padStart(decimals + 1, "0");
    s = s.slice(0, -decimals) + "." + s.slice(-decimals);
  }
  return (neg ? "-" : "") + s;
}

// display writes base units for reading: fromUnits without the trailing
// zeros past the second decimal ("0.05" for 5·10^16 wei, "12.50" EUR).
export function display(units, decimals) {
  const s = fromUnits(units, decimals);
  if (decimals <= 2) return s;
  return s.replace(/(\.\d{2}\d*?)0+$/, "$1");
}

// ceilDiv is ⌈a / b⌉ for non-negative a and positive b.
export const ceilDiv = (a, b) => (a + b - 1n) / b;

// pow10 is 10^n as a BigInt.
export const pow10 = (n) => 10n ** BigInt(n);
