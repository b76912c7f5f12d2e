// protocol.mjs: the anonex protocol as docs/protocol.md states it, written
// from that page alone (not from the Go code): the EIP-712 types, the wire
// and batch forms of every kind, the field rules, signatures, the account
// number rule, receipts, the state proof. decode.mjs drives it against a
// running network; where this file needed more than the docs say, the
// docs were fixed.
import { TypedDataEncoder, Signature, getAddress, getBytes, hexlify, keccak256, concat, recoverAddress, toBeHex } from "ethers";
import { decompress } from "./zstd.mjs";

export class DecodeError extends Error {}
// InvalidError: the transaction is never valid. cls is the outcome class
// of ledger/testdata/README.md: invalid, bad_signature or wrong_signer.
export class InvalidError extends Error {
  constructor(msg, cls = "invalid") {
    super(msg);
    this.cls = cls;
  }
}

// ---------------------------------------------------------------------
// EIP-712 (docs/protocol.md, "Transactions")
// ---------------------------------------------------------------------

const f = (spec) => spec.split(",").map((p) => {
  const [type, name] = p.trim().split(" ");
  return { name, type };
});

export const STRUCTS = {
  Transfer: f("address from,address to,bytes32 asset,uint256 amount,uint64 nonce"),
  IssueAsset: f("address issuer,string symbol,uint8 decimals,uint256 supply,uint16 currency,bytes32 metadata,uint64 nonce"),
  CardRegister: f("address issuer,address card,address owner,uint64 nonce"),
  CardRecord: f("address card,bytes32 asset,uint256 amount,address payee,uint64 counter,bytes32 challenge,uint8 mode,bytes32 attached"),
  Fill: f("address taker,Offer offer,uint256 take,uint64 nonce"),
  CancelOffer: f("address maker,bytes32 offer,uint64 nonce"),
  Withdraw: f("address account,bytes32 asset,uint256 amount,address to,uint64 nonce"),
  Redeem: f("address payee,SpendAuthorization authorization,uint256 amount,uint64 nonce"),
  ConvertPay: f("address owner,bytes32 record,Offer[] offers,uint256[] takes,bytes32 asset,uint256 amount,address payee,uint64 nonce"),
  CardBlock: f("address issuer,address card,uint8 reason,uint64 nonce"),
  Offer: f("address maker,bytes32 give,uint256 giveAmount,bytes32 want,uint256 wantAmount,bool partial,uint64 expiry,bytes32 salt"),
  SpendAuthorization: f("address account,bytes32 asset,uint256 amount,address payee,uint64 expiry,bytes32 salt"),
  CardConsent: f("address card,address issuer,address owner"),
  Attestation: f("uint64 seq,bytes32 dataHash,bytes32 stateRoot,bytes32 receiptsRoot"),
};

const NESTED = { Fill: ["Offer"], ConvertPay: ["Offer"], Redeem: ["SpendAuthorization"] };

// typesOf is the primary type and the types it references, as ethers wants.
export function typesOf(name) {
  const t = { [name]: STRUCTS[name] };
  for (const n of NESTED[name] ?? []) t[n] = STRUCTS[n];
  return t;
}

export const KINDS = {
  1: "Transfer", 2: "IssueAsset", 3: "CardRegister", 4: "CardRecord", 5: "Fill",
  6: "CancelOffer", 7: "Withdraw", 8: "Redeem", 9: "ConvertPay", 10: "CardBlock",
};
export const KIND_OF = Object.fromEntries(Object.entries(KINDS).map(([k, v]) => [v, Number(k)]));

// The account that must sign each kind.
const SIGNER = {
  Transfer: "from", IssueAsset: "issuer", CardRegister: "issuer", CardRecord: "card", Fill: "taker",
  CancelOffer: "maker", Withdraw: "account", Redeem: "payee", ConvertPay: "owner", CardBlock: "issuer",
};
export const signerOf = (tx) => tx.message[SIGNER[tx.type]];

export const domainOf = (chainId, verifyingContract) => ({ name: "anonex", version: "1", chainId, verifyingContract: getAddress(verifyingContract) });

export const hashStruct = (type, message) => TypedDataEncoder.hashStruct(type, typesOf(type), message);
export const digestOf = (domain, type, message) => TypedDataEncoder.hash(domain, typesOf(type), message);

// ---------------------------------------------------------------------
// Wire and batch forms (docs/protocol.md, "Wire form", "Batch format")
// ---------------------------------------------------------------------

