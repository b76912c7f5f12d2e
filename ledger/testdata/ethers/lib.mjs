// Shared by gen.mjs and check.mjs: the EIP-712 types of the anonex ledger,
// the binary wire and batch forms of a signed transaction, a zstd frame of
// raw blocks, the state tree and the receipts tree (docs/protocol.md),
// written here independently of the Go code so the two implementations
// check each other.
import { concat, getAddress, getBytes, hexlify, keccak256, toBigInt } from "ethers";

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
  Fill: [
    { name: "taker", type: "address" },
    { name: "offer", type: "Offer" },
    { name: "take", type: "uint256" },
    { name: "nonce", type: "uint64" },
  ],
  CancelOffer: [
    { name: "maker", type: "address" },
    { name: "offer", type: "bytes32" },
    { name: "nonce", type: "uint64" },
  ],
  Withdraw: [
    { name: "account", type: "address" },
    { name: "asset", type: "bytes32" },
    { name: "amount", type: "uint256" },
    { name: "to", type: "address" },
    { name: "nonce", type: "uint64" },
  ],
  Redeem: [
    { name: "payee", type: "address" },
    { name: "authorization", type: "SpendAuthorization" },
    { name: "amount", type: "uint256" },
    { name: "nonce", type: "uint64" },
  ],
  ConvertPay: [
    { name: "owner", type: "address" },
    { name: "record", type: "bytes32" },
    { name: "offers", type: "Offer[]" },
    { name: "takes", type: "uint256[]" },
    { name: "asset", type: "bytes32" },
    { name: "amount", type: "uint256" },
    { name: "payee", type: "address" },
    { name: "nonce", type: "uint64" },
  ],
  // Referenced by Fill, ConvertPay (Offer) and Redeem (SpendAuthorization);
  // an offer and an authorization are also signed on their own.
  Offer: [
    { name: "maker", type: "address" },
    { name: "give", type: "bytes32" },
    { name: "giveAmount", type: "uint256" },
    { name: "want", type: "bytes32" },
    { name: "wantAmount", type: "uint256" },
    { name: "partial", type: "bool" },
    { name: "expiry", type: "uint64" },
    { name: "salt", type: "bytes32" },
  ],
  SpendAuthorization: [
    { name: "account", type: "address" },
    { name: "asset", type: "bytes32" },
    { name: "amount", type: "uint256" },
    { name: "payee", type: "address" },
    { name: "expiry", type: "uint64" },
    { name: "salt", type: "bytes32" },
  ],
};

// The struct types each primary type references.
const REFERENCED = { Fill: ["Offer"], ConvertPay: ["Offer"], Redeem: ["SpendAuthorization"] };

// Structs signed inside transactions or beside them, not transactions
// themselves: the card's consent a CardRegister carries, and the
// attestation an attester signs for a batch (in the Vault's domain).
export const CARRIED_TYPES = {
  CardConsent: [
    { name: "card", type: "address" },
    { name: "issuer", type: "address" },
    { name: "owner", type: "address" },
  ],
  Attestation: [
    { name: "seq", type: "uint64" },
    { name: "dataHash", type: "bytes32" },
    { name: "stateRoot", type: "bytes32" },
    { name: "receiptsRoot", type: "bytes32" },
  ],
  // Venue records (signage): gossiped and kept by nodes, not transactions.
  Venue: [
    { name: "operator", type: "address" },
    { name: "name", type: "string" },
    { name: "map", type: "bytes32" },
    { name: "seq", type: "uint64" },
  ],
  VenueStore: [
    { name: "venue", type: "bytes32" },
    { name: "merchant", type: "address" },
    { name: "name", type: "string" },
    { name: "x", type: "uint32" },
    { name: "y", type: "uint32" },
    { name: "accepts", type: "bytes32[]" },
    { name: "open", type: "bool" },
    { name: "seq", type: "uint64" },
  ],
  VenuePlace: [
    { name: "venue", type: "bytes32" },
    { name: "merchant", type: "address" },
    { name: "x", type: "uint32" },
    { name: "y", type: "uint32" },
    { name: "approved", type: "bool" },
    { name: "seq", type: "uint64" },
  ],
};

