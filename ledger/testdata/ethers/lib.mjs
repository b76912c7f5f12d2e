// Shared by gen.mjs and check.mjs: the EIP-712 types of the anonex ledger
// and the binary wire form of a signed transaction (ledger/codec.go,
// ledger/transfer.go, ledger/issue.go, ledger/cardtx.go, ledger/cardblock.go), written here independently of the Go
// code so the two implementations check each other.
import { getAddress, getBytes, hexlify, toBigInt } from "ethers";

export const DOMAIN_NAME = "anonex";
export const DOMAIN_VERSION = "1";

// The struct types as a wallet gets them (without EIP712Domain, which ethers
// derives from the domain object itself).
export const TYPES = {
  Transfer: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "asset", type: "bytes32" },
    { name: "amount", type: "uint256" },
    { name: "nonce", type: "uint64" },
  ],
  IssueAsset: [
    { name: "issuer", type: "address" },
    { name: "symbol", type: "string" },
    { name: "decimals", type: "uint8" },
    { name: "supply", type: "uint256" },
    { name: "currency", type: "uint16" },
    { name: "metadata", type: "bytes32" },
    { name: "nonce", type: "uint64" },
  ],
  CardRegister: [
    { name: "issuer", type: "address" },
    { name: "card", type: "address" },
    { name: "owner", type: "address" },
    { name: "nonce", type: "uint64" },
  ],
  CardRecord: [
    { name: "card", type: "address" },
    { name: "asset", type: "bytes32" },
    { name: "amount", type: "uint256" },
    { name: "payee", type: "address" },
    { name: "counter", type: "uint64" },
    { name: "challenge", type: "bytes32" },
    { name: "mode", type: "uint8" },
    { name: "attached", type: "bytes32" },
  ],
  CardBlock: [
    { name: "issuer", type: "address" },
    { name: "card", type: "address" },
    { name: "reason", type: "uint8" },
    { name: "nonce", type: "uint64" },
  ],
};

// Structs signed inside transactions, not transactions themselves: the
// card's consent a CardRegister carries.
export const CARRIED_TYPES = {
  CardConsent: [
    { name: "card", type: "address" },
    { name: "issuer", type: "address" },
    { name: "owner", type: "address" },
  ],
};

export const DOMAIN_FIELDS = [
  { name: "name", type: "string" },
  { name: "version", type: "string" },
  { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" },
];

// Wire kind bytes (ledger/tx.go).
export const KIND = { Transfer: 1, IssueAsset: 2, CardRegister: 3, CardRecord: 4, CardBlock: 10 };

// fullDomain turns a case's {chainId, verifyingContract} into the domain
// object ethers expects.
export function fullDomain(d) {
  return { name: DOMAIN_NAME, version: DOMAIN_VERSION, chainId: d.chainId, verifyingContract: d.verifyingContract };
}

// typesOf returns the types object holding only the primary type.
export function typesOf(type) {
  const t = TYPES[type] ?? CARRIED_TYPES[type];
  if (!t) throw new Error(`unknown type ${type}`);
  return { [type]: t };
}

// signerOf names the message field that must be the signing account.
export function signerOf(type, message) {
  return { Transfer: message.from, CardRecord: message.card }[type] ?? message.issuer;
}

// uvarint is Go's encoding/binary.AppendUvarint: 7 bits a byte, low first,
// high bit set on every byte but the last.
export function uvarint(v) {
  let n = toBigInt(v);
  if (n < 0n || n >= 1n << 64n) throw new Error(`uvarint out of range: ${n}`);
  const out = [];
  while (n >= 0x80n) {
    out.push(Number((n & 0x7fn) | 0x80n));
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}

// amount is one length byte (0..32) and that many big-endian bytes with no
// leading zero; zero is the single byte 0x00.
export function amount(v) {
  const n = toBigInt(v);
  if (n < 0n || n >= 1n << 256n) throw new Error(`uint256 out of range: ${n}`);
  if (n === 0n) return [0];
  let h = n.toString(16);
  if (h.length % 2) h = "0" + h;
  const b = Array.from(getBytes("0x" + h));
  return [b.length, ...b];
}

function fixed(hex, len, what) {
  const b = Array.from(getBytes(hex));
  if (b.length !== len) throw new Error(`${what}: want ${len} bytes, got ${b.length}`);
  return b;
}

function uint16(v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new Error(`uint16 out of range: ${v}`);
  return [n >> 8, n & 0xff];
}

function uint8(v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 0xff) throw new Error(`uint8 out of range: ${v}`);
  return [n];
}

// encodeBody returns kind byte ‖ the payload fields in wire order. A
// CardRegister takes the card's consent signature (extra.consent_signature);
// a CardRecord the wire forms of its attached records (extra.attached, hex).
export function encodeBody(type, m, extra = {}) {
  const out = [KIND[type]];
  if (type === "Transfer") {
    out.push(...fixed(getAddress(m.from), 20, "from"));
    out.push(...fixed(getAddress(m.to), 20, "to"));
    out.push(...fixed(m.asset, 32, "asset"));
    out.push(...amount(m.amount));
    out.push(...uvarint(m.nonce));
  } else if (type === "IssueAsset") {
    const sym = Array.from(new TextEncoder().encode(m.symbol));
    out.push(...fixed(getAddress(m.issuer), 20, "issuer"));
    out.push(...uvarint(sym.length), ...sym);
    out.push(...uint8(m.decimals));
    out.push(...amount(m.supply));
    out.push(...uint16(m.currency));
    out.push(...fixed(m.metadata, 32, "metadata"));
    out.push(...uvarint(m.nonce));
  } else if (type === "CardRegister") {
    out.push(...fixed(getAddress(m.issuer), 20, "issuer"));
    out.push(...fixed(getAddress(m.card), 20, "card"));
    out.push(...fixed(getAddress(m.owner), 20, "owner"));
    out.push(...fixed(extra.consent_signature, 65, "consent signature"));
    out.push(...uvarint(m.nonce));
  } else if (type === "CardRecord") {
    out.push(...fixed(getAddress(m.card), 20, "card"));
    out.push(...fixed(m.asset, 32, "asset"));
    out.push(...amount(m.amount));
    out.push(...fixed(getAddress(m.payee), 20, "payee"));
    out.push(...uvarint(m.counter));
    out.push(...fixed(m.challenge, 32, "challenge"));
    out.push(...uint8(m.mode));
    out.push(...fixed(m.attached, 32, "attached"));
    const att = extra.attached ?? [];
    out.push(...uvarint(att.length));
    for (const w of att) {
      const b = Array.from(getBytes(w));
      out.push(...uvarint(b.length), ...b);
    }
  } else if (type === "CardBlock") {
    out.push(...fixed(getAddress(m.issuer), 20, "issuer"));
    out.push(...fixed(getAddress(m.card), 20, "card"));
    out.push(...uint8(m.reason));
    out.push(...uvarint(m.nonce));
  } else {
    throw new Error(`unknown type ${type}`);
  }
  return out;
}

// encodeTx returns the hex wire form: body ‖ 65-byte signature r ‖ s ‖ v.
export function encodeTx(type, message, signature, extra = {}) {
  return hexlify(Uint8Array.from([...encodeBody(type, message, extra), ...fixed(signature, 65, "signature")]));
}