const ZERO20 = "0x" + "00".repeat(20);
const ZERO32 = "0x" + "00".repeat(32);
const MAX_TX = 4096;
const MAX_CARRIED = 8;
const U64 = (1n << 64n) - 1n;

// Reader reads the field forms. ctx, when set, is a batch's context: the
// account table (number → address) and the asset table.
class Reader {
  constructor(b, ctx = null, start = 0, end = b.length) {
    this.b = b;
    this.pos = start;
    this.end = end;
    this.ctx = ctx;
  }
  fail(what) {
    throw new DecodeError(`${what} at byte ${this.pos}`);
  }
  take(n, what) {
    if (n < 0 || this.pos + n > this.end) this.fail(`${what}: needs ${n} bytes, ${this.end - this.pos} left`);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  byte(what) {
    return this.take(1, what)[0];
  }
  varint(what) {
    let v = 0n;
    for (let i = 0; ; i++) {
      if (i === 10) this.fail(`${what}: varint longer than 10 bytes`);
      const c = this.byte(what);
      v |= BigInt(c & 0x7f) << BigInt(7 * i);
      if (c < 0x80) {
        if (i > 0 && c === 0) this.fail(`${what}: varint not in its shortest form`);
        if (v > U64) this.fail(`${what}: varint beyond 64 bits`);
        return v;
      }
    }
  }
  count(what, max) {
    const n = this.varint(what);
    if (n > BigInt(max)) this.fail(`${what} ${n} exceeds ${max}`);
    return Number(n);
  }
  uint256(what) {
    const n = this.byte(what + " length");
    if (n > 32) this.fail(`${what}: length ${n} exceeds 32`);
    const b = this.take(n, what);
    if (n > 0 && b[0] === 0) this.fail(`${what}: leading zero byte`);
    return n === 0 ? 0n : BigInt(hexlify(b));
  }
  uint16(what) {
    const b = this.take(2, what);
    return (b[0] << 8) | b[1];
  }
  bool(what) {
    const v = this.byte(what);
    if (v > 1) this.fail(`${what}: bool byte ${v}`);
    return v === 1;
  }
  string(what, max) {
    const n = this.count(what + " length", max);
    return new TextDecoder("utf-8", { fatal: true }).decode(this.take(n, what));
  }
  bytes32(what) {
    return hexlify(this.take(32, what));
  }
  address(what) {
    return getAddress(hexlify(this.take(20, what)));
  }
  // account is an account address: in a batch, varint(0) ‖ 20 bytes or
  // varint(n + 1) for account number n.
  account(what) {
    if (!this.ctx) return this.address(what);
    const x = this.varint(what);
    if (x === 0n) return this.address(what);
    const n = x - 1n;
    if (n >= BigInt(this.ctx.accounts.length)) {
      this.ctx.unknownNumber ??= `${what}: account number ${n} not given yet (${this.ctx.accounts.length} accounts)`;
      return ZERO20;
    }
    return this.ctx.accounts[Number(n)];
  }
  // asset is an asset id: in a batch, an index into its asset table.
  asset(what) {
    if (!this.ctx) return this.bytes32(what);
    const i = this.varint(what);
    if (i >= BigInt(this.ctx.assets.length)) this.fail(`${what}: asset index ${i} outside the table of ${this.ctx.assets.length}`);
    return this.ctx.assets[Number(i)];
  }
  signature(what) {
    return hexlify(this.take(65, what));
  }
  // carried reads varint(len) ‖ a whole CardRecord in wire form.
  carried(what) {
    const n = this.count(what + " length", MAX_TX);
    const b = this.take(n, what);
    const tx = decodeTx(b);
    if (tx.type !== "CardRecord") throw new DecodeError(`${what} is a ${tx.type}, not a CardRecord`);
    return tx;
  }
}

function readOffer(r) {
  return {
    maker: r.account("offer maker"), give: r.asset("offer give"), giveAmount: r.uint256("offer giveAmount"),
    want: r.asset("offer want"), wantAmount: r.uint256("offer wantAmount"), partial: r.bool("offer partial"),
    expiry: r.varint("offer expiry"), salt: r.bytes32("offer salt"),
  };
}

function readAuth(r) {
  return {
    account: r.account("authorization account"), asset: r.asset("authorization asset"), amount: r.uint256("authorization amount"),
    payee: r.account("authorization payee"), expiry: r.varint("authorization expiry"), salt: r.bytes32("authorization salt"),
  };
}

// readBody reads a kind's body. It returns {message, carry}: the EIP-712
// message and what the transaction carries besides (signatures, records).
function readBody(type, r) {
  const carry = {};
  let m;
  switch (type) {
    case "Transfer":
      m = { from: r.account("from"), to: r.account("to"), asset: r.asset("asset"), amount: r.uint256("amount"), nonce: r.varint("nonce") };
      break;
    case "IssueAsset":
      m = { issuer: r.account("issuer"), symbol: r.string("symbol", 12), decimals: r.byte("decimals"), supply: r.uint256("supply"),
        currency: r.uint16("currency"), metadata: r.bytes32("metadata"), nonce: r.varint("nonce") };
      break;
    case "CardRegister":
      m = { issuer: r.account("issuer"), card: r.account("card"), owner: r.account("owner") };
      carry.consent = r.signature("consent");
      m.nonce = r.varint("nonce");
      break;
    case "CardRecord": {
      m = { card: r.account("card"), asset: r.asset("asset"), amount: r.uint256("amount"), payee: r.account("payee"),
        counter: r.varint("counter"), challenge: r.bytes32("challenge"), mode: r.byte("mode"), attached: r.bytes32("attached") };
      const n = r.count("carried records", MAX_CARRIED);
      carry.attached = [];
      for (let i = 0; i < n; i++) carry.attached.push(r.carried(`carried record ${i}`));
      break;
    }
    case "Fill":
      m = { taker: r.account("taker"), offer: readOffer(r) };
      carry.offerSignature = r.signature("offer signature");
      m.take = r.uint256("take");
      m.nonce = r.varint("nonce");
      break;
    case "CancelOffer":
      m = { maker: r.account("maker"), offer: r.bytes32("offer"), nonce: r.varint("nonce") };
      break;
    case "Withdraw":
      m = { account: r.account("account"), asset: r.asset("asset"), amount: r.uint256("amount"), to: r.address("to"), nonce: r.varint("nonce") };
      break;
    case "Redeem":
      m = { payee: r.account("payee"), authorization: readAuth(r) };
      carry.authorizationSignature = r.signature("authorization signature");
      m.amount = r.uint256("amount");
      m.nonce = r.varint("nonce");
      break;
    case "ConvertPay": {
      m = { owner: r.account("owner") };
      carry.record = r.carried("record");
      m.record = hashStruct("CardRecord", carry.record.message);
      const n = r.count("offers", MAX_CARRIED);
      m.offers = [];
      m.takes = [];
      carry.offerSignatures = [];
      for (let i = 0; i < n; i++) {
        m.offers.push(readOffer(r));
        carry.offerSignatures.push(r.signature("offer signature"));
        m.takes.push(r.uint256("take"));
      }
      m.asset = r.asset("asset");
      m.amount = r.uint256("amount");
      m.payee = r.account("payee");
      m.nonce = r.varint("nonce");
      break;
    }
    case "CardBlock":
      m = { issuer: r.account("issuer"), card: r.account("card"), reason: r.byte("reason"), nonce: r.varint("nonce") };
      break;
    default:
      throw new DecodeError(`no body for ${type}`);
  }
  return { message: m, carry };
}

// decodeTx decodes a transaction's wire form.
export function decodeTx(b) {
  b = getBytes(b);
  if (b.length > MAX_TX) throw new DecodeError(`transaction of ${b.length} bytes exceeds ${MAX_TX}`);
  const r = new Reader(b);
  const kind = r.byte("kind");
  const type = KINDS[kind];
  if (!type) throw new DecodeError(`unknown kind ${kind}`);
  const { message, carry } = readBody(type, r);
  const signature = r.signature("signature");
  if (r.pos !== b.length) throw new DecodeError(`${b.length - r.pos} trailing bytes`);
  return { kind, type, message, signature, ...carry, wire: hexlify(b) };
}

// decodeBatch decodes a batch's bytes against the account table of the
// settled state just before it (accounts[n] is account number n). It
// returns {version, body, assets, txs}, each tx either decoded or
// {unusable: why}. A DecodeError means the batch is junk.
export function decodeBatch(data, accounts) {
  data = getBytes(data);
  if (data.length === 0 || data.length > 126000) throw new DecodeError(`batch of ${data.length} bytes`);
  const version = data[0];
  if (version !== 1 && version !== 2) throw new DecodeError(`batch version ${version}`);
  let body;
  try {
    body = decompress(data.subarray(1), { maxWindow: 1 << 20, maxOutput: 1 << 20 });
  } catch (e) {
    throw new DecodeError(`batch body: ${e.message}`);
  }
  const ctx = { accounts, assets: [] };
  const r = new Reader(body, ctx);
  const na = r.count("asset count", 1024);
  for (let i = 0; i < na; i++) ctx.assets.push(r.bytes32("asset id"));
  const n = r.count("transaction count", 4096);
  const txs = [];
  for (let i = 0; i < n; i++) {
    let end = body.length;
    if (version === 2) {
      const len = r.count(`tx ${i} length`, body.length);
      if (r.pos + len > body.length) r.fail(`tx ${i}: length ${len} beyond the body`);
      end = r.pos + len;
    }
    const start = r.pos;
    const t = new Reader(body, ctx, start, end);
    const first = t.byte("kind");
    const type = KINDS[first & 0x7f];
    if (!type) {
      if (version === 1) throw new DecodeError(`tx ${i}: unknown kind ${first & 0x7f} in a version 1 batch`);
      txs.push({ unusable: `unknown kind ${first & 0x7f}`, kind: first & 0x7f });
      r.pos = end;
      continue;
    }
    ctx.unknownNumber = null;
    const { message, carry } = readBody(type, t);
    const rs = t.take(64, "signature r, s");
    const signature = hexlify(concat([rs, Uint8Array.of(27 + (first >> 7))]));
    if (version === 2 && t.pos !== end) throw new DecodeError(`tx ${i}: ${end - t.pos} bytes of its length unread`);
    r.pos = t.pos;
    const tx = { kind: first & 0x7f, type, message, signature, ...carry };
    if (ctx.unknownNumber) txs.push({ unusable: ctx.unknownNumber, kind: tx.kind });
    else txs.push(tx);
  }
  if (r.pos !== body.length) throw new DecodeError(`${body.length - r.pos} trailing bytes in the batch`);
  return { version, body: hexlify(body), assets: ctx.assets, txs };
}

// ---------------------------------------------------------------------
// Field rules and signatures (docs/protocol.md, "Field rules", "Signature")
// ---------------------------------------------------------------------

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const isZero = (x) => x === ZERO20 || x === ZERO32 || /^0x0*$/.test(x);
const U256 = (1n << 256n) - 1n;

function rule(ok, what) {
  if (!ok) throw new InvalidError(what);
}

// checkSignature enforces the signature's format and returns the address
// that signed digest.
export function recoverChecked(digest, sig, what) {
  const b = getBytes(sig);
  const r = BigInt(hexlify(b.subarray(0, 32))), s = BigInt(hexlify(b.subarray(32, 64))), v = b[64];
  if (v !== 27 && v !== 28) throw new InvalidError(`${what}: v is ${v}`, "bad_signature");
  if (r === 0n || r >= N) throw new InvalidError(`${what}: r out of range`, "bad_signature");
  if (s === 0n || s > N / 2n) throw new InvalidError(`${what}: s zero or high`, "bad_signature");
  try {
    return recoverAddress(digest, Signature.from(sig));
  } catch (e) {
    throw new InvalidError(`${what}: no key recovers (${e.message})`, "bad_signature");
  }
}

function signedBy(domain, type, message, sig, want, what) {
  const got = recoverChecked(digestOf(domain, type, message), sig, what);
  if (got !== getAddress(want)) throw new InvalidError(`${what}: signed by ${got}, names ${want}`, "wrong_signer");
}

function offerRules(o) {
  rule(o.giveAmount > 0n && o.wantAmount > 0n, "offer of or for nothing");
  rule(!isZero(o.give) && !isZero(o.want) && !isZero(o.maker), "offer with a zero asset or maker");
  rule(o.give !== o.want, "offer gives and wants the same asset");
}

function fillRules(taker, o, take) {
  offerRules(o);
  rule(take > 0n, "fill of nothing");
  rule(take <= o.giveAmount, "fill beyond the offer");
  rule(o.partial || take === o.giveAmount, "partial fill of an all-or-nothing offer");
  rule(getAddress(taker) !== getAddress(o.maker), "a maker fills its own offer");
  const price = (take * o.wantAmount + o.giveAmount - 1n) / o.giveAmount;
  rule(price <= U256, "fill price beyond 256 bits");
}

function recordRules(m, attached) {
  rule(m.amount > 0n, "card record of nothing");
  rule(!isZero(m.payee) && m.payee !== m.card, "card record payee");
  rule(m.mode >= 1 && m.mode <= 3, `card record mode ${m.mode}`);
  rule(m.counter >= 1n, "card counter 0");
  rule(attached.length <= MAX_CARRIED, "too many carried records");
  rule((attached.length === 0) === isZero(m.attached), "attached commitment and carried records disagree");
  for (const a of attached) {
    rule((a.attached ?? []).length === 0, "a carried record carries records");
    rule(a.message.mode === 3 && a.message.payee === m.card, "a carried record is not card to card, paying this card");
    recordRules(a.message, []);
  }
}

// attachedCommitment is a CardRecord's `attached`: keccak256 of the ids of
// the records it carries, in order; zero for none.
export const attachedCommitment = (ids) => (ids.length === 0 ? ZERO32 : keccak256(concat(ids)));

// verifyTx checks a decoded transaction's field rules and every signature
// it holds in domain; it returns {id, signer, attachedIds, offerIds,
// authId, recordId} or throws InvalidError (the transaction is never valid).
export function verifyTx(tx, domain) {
  const m = tx.message;
  const out = { signatures: 1 };
  switch (tx.type) {
    case "Transfer":
      rule(m.amount > 0n, "transfer of nothing");
      rule(!isZero(m.to) && m.to !== m.from && !isZero(m.asset), "transfer fields");
      break;
    case "IssueAsset":
      rule(/^[A-Z][A-Z0-9.-]{0,11}$/.test(m.symbol), `symbol ${m.symbol}`);
      rule(m.decimals <= 36 && m.currency <= 999 && m.supply > 0n, "issue fields");
      break;
    case "CardRegister":
      rule(!isZero(m.card) && !isZero(m.owner) && m.card !== m.issuer, "registration fields");
      signedBy(domain, "CardConsent", { card: m.card, issuer: m.issuer, owner: m.owner }, tx.consent, m.card, "consent");
      out.signatures++;
      break;
    case "CardRecord": {
      recordRules(m, tx.attached);
      out.attachedIds = [];
      for (const a of tx.attached) {
        const id = digestOf(domain, "CardRecord", a.message);
        signedBy(domain, "CardRecord", a.message, a.signature, a.message.card, "carried record");
        out.attachedIds.push(id);
        out.signatures++;
      }
      rule(attachedCommitment(out.attachedIds) === m.attached, "carried records are not the ones the card signed");
      break;
    }
    case "Fill":
      fillRules(m.taker, m.offer, m.take);
      signedBy(domain, "Offer", m.offer, tx.offerSignature, m.offer.maker, "offer");
      out.offerIds = [digestOf(domain, "Offer", m.offer)];
      out.signatures++;
      break;
    case "CancelOffer":
      rule(!isZero(m.offer), "zero offer id");
      break;
    case "Withdraw":
      rule(m.amount > 0n && !isZero(m.to) && !isZero(m.asset), "withdraw fields");
      break;
    case "Redeem": {
      const a = m.authorization;
      rule(a.amount > 0n && !isZero(a.account) && !isZero(a.payee) && !isZero(a.asset) && a.account !== a.payee, "authorization fields");
      rule(m.amount > 0n && m.amount <= a.amount && m.payee === a.payee, "redeem fields");
      signedBy(domain, "SpendAuthorization", a, tx.authorizationSignature, a.account, "authorization");
      out.authId = digestOf(domain, "SpendAuthorization", a);
      out.signatures++;
      break;
    }
    case "ConvertPay": {
      const rec = tx.record;
      rule((rec.attached ?? []).length === 0, "the carried record carries records");
      rule(rec.message.payee === m.owner && rec.message.mode === 2, "the card record must pay the owner, online");
      recordRules(rec.message, []);
      signedBy(domain, "CardRecord", rec.message, rec.signature, rec.message.card, "card record");
      out.recordId = digestOf(domain, "CardRecord", rec.message);
      out.signatures++;
      rule(m.offers.length >= 1 && m.offers.length <= MAX_CARRIED && m.takes.length === m.offers.length, "1 to 8 offers");
      rule(m.amount > 0n && !isZero(m.payee) && m.payee !== m.owner && !isZero(m.asset), "conversion payment fields");
      out.offerIds = [];
      m.offers.forEach((o, i) => {
        fillRules(m.owner, o, m.takes[i]);
        signedBy(domain, "Offer", o, tx.offerSignatures[i], o.maker, `offer ${i}`);
        out.offerIds.push(digestOf(domain, "Offer", o));
        out.signatures++;
      });
      break;
    }
    case "CardBlock":
      rule(m.reason === 1 || m.reason === 2, `block reason ${m.reason}`);
      rule(!isZero(m.card) && m.card !== m.issuer, "block fields");
      break;
  }
  out.id = digestOf(domain, tx.type, m);
  out.signer = recoverChecked(out.id, tx.signature, tx.type);
  if (out.signer !== getAddress(signerOf(tx))) throw new InvalidError(`${tx.type} signed by ${out.signer}, names ${signerOf(tx)}`, "wrong_signer");
  return out;
}

// ---------------------------------------------------------------------
// Account numbers (docs/protocol.md, "Account numbers")
// ---------------------------------------------------------------------

// numbered lists the accounts a transaction with a receipt numbers, in
// order (each that has no number yet gets the next).
export function numbered(tx, ok) {
  const m = tx.message;
  switch (tx.type) {
    case "Transfer":
      return ok ? [m.to, m.from] : [m.from];
    case "IssueAsset":
      return [m.issuer];
    case "CardRegister":
      return ok ? [m.card, m.issuer] : [m.issuer];
    case "CardRecord":
      return ok ? [m.payee] : [];
    case "Fill":
      return ok ? [m.taker, m.offer.maker] : [m.taker];
    case "CancelOffer":
      return [m.maker];
    case "Withdraw":
      return [m.account];
    case "Redeem":
      return [m.payee];
    case "ConvertPay":
      return ok ? [m.owner, ...m.offers.map((o) => o.maker), m.payee] : [m.owner];
    case "CardBlock":
      return [m.issuer];
  }
  throw new Error(`no numbering rule for ${tx.type}`);
}

// AccountTable is the settled state's account numbering.
export class AccountTable {
  constructor() {
    this.list = [];
    this.index = new Map();
  }
  give(addr) {
    addr = getAddress(addr);
    if (!this.index.has(addr)) {
      this.index.set(addr, this.list.length);
      this.list.push(addr);
    }
  }
  number(addr) {
    return this.index.get(getAddress(addr));
  }
}

// ---------------------------------------------------------------------
// Receipts and proofs (docs/protocol.md, "State and roots")
// ---------------------------------------------------------------------

export function receiptHash({ id, kind, sender, status, reason, applied = [] }) {
  return keccak256(concat([id, Uint8Array.of(kind), sender, Uint8Array.of(status), Uint8Array.of(reason), ...applied]));
}

function mth(leaves) {
  if (leaves.length === 0) return keccak256("0x");
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return keccak256(concat(["0x01", mth(leaves.slice(0, k)), mth(leaves.slice(k))]));
}

export const receiptsRoot = (hashes) => mth(hashes.map((h) => keccak256(concat(["0x00", h]))));

const bitOf = (h, i) => (getBytes(h)[i >> 3] >> (7 - (i & 7))) & 1;

// verifyProof checks a state proof (the `proof` object of GET
// /v1/proofs/...) that key holds value ("0x": nothing) under root.
export function verifyProof(root, key, value, proof) {
  const leafKey = keccak256(key);
  const sib = proof.siblings ?? [];
  if (sib.length > 256) return false;
  if ((proof.leaf_key === undefined) !== (proof.leaf_value_hash === undefined)) return false;
  let h;
  if (getBytes(value).length > 0) {
    if (proof.leaf_key !== leafKey || proof.leaf_value_hash !== keccak256(value)) return false;
    h = keccak256(concat(["0x00", leafKey, proof.leaf_value_hash]));
  } else if (proof.leaf_key !== undefined) {
    if (proof.leaf_key === leafKey) return false;
    for (let i = 0; i < sib.length; i++) if (bitOf(proof.leaf_key, i) !== bitOf(leafKey, i)) return false;
    h = keccak256(concat(["0x00", proof.leaf_key, proof.leaf_value_hash]));
  } else {
    h = ZERO32;
  }
  for (let i = sib.length - 1; i >= 0; i--) {
    h = bitOf(leafKey, i) === 0 ? keccak256(concat(["0x01", h, sib[i]])) : keccak256(concat(["0x01", sib[i], h]));
  }
  return h === root;
}

// balanceKey is the state key of a balance: 'b' ‖ account ‖ asset.
export const balanceKey = (account, asset) => hexlify(concat(["0x62", getAddress(account), asset]));

// minimalBE is a balance's stored value: big-endian without leading zeros.
export const minimalBE = (v) => (BigInt(v) === 0n ? "0x" : toBeHex(BigInt(v)));

// ---------------------------------------------------------------------
// JSON rendering of messages for comparison
// ---------------------------------------------------------------------

// plain renders a message with bigints as decimal strings.
export function plain(v) {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}