export const DOMAIN_FIELDS = [
  { name: "name", type: "string" },
  { name: "version", type: "string" },
  { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" },
];

// Wire kind bytes (ledger/tx.go).
export const KIND = {
  Transfer: 1, IssueAsset: 2, CardRegister: 3, CardRecord: 4, Fill: 5, CancelOffer: 6, Withdraw: 7, Redeem: 8, ConvertPay: 9, CardBlock: 10,
};

// fullDomain turns a case's {chainId, verifyingContract} into the domain
// object ethers expects.
export function fullDomain(d) {
  return { name: DOMAIN_NAME, version: DOMAIN_VERSION, chainId: d.chainId, verifyingContract: d.verifyingContract };
}

// typesOf returns the types object holding the primary type and the types
// it references, nothing else (what ethers' signTypedData takes).
export function typesOf(type) {
  const t = TYPES[type] ?? CARRIED_TYPES[type];
  if (!t) throw new Error(`unknown type ${type}`);
  const out = { [type]: t };
  for (const r of REFERENCED[type] ?? []) out[r] = TYPES[r];
  return out;
}

// signerOf names the message field that must be the signing account.
export function signerOf(type, message) {
  const field = {
    Transfer: "from", CardRecord: "card", Fill: "taker", CancelOffer: "maker", Withdraw: "account", Redeem: "payee",
    ConvertPay: "owner", Offer: "maker", SpendAuthorization: "account", CardConsent: "card", Venue: "operator", VenueStore: "merchant",
  }[type] ?? "issuer";
  return message[field];
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

// Field writers. In batch form (ctx set, docs/protocol.md "Batch format")
// an account address is varint(number + 1) when ctx.numbers knows it, else
// varint(0) ‖ 20 bytes, and an asset id is its index in ctx.assets (added
// on first use).
const addr = (v, what) => fixed(getAddress(v), 20, what);
function account(v, what, ctx) {
  if (!ctx) return addr(v, what);
  const n = ctx.numbers.get(getAddress(v));
  return n === undefined ? [0, ...addr(v, what)] : uvarint(BigInt(n) + 1n);
}
function assetRef(v, what, ctx) {
  if (!ctx) return fixed(v, 32, what);
  let i = ctx.assets.indexOf(v);
  if (i < 0) {
    i = ctx.assets.length;
    ctx.assets.push(v);
  }
  return uvarint(i);
}

function offerFields(o, ctx) {
  return [
    ...account(o.maker, "maker", ctx), ...assetRef(o.give, "give", ctx), ...amount(o.giveAmount), ...assetRef(o.want, "want", ctx),
    ...amount(o.wantAmount), o.partial ? 1 : 0, ...uvarint(o.expiry), ...fixed(o.salt, 32, "salt"),
  ];
}

function authFields(a, ctx) {
  return [
    ...account(a.account, "account", ctx), ...assetRef(a.asset, "asset", ctx), ...amount(a.amount), ...account(a.payee, "payee", ctx),
    ...uvarint(a.expiry), ...fixed(a.salt, 32, "salt"),
  ];
}

// carried is varint(len) ‖ a whole transaction in wire form (hex).
function carried(w) {
  const b = Array.from(getBytes(w));
  return [...uvarint(b.length), ...b];
}

// encodeBody returns the kind byte ‖ the payload fields in wire order (in
// batch form with ctx). What a transaction carries besides its own message
// comes in extra: a CardRegister's consent_signature, a CardRecord's
// attached (wire forms, hex), a Fill's offer_signature, a Redeem's
// authorization_signature, a ConvertPay's record (wire form, hex) and
// offer_signatures.
export function encodeBody(type, m, extra = {}, ctx = null) {
  const out = [KIND[type]];
  if (type === "Transfer") {
    out.push(...account(m.from, "from", ctx), ...account(m.to, "to", ctx), ...assetRef(m.asset, "asset", ctx));
    out.push(...amount(m.amount), ...uvarint(m.nonce));
  } else if (type === "IssueAsset") {
    const sym = Array.from(new TextEncoder().encode(m.symbol));
    out.push(...account(m.issuer, "issuer", ctx));
    out.push(...uvarint(sym.length), ...sym);
    out.push(...uint8(m.decimals));
    out.push(...amount(m.supply));
    out.push(...uint16(m.currency));
    out.push(...fixed(m.metadata, 32, "metadata"));
    out.push(...uvarint(m.nonce));
  } else if (type === "CardRegister") {
    out.push(...account(m.issuer, "issuer", ctx), ...account(m.card, "card", ctx), ...account(m.owner, "owner", ctx));
    out.push(...fixed(extra.consent_signature, 65, "consent signature"));
    out.push(...uvarint(m.nonce));
  } else if (type === "CardRecord") {
    out.push(...account(m.card, "card", ctx), ...assetRef(m.asset, "asset", ctx), ...amount(m.amount), ...account(m.payee, "payee", ctx));
    out.push(...uvarint(m.counter));
    out.push(...fixed(m.challenge, 32, "challenge"));
    out.push(...uint8(m.mode));
    out.push(...fixed(m.attached, 32, "attached"));
    const att = extra.attached ?? [];
    out.push(...uvarint(att.length));
    for (const w of att) out.push(...carried(w));
  } else if (type === "CardBlock") {
    out.push(...account(m.issuer, "issuer", ctx), ...account(m.card, "card", ctx));
    out.push(...uint8(m.reason));
    out.push(...uvarint(m.nonce));
  } else if (type === "Fill") {
    out.push(...account(m.taker, "taker", ctx), ...offerFields(m.offer, ctx), ...fixed(extra.offer_signature, 65, "offer signature"));
    out.push(...amount(m.take), ...uvarint(m.nonce));
  } else if (type === "CancelOffer") {
    out.push(...account(m.maker, "maker", ctx), ...fixed(m.offer, 32, "offer"), ...uvarint(m.nonce));
  } else if (type === "Withdraw") {
    out.push(...account(m.account, "account", ctx), ...assetRef(m.asset, "asset", ctx), ...amount(m.amount));
    out.push(...addr(m.to, "to"), ...uvarint(m.nonce));
  } else if (type === "Redeem") {
    out.push(...account(m.payee, "payee", ctx), ...authFields(m.authorization, ctx));
    out.push(...fixed(extra.authorization_signature, 65, "authorization signature"), ...amount(m.amount), ...uvarint(m.nonce));
  } else if (type === "ConvertPay") {
    out.push(...account(m.owner, "owner", ctx), ...carried(extra.record));
    out.push(...uvarint(m.offers.length));
    m.offers.forEach((o, i) => {
      out.push(...offerFields(o, ctx), ...fixed(extra.offer_signatures[i], 65, "offer signature"), ...amount(m.takes[i]));
    });
    out.push(...assetRef(m.asset, "asset", ctx), ...amount(m.amount), ...account(m.payee, "payee", ctx), ...uvarint(m.nonce));
  } else {
    throw new Error(`unknown type ${type}`);
  }
  return out;
}

// encodeTx returns the hex wire form: body ‖ 65-byte signature r ‖ s ‖ v.
export function encodeTx(type, message, signature, extra = {}) {
  return hexlify(Uint8Array.from([...encodeBody(type, message, extra), ...fixed(signature, 65, "signature")]));
}

// encodeOffer is a signed offer's wire form: 0x4F ‖ offer ‖ signature.
export function encodeOffer(message, signature) {
  return hexlify(Uint8Array.from([0x4f, ...offerFields(message, null), ...fixed(signature, 65, "signature")]));
}

// batchTx is a transaction in batch form, behind its length (format 2):
// varint(len) ‖ (kind | (v − 27) << 7) ‖ body ‖ r ‖ s.
export function batchTx(type, message, signature, extra, ctx) {
  const body = encodeBody(type, message, extra, ctx);
  const sig = fixed(signature, 65, "signature");
  body[0] |= (sig[64] - 27) << 7;
  const tx = [...body, ...sig.slice(0, 64)];
  return [...uvarint(tx.length), ...tx];
}

// batchBody is a format 2 body: the asset table, the count, the
// transactions (each already from batchTx).
export function batchBody(assets, txs) {
  const out = [...uvarint(assets.length)];
  for (const a of assets) out.push(...fixed(a, 32, "asset id"));
  out.push(...uvarint(txs.length));
  for (const t of txs) out.push(...t);
  return Uint8Array.from(out);
}

// zstdRaw wraps bytes in one zstd frame (RFC 8878) of raw blocks: single
// segment, a 4-byte content size, no checksum. Any zstd decoder reads it.
export function zstdRaw(data) {
  const out = [0x28, 0xb5, 0x2f, 0xfd, 0xa0, data.length & 0xff, (data.length >> 8) & 0xff, (data.length >> 16) & 0xff, (data.length >>> 24) & 0xff];
  const max = 128 * 1024;
  let pos = 0;
  do {
    const n = Math.min(max, data.length - pos);
    const last = pos + n === data.length ? 1 : 0;
    const h = (n << 3) | last; // block type 0: raw
    out.push(h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, ...data.subarray(pos, pos + n));
    pos += n;
  } while (pos < data.length);
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------------
// The state tree (docs/protocol.md, "State and roots")
// ---------------------------------------------------------------------

const ZERO32 = "0x" + "00".repeat(32);
const bitAt = (h, i) => (getBytes(h)[i >> 3] >> (7 - (i & 7))) & 1;
const leafHash = (leafKey, valueHash) => keccak256(concat(["0x00", leafKey, valueHash]));

// stateRoot is the compact sparse Merkle root over entries [{key, value}]
// (hex): a subtree with one leaf is that leaf, with none is zero.
export function stateRoot(entries) {
  return subRoot(entries.map((e) => ({ k: keccak256(e.key), vh: keccak256(e.value) })), 0);
}

// stateProof is the proof of key as GET /v1/proofs serves it: the
// siblings from the root down to where key's path ends, and the leaf
// found there, if any.
export function stateProof(entries, key) {
  const k = keccak256(key);
  let ls = entries.map((e) => ({ k: keccak256(e.key), vh: keccak256(e.value) }));
  const siblings = [];
  for (let depth = 0; ; depth++) {
    if (ls.length === 0) return { siblings };
    if (ls.length === 1) return { siblings, leaf_key: ls[0].k, leaf_value_hash: ls[0].vh };
    const b = bitAt(k, depth);
    const same = ls.filter((x) => bitAt(x.k, depth) === b), other = ls.filter((x) => bitAt(x.k, depth) !== b);
    siblings.push(subRoot(other, depth + 1));
    ls = same;
  }
}

// subRoot is the root of the subtree at depth holding leaves ls.
function subRoot(ls, depth) {
  if (ls.length === 0) return ZERO32;
  if (ls.length === 1) return leafHash(ls[0].k, ls[0].vh);
  const l = ls.filter((x) => bitAt(x.k, depth) === 0), r = ls.filter((x) => bitAt(x.k, depth) === 1);
  return keccak256(concat(["0x01", subRoot(l, depth + 1), subRoot(r, depth + 1)]));
}

// ---------------------------------------------------------------------
// Receipts (docs/protocol.md, "Receipts root")
// ---------------------------------------------------------------------

export function receiptHash(r) {
  return keccak256(concat([r.id, Uint8Array.of(KIND[r.type]), getAddress(r.sender), Uint8Array.of(r.status), Uint8Array.of(r.reason), ...(r.applied ?? [])]));
}

const receiptLeaf = (h) => keccak256(concat(["0x00", h]));

function mth(leaves) {
  if (leaves.length === 0) return keccak256("0x");
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return keccak256(concat(["0x01", mth(leaves.slice(0, k)), mth(leaves.slice(k))]));
}

export const receiptsRoot = (hashes) => mth(hashes.map(receiptLeaf));

// auditPath is RFC 6962's PATH(m, D[n]) over the receipts' leaves: what
// Vault.withdraw takes as its proof.
export function auditPath(hashes, m) {
  const path = (leaves, m) => {
    if (leaves.length <= 1) return [];
    let k = 1;
    while (k * 2 < leaves.length) k *= 2;
    return m < k ? [...path(leaves.slice(0, k), m), mth(leaves.slice(k))] : [...path(leaves.slice(k), m - k), mth(leaves.slice(0, k))];
  };
  return path(hashes.map(receiptLeaf), m);
}
