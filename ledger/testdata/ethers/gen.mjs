// gen.mjs writes ../vectors.json: EIP-712 digests, signatures and wire
// encodings of anonex ledger transactions, made with ethers v6 from fixed
// keys, plus negative cases derived from them. The output is a pure function
// of this script and the pinned ethers; check.mjs re-derives it and fails on
// any difference. Format: ../README.md.
//
//	npm ci && node gen.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { HDNodeWallet, Wallet, TypedDataEncoder, concat, getAddress, getBytes, hexlify, id, keccak256, toBigInt, version } from "ethers";
import {
  DOMAIN_NAME, DOMAIN_VERSION, TYPES, DOMAIN_FIELDS, fullDomain, typesOf, encodeTx, encodeBody, encodeOffer, uvarint, amount,
  batchTx, batchBody, zstdRaw, stateRoot, stateProof, receiptHash, receiptsRoot, auditPath,
} from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
export const OUT = join(here, "..", "vectors.json");

// The hardhat / anvil development accounts.
export const MNEMONIC = "test test test test test test test test test test test junk";
const HARDHAT_KEY0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

const SECP_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const SECP_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

const U64_MAX = (1n << 64n) - 1n;
const U256_MAX = (1n << 256n) - 1n;

function keys() {
  const ks = [];
  for (let i = 0; i < 4; i++) {
    ks.push(new Wallet(HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey));
  }
  if (ks[0].privateKey !== HARDHAT_KEY0) throw new Error("mnemonic derivation does not give the hardhat key 0");
  return ks;
}

const CONTRACTS = {
  hardhat: getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3"),
  second: getAddress("0xe7f1725e7734ce288f8367e1bb143e90bb3f0512"),
  a1: getAddress("0xa100000000000000000000000000000000000000"),
  ones: getAddress("0xffffffffffffffffffffffffffffffffffffffff"),
};

const asset = (s) => id(`anonex asset ${s}`);
const ZERO32 = "0x" + "00".repeat(32);
const ZERO_ADDR = getAddress("0x" + "00".repeat(20));

// dom builds a case domain. chainId stays a JSON number: every id used here
// is at most 2^53-1 so JavaScript reads it exactly.
const dom = (chainId, verifyingContract) => {
  if (chainId > Number.MAX_SAFE_INTEGER) throw new Error("chainId beyond 2^53-1");
  return { chainId, verifyingContract };
};

// Message constructors. uint256 and uint64 values are decimal strings;
// uint8 and uint16 are JSON numbers.
const transfer = (from, to, assetId, amt, nonce) => ({
  from: getAddress(from),
  to: getAddress(to),
  asset: assetId,
  amount: toBigInt(amt).toString(),
  nonce: toBigInt(nonce).toString(),
});
const issue = (issuer, symbol, decimals, supply, currency, metadata, nonce) => ({
  issuer: getAddress(issuer),
  symbol,
  decimals,
  supply: toBigInt(supply).toString(),
  currency,
  metadata,
  nonce: toBigInt(nonce).toString(),
});

const cardRegister = (issuer, card, owner, nonce) => ({
  issuer: getAddress(issuer),
  card: getAddress(card),
  owner: getAddress(owner),
  nonce: toBigInt(nonce).toString(),
});
const cardRecord = (card, assetId, amt, payee, counter, challenge, mode, attached) => ({
  card: getAddress(card),
  asset: assetId,
  amount: toBigInt(amt).toString(),
  payee: getAddress(payee),
  counter: toBigInt(counter).toString(),
  challenge,
  mode,
  attached,
});
const cardBlock = (issuer, card, reason, nonce) => ({
  issuer: getAddress(issuer),
  card: getAddress(card),
  reason,
  nonce: toBigInt(nonce).toString(),
});
const cardConsent = (card, issuer, owner) => ({ card: getAddress(card), issuer: getAddress(issuer), owner: getAddress(owner) });
const offerMsg = (maker, give, giveAmount, want, wantAmount, partial, expiry, salt) => ({
  maker: getAddress(maker),
  give,
  giveAmount: toBigInt(giveAmount).toString(),
  want,
  wantAmount: toBigInt(wantAmount).toString(),
  partial,
  expiry: toBigInt(expiry).toString(),
  salt,
});
const fill = (taker, offer, take, nonce) => ({ taker: getAddress(taker), offer, take: toBigInt(take).toString(), nonce: toBigInt(nonce).toString() });
const cancel = (maker, offerId, nonce) => ({ maker: getAddress(maker), offer: offerId, nonce: toBigInt(nonce).toString() });
const withdraw = (account, assetId, amt, to, nonce) => ({
  account: getAddress(account),
  asset: assetId,
  amount: toBigInt(amt).toString(),
  to: getAddress(to),
  nonce: toBigInt(nonce).toString(),
});
const spendAuth = (account, assetId, amt, payee, expiry, salt) => ({
  account: getAddress(account),
  asset: assetId,
  amount: toBigInt(amt).toString(),
  payee: getAddress(payee),
  expiry: toBigInt(expiry).toString(),
  salt,
});
const redeem = (payee, authorization, amt, nonce) => ({ payee: getAddress(payee), authorization, amount: toBigInt(amt).toString(), nonce: toBigInt(nonce).toString() });
const convertPay = (owner, record, offers, takes, assetId, amt, payee, nonce) => ({
  owner: getAddress(owner),
  record,
  offers,
  takes: takes.map((t) => toBigInt(t).toString()),
  asset: assetId,
  amount: toBigInt(amt).toString(),
  payee: getAddress(payee),
  nonce: toBigInt(nonce).toString(),
});
const attestation = (seq, dataHash, stateRoot, receiptsRoot) => ({ seq: toBigInt(seq).toString(), dataHash, stateRoot, receiptsRoot });

// bridgedAsset is a Vault-listed token's asset id: keccak256("anonex.bridge"
// ‖ chainId (32 bytes) ‖ vault ‖ token).
const bridgedAsset = (chainId, vault, token) =>
  keccak256(concat([new TextEncoder().encode("anonex.bridge"), "0x" + BigInt(chainId).toString(16).padStart(64, "0"), vault, token]));

// attachedHash is a card record's commitment to the records it carries:
// keccak256 of their ids (EIP-712 digests) in order, zero for none.
export const attachedHash = (ids) => (ids.length === 0 ? "0x" + "00".repeat(32) : keccak256(concat(ids)));

// carriedOf is what a case carries besides its own signature, as encodeTx
// takes it: a ConvertPay's record is the one element of its attached list.
export const carriedOf = (c) => ({
  consent_signature: c.consent_signature,
  offer_signature: c.offer_signature,
  authorization_signature: c.authorization_signature,
  offer_signatures: c.offer_signatures,
  attached: c.type === "ConvertPay" ? [] : (c.attached ?? []).map((a) => a.wire),
  record: c.type === "ConvertPay" ? c.attached?.[0]?.wire : undefined,
});

// signed makes a case; extra.carry adds a CardRegister's consent_signature
// or a CardRecord's attached cases (each {type, message, signature, digest,
// wire}).
async function signed(name, domain, type, message, key, extra = {}) {
  const fd = fullDomain(domain);
  const digest = TypedDataEncoder.hash(fd, typesOf(type), message);
  const signature = await key.signTypedData(fd, typesOf(type), message);
  const carry = extra.carry ?? {};
  return {
    name,
    ...extra.head,
    domain,
    type,
    message,
    private_key: key.privateKey,
    digest,
    signature,
    ...carry,
    wire: encodeTx(type, message, signature, carriedOf({ type, ...carry })),
    expect: extra.expect ?? "ok",
    ...extra.tail,
  };
}

const asAttached = (c) => ({ type: c.type, message: c.message, signature: c.signature, digest: c.digest, wire: c.wire });

// withSig replaces the signature of a case (and so its wire) and drops the
// private key: the signature is no longer what that key produced.
function withSig(base, name, expect, goError, why, sig) {
  const c = { name, why, domain: base.domain, type: base.type, message: base.message, digest: base.digest, signature: sig };
  c.wire = encodeTx(c.type, c.message, sig);
  c.expect = expect;
  c.go_error = goError;
  return c;
}

function decodeCase(name, why, goError, wireBytes) {
  return { name, why, wire: hexlify(Uint8Array.from(wireBytes)), expect: "decode_error", go_error: goError };
}

const sigParts = (hex) => {
  const b = getBytes(hex);
  return { r: toBigInt(b.slice(0, 32)), s: toBigInt(b.slice(32, 64)), v: b[64] };
};
const sigHex = (r, s, v) => hexlify(Uint8Array.from([...getBytes(toHex32(r)), ...getBytes(toHex32(s)), v]));
const toHex32 = (n) => "0x" + n.toString(16).padStart(64, "0");

// modPow and a non-residue search, for an r that is no curve x-coordinate.
function modPow(b, e, m) {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}
function notOnCurveX() {
  for (let x = 1n; ; x++) {
    const y2 = (x * x * x + 7n) % SECP_P;
    if (modPow(y2, (SECP_P - 1n) / 2n, SECP_P) !== 1n) return x;
  }
}

export async function build() {
  const [k0, k1, k2, k3] = keys();
  const a0 = k0.address, a1 = k1.address, a2 = k2.address, a3 = k3.address;
  const EUR = asset("EUR"), USD = asset("USD"), GOLD = asset("GOLD");

  const ok = [];
  const T = (name, d, m, k) => signed(name, d, "Transfer", m, k).then((c) => (ok.push(c), c));
  const I = (name, d, m, k) => signed(name, d, "IssueAsset", m, k).then((c) => (ok.push(c), c));

  const devnet = dom(1337, CONTRACTS.a1);
  const hh = dom(31337, CONTRACTS.hardhat);

  const tBase = await T("transfer/amount-1/nonce-0", devnet, transfer(a0, a1, EUR, 1n, 0n), k0);
  await T("transfer/amount-255/nonce-1", devnet, transfer(a0, a1, EUR, 255n, 1n), k0);
  await T("transfer/amount-256/nonce-127", devnet, transfer(a1, a0, EUR, 256n, 127n), k1);
  await T("transfer/amount-1e18/nonce-128", hh, transfer(a0, a2, USD, 10n ** 18n, 128n), k0);
  await T("transfer/amount-2^64/nonce-16383", hh, transfer(a2, a3, USD, 1n << 64n, 16383n), k2);
  await T("transfer/amount-2^128-1/nonce-16384", hh, transfer(a3, a0, GOLD, (1n << 128n) - 1n, 16384n), k3);
  await T("transfer/amount-max/nonce-2^63", dom(1, CONTRACTS.hardhat), transfer(a0, a1, GOLD, U256_MAX, 1n << 63n), k0);
  await T("transfer/amount-1e30/nonce-max", dom(1, CONTRACTS.second), transfer(a1, a2, EUR, 10n ** 30n, U64_MAX), k1);
  await T("transfer/chain-11155111", dom(11155111, CONTRACTS.second), transfer(a2, a0, asset("X"), 123456789n, 42n), k2);
  await T("transfer/chain-2^53-1", dom(Number.MAX_SAFE_INTEGER, CONTRACTS.ones), transfer(a3, a1, asset("Y"), 1n << 255n, 7n), k3);
  await T("transfer/contract-all-ones", dom(5, CONTRACTS.ones), transfer(a0, CONTRACTS.ones, "0x" + "ff".repeat(32), 2n, 3n), k0);

  // Cards (protocol version 2): key 1 and key 2 stand in for cards, key 0
  // for their issuer, key 3 for their owner.
  const C = (name, d, type, m, k, carry) => signed(name, d, type, m, k, { carry }).then((c) => (ok.push(c), c));
  const consent = await k1.signTypedData(fullDomain(devnet), typesOf("CardConsent"), cardConsent(a1, a0, a3));
  await C("card-register/with-consent", devnet, "CardRegister", cardRegister(a0, a1, a3, 7n), k0, { consent_signature: consent });
  await C("card-record/offline/no-attachments", devnet, "CardRecord", cardRecord(a1, EUR, 250n, a3, 1n, id("challenge 1"), 1, ZERO32), k1);
  const c2c = await C("card-record/card-to-card", devnet, "CardRecord", cardRecord(a2, EUR, 500n, a1, 1n, id("challenge 2"), 3, ZERO32), k2);
  const c2c2 = await signed("x", devnet, "CardRecord", cardRecord(a2, EUR, 1n << 70n, a1, 300n, id("challenge 3"), 3, ZERO32), k2);
  const withAtt = await C("card-record/online/two-attachments", devnet, "CardRecord",
    cardRecord(a1, EUR, 700n, a3, 2n, id("challenge 4"), 2, attachedHash([c2c.digest, c2c2.digest])), k1,
    { attached: [asAttached(c2c), asAttached(c2c2)] });

  // The issuer (key 0) blocks card key 1: lost, then (another network) stolen.
  await C("card-block/lost", devnet, "CardBlock", cardBlock(a0, a1, 1, 8n), k0);
  await C("card-block/stolen/nonce-max", hh, "CardBlock", cardBlock(a0, a2, 2, U64_MAX), k0);

  // Offers and fills: key 0 makes, key 1 takes. An offer and a spend
  // authorization are signed on their own (offers, spend_authorizations
  // below) and carried with their signature by the transaction.
  const offers = [];
  const signOffer = async (name, d, m, k) => {
    const fd = fullDomain(d);
    const signature = await k.signTypedData(fd, typesOf("Offer"), m);
    const o = { name, domain: d, message: m, private_key: k.privateKey, digest: TypedDataEncoder.hash(fd, typesOf("Offer"), m), signature };
    o.wire = encodeOffer(m, signature);
    o.expect = "ok";
    offers.push(o);
    return o;
  };
  const eurUsd = await signOffer("offer/partial", devnet, offerMsg(a0, EUR, 1000n, USD, 400n, true, 1n << 40n, id("salt 1")), k0);
  const whole = await signOffer("offer/whole/max", hh, offerMsg(a0, GOLD, U256_MAX, USD, 1n, false, U64_MAX, id("salt 2")), k0);
  const goldEur = await signOffer("offer/gold-for-eur", devnet, offerMsg(a2, EUR, 1000n, GOLD, 400n, true, 1n << 40n, id("salt 3")), k2);
  const usdEur = await signOffer("offer/usd-for-eur", devnet, offerMsg(a0, USD, 5000n, EUR, 3000n, true, 1n << 40n, id("salt 4")), k0);
  await C("fill/partial", devnet, "Fill", fill(a1, eurUsd.message, 250n, 3n), k1, { offer_signature: eurUsd.signature });
  await C("fill/whole-offer/max", hh, "Fill", fill(a1, whole.message, U256_MAX, U64_MAX), k1, { offer_signature: whole.signature });
  await C("cancel-offer", devnet, "CancelOffer", cancel(a0, eurUsd.digest, 4n), k0);
  const vault = CONTRACTS.second;
  const ETH = bridgedAsset(1337, vault, ZERO_ADDR);
  await C("withdraw/eth", devnet, "Withdraw", withdraw(a2, ETH, 10n ** 18n, a3, 0n), k2);
  await C("withdraw/token/nonce-max", hh, "Withdraw", withdraw(a3, bridgedAsset(31337, vault, CONTRACTS.a1), U256_MAX, CONTRACTS.ones, U64_MAX), k3);

  // Spend authorizations and their redemption: key 0 lets key 1 take EUR.
  const auths = [];
  const signAuth = async (name, d, m, k) => {
    const fd = fullDomain(d);
    const signature = await k.signTypedData(fd, typesOf("SpendAuthorization"), m);
    const a = { name, domain: d, message: m, private_key: k.privateKey, digest: TypedDataEncoder.hash(fd, typesOf("SpendAuthorization"), m), signature, expect: "ok" };
    auths.push(a);
    return a;
  };
  const auth = await signAuth("spend-authorization/eur", devnet, spendAuth(a0, EUR, 1250n, a1, 1n << 40n, id("auth 1")), k0);
  await signAuth("spend-authorization/max", hh, spendAuth(a3, GOLD, U256_MAX, a2, U64_MAX, "0x" + "ff".repeat(32)), k3);
  await C("redeem/part", devnet, "Redeem", redeem(a1, auth.message, 1000n, 5n), k1, { authorization_signature: auth.signature });
  await C("redeem/all", devnet, "Redeem", redeem(a1, auth.message, 1250n, 6n), k1, { authorization_signature: auth.signature });

  // A conversion payment: card key 1 pays its owner (key 3) 300 GOLD
  // online; the owner takes 750 EUR of key 2's offer (for 300 GOLD) and
  // pays key 0 750 EUR. The record travels beside the message (JSON:
  // attached) and enters it as its hashStruct.
  const cpRec = await signed("x", devnet, "CardRecord", cardRecord(a1, GOLD, 300n, a3, 9n, id("challenge 9"), 2, ZERO32), k1);
  const recHash = TypedDataEncoder.hashStruct("CardRecord", typesOf("CardRecord"), cpRec.message);
  await C("convert-pay/one-offer", devnet, "ConvertPay", convertPay(a3, recHash, [goldEur.message], [750n], EUR, 750n, a0, 6n), k3,
    { attached: [asAttached(cpRec)], offer_signatures: [goldEur.signature] });
  const cpRec2 = await signed("x", devnet, "CardRecord", cardRecord(a1, GOLD, 400n, a3, 10n, id("challenge 10"), 2, ZERO32), k1);
  const recHash2 = TypedDataEncoder.hashStruct("CardRecord", typesOf("CardRecord"), cpRec2.message);
  await C("convert-pay/two-offers", devnet, "ConvertPay",
    convertPay(a3, recHash2, [goldEur.message, usdEur.message], [1000n, 3000n], USD, 1n, a2, 7n), k3,
    { attached: [asAttached(cpRec2)], offer_signatures: [goldEur.signature, usdEur.signature] });

  const iBase = await I("issue/EUR/nonce-0", devnet, issue(a0, "EUR", 2, 100000000000n, 978, ZERO32, 0n), k0);
  await I("issue/A/decimals-0/supply-1", devnet, issue(a1, "A", 0, 1n, 0, id("terms of A"), 1n), k1);
  await I("issue/12-char-symbol/supply-max/nonce-max", hh, issue(a2, "ABCDEFGHIJKL", 36, U256_MAX, 999, id("metadata"), U64_MAX), k2);
  await I("issue/USD.C-2/decimals-6", dom(1, CONTRACTS.hardhat), issue(a3, "USD.C-2", 6, 1n << 128n, 840, id("usdc"), 128n), k3);
  await I("issue/X9/decimals-18/chain-11155111", dom(11155111, CONTRACTS.second), issue(a0, "X9", 18, 10n ** 27n, 0, "0x" + "ab".repeat(32), 300n), k0);
  await I("issue/GOLD/chain-2^53-1", dom(Number.MAX_SAFE_INTEGER, CONTRACTS.ones), issue(a1, "GOLD", 8, 21000000n * 10n ** 8n, 959, id("gold"), 65535n), k1);

  const neg = [];
  const tWire = Array.from(getBytes(tBase.wire));
  const iWire = Array.from(getBytes(iBase.wire));
  const tBody = encodeBody("Transfer", tBase.message);
  const tSig = Array.from(getBytes(tBase.signature));
  // The transfer body up to the amount (kind, from, to, asset).
  const tHead = tBody.slice(0, 1 + 20 + 20 + 32);

  // decode_error: the bytes do not form a transaction.
  neg.push(decodeCase("decode/empty", "no kind byte", "ErrDecode", []));
  neg.push(decodeCase("decode/truncated-signature", "valid transfer minus its last byte", "ErrDecode", tWire.slice(0, -1)));
  neg.push(decodeCase("decode/truncated-in-from", "transfer cut inside the from address", "ErrDecode", tWire.slice(0, 11)));
  neg.push(decodeCase("decode/truncated-in-symbol", "issue cut inside the symbol", "ErrDecode", iWire.slice(0, 1 + 20 + 1 + 2)));
  neg.push(decodeCase("decode/trailing-byte", "valid transfer plus one 0x00 byte", "ErrDecode", [...tWire, 0]));
  neg.push(decodeCase("decode/nonce-varint-redundant-zero", "nonce 0 written as 0x80 0x00 (non-canonical uvarint)", "ErrDecode",
    [...tHead, 1, 1, 0x80, 0x00, ...tSig]));
  neg.push(decodeCase("decode/nonce-varint-1-redundant-zero", "nonce 1 written as 0x81 0x00", "ErrDecode",
    [...tHead, 1, 1, 0x81, 0x00, ...tSig]));
  neg.push(decodeCase("decode/nonce-varint-overflow", "nonce uvarint of 10 bytes exceeding 64 bits", "ErrDecode",
    [...tHead, 1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, ...tSig]));
  neg.push(decodeCase("decode/amount-leading-zero", "amount 1 written as length 2, bytes 00 01", "ErrDecode",
    [...tHead, 2, 0, 1, 0, ...tSig]));
  neg.push(decodeCase("decode/amount-zero-as-one-byte", "amount 0 written as length 1, byte 00 (zero is length 0)", "ErrDecode",
    [...tHead, 1, 0, 0, ...tSig]));
  neg.push(decodeCase("decode/amount-length-33", "amount length byte 33", "ErrDecode",
    [...tHead, 33, ...new Array(33).fill(1), 0, ...tSig]));
  {
    const m = iBase.message;
    const head = [2, ...getBytes(m.issuer)];
    const rest = [m.decimals, ...amount(m.supply), m.currency >> 8, m.currency & 0xff, ...getBytes(m.metadata),
      ...uvarint(m.nonce), ...getBytes(iBase.signature)];
    // Sanity: with the canonical length byte this is iBase's wire.
    if (hexlify(Uint8Array.from([...head, 3, ...new TextEncoder().encode("EUR"), ...rest])) !== iBase.wire) {
      throw new Error("issue wire reconstruction differs");
    }
    neg.push(decodeCase("decode/symbol-length-redundant-zero", "symbol length 3 written as 0x83 0x00", "ErrDecode",
      [...head, 0x83, 0x00, ...new TextEncoder().encode("EUR"), ...rest]));
    neg.push(decodeCase("decode/symbol-too-long", "symbol of 13 bytes (at most 12)", "ErrDecode",
      [...head, 13, ...new TextEncoder().encode("ABCDEFGHIJKLM"), ...rest]));
  }
  neg.push(decodeCase("decode/kind-0", "kind byte 0", "ErrUnknownKind", [0, ...tWire.slice(1)]));
  neg.push(decodeCase("decode/kind-127", "kind byte 127 (not registered)", "ErrUnknownKind", [127, ...tWire.slice(1)]));
  neg.push(decodeCase("decode/kind-129", "kind byte 0x81 (kinds are 1..127)", "ErrUnknownKind", [0x81, ...tWire.slice(1)]));
  neg.push(decodeCase("decode/oversize", "4097 bytes (MaxTxSize is 4096)", "ErrDecode", [...tWire, ...new Array(4097 - tWire.length).fill(0)]));

  // bad_signature: the signature is malformed or recovers no key.
  {
    const { r, s, v } = sigParts(tBase.signature);
    neg.push(withSig(tBase, "sig/high-s", "bad_signature", "ErrBadSignature",
      "the high-s twin (n-s, v flipped) of a valid signature: valid ECDSA, refused by the low-s rule", sigHex(r, SECP_N - s, 55 - v)));
    neg.push(withSig(tBase, "sig/v-29", "bad_signature", "ErrBadSignature", "v is 29", sigHex(r, s, 29)));
    neg.push(withSig(tBase, "sig/v-1", "bad_signature", "ErrBadSignature",
      "v is 1 on the wire (the JSON form reads v 0/1 as 27/28; the wire form does not)", sigHex(r, s, 1)));
    neg.push(withSig(tBase, "sig/r-zero", "bad_signature", "ErrBadSignature", "r is 0", sigHex(0n, s, v)));
    neg.push(withSig(tBase, "sig/r-n", "bad_signature", "ErrBadSignature", "r equals the group order n", sigHex(SECP_N, s, v)));
    neg.push(withSig(tBase, "sig/s-zero", "bad_signature", "ErrBadSignature", "s is 0", sigHex(r, 0n, v)));
    neg.push(withSig(tBase, "sig/r-not-on-curve", "bad_signature", "ErrBadSignature",
      "r is no x-coordinate of a curve point, so no key recovers", sigHex(notOnCurveX(), s, v)));
    neg.push(withSig(tBase, "sig/v-flipped", "wrong_signer", "ErrWrongSigner",
      "v flipped (27<->28) with r, s kept: recovers another key", sigHex(r, s, 55 - v)));
  }

  // wrong_signer: a well-formed signature by a key other than the payload's signer.
  neg.push(await signed("signer/transfer-signed-by-other-key", devnet, "Transfer", transfer(a0, a1, EUR, 5n, 1n), k1,
    { expect: "wrong_signer", head: { why: "from is key 0, signed by key 1 (private_key)" }, tail: { go_error: "ErrWrongSigner" } }));
  neg.push(await signed("signer/issue-signed-by-other-key", devnet, "IssueAsset", issue(a2, "EUR", 2, 1000n, 978, ZERO32, 0n), k3,
    { expect: "wrong_signer", head: { why: "issuer is key 2, signed by key 3 (private_key)" }, tail: { go_error: "ErrWrongSigner" } }));
  {
    const m = transfer(a0, a1, EUR, 5n, 2n);
    const other = await k0.signTypedData(fullDomain(dom(1, CONTRACTS.a1)), typesOf("Transfer"), m);
    const c = await signed("x", devnet, "Transfer", m, k0);
    neg.push(withSig(c, "signer/signed-for-another-chain", "wrong_signer", "ErrWrongSigner",
      "signed by the right key for chainId 1; verified in this domain (chainId 1337)", other));
  }
  {
    const m = transfer(a0, a1, EUR, 5n, 3n);
    const other = await k0.signTypedData(fullDomain(dom(1337, CONTRACTS.hardhat)), typesOf("Transfer"), m);
    const c = await signed("x", devnet, "Transfer", m, k0);
    neg.push(withSig(c, "signer/signed-for-another-contract", "wrong_signer", "ErrWrongSigner",
      "signed by the right key for another verifyingContract; verified in this domain", other));
  }

  // Cards: a registration whose consent another key signed; a record posted
  // without (or with reordered) attachments its card committed to.
  {
    const bad = await k3.signTypedData(fullDomain(devnet), typesOf("CardConsent"), cardConsent(a1, a0, a3));
    neg.push(await signed("signer/card-register-consent-by-other-key", devnet, "CardRegister", cardRegister(a0, a1, a3, 8n), k0,
      { expect: "wrong_signer", carry: { consent_signature: bad },
        head: { why: "the consent_signature is key 3's, not the card's (key 1); the registration itself is the issuer's" },
        tail: { go_error: "ErrWrongSigner" } }));
    const strip = (name, why, attached) => {
      const c = { ...withAtt, name, why, attached };
      if (attached.length === 0) delete c.attached;
      c.wire = encodeTx(c.type, c.message, c.signature, carriedOf(c));
      c.expect = "invalid";
      c.go_error = "ErrBadField";
      return c;
    };
    neg.push(await signed("signer/card-block-signed-by-other-key", devnet, "CardBlock", cardBlock(a0, a1, 1, 9n), k3,
      { expect: "wrong_signer", head: { why: "issuer is key 0, signed by key 3 (private_key): only the issuer signs a block" },
        tail: { go_error: "ErrWrongSigner" } }));
    neg.push(strip("invalid/card-record-stripped", "the two-attachment record without its attachments (its attached field commits to them)", []));
    neg.push(strip("invalid/card-record-attachments-reordered", "the two-attachment record with its attachments swapped", [withAtt.attached[1], withAtt.attached[0]]));
  }

  // invalid: well-signed, but the payload can never be valid.
  const inv = async (name, type, m, k, goError, why) =>
    neg.push(await signed(name, devnet, type, m, k, { expect: "invalid", head: { why }, tail: { go_error: goError } }));
  await inv("invalid/transfer-zero-amount", "Transfer", transfer(a0, a1, EUR, 0n, 4n), k0, "ErrZeroAmount", "amount 0");
  await inv("invalid/transfer-to-self", "Transfer", transfer(a0, a0, EUR, 5n, 4n), k0, "ErrBadField", "to equals from");
  await inv("invalid/transfer-to-zero-address", "Transfer", transfer(a0, ZERO_ADDR, EUR, 5n, 4n), k0, "ErrBadField", "to is the zero address");
  await inv("invalid/transfer-zero-asset", "Transfer", transfer(a0, a1, ZERO32, 5n, 4n), k0, "ErrBadField", "asset id is zero");
  await inv("invalid/issue-lowercase-symbol", "IssueAsset", issue(a0, "eur", 2, 1000n, 978, ZERO32, 5n), k0, "ErrBadField", "symbol \"eur\" is not upper case");
  await inv("invalid/issue-empty-symbol", "IssueAsset", issue(a0, "", 2, 1000n, 978, ZERO32, 5n), k0, "ErrBadField", "empty symbol");
  await inv("invalid/issue-symbol-digit-first", "IssueAsset", issue(a0, "1EUR", 2, 1000n, 978, ZERO32, 5n), k0, "ErrBadField", "symbol starts with a digit");
  await inv("invalid/issue-decimals-37", "IssueAsset", issue(a0, "EUR", 37, 1000n, 978, ZERO32, 5n), k0, "ErrBadField", "37 decimals (at most 36)");
  await inv("invalid/issue-currency-1000", "IssueAsset", issue(a0, "EUR", 2, 1000n, 1000, ZERO32, 5n), k0, "ErrBadField", "currency 1000 (ISO 4217 numeric codes end at 999)");
  await inv("invalid/card-block-reason-0", "CardBlock", cardBlock(a0, a1, 0, 10n), k0, "ErrBadField", "block reason 0 (1 lost, 2 stolen)");
  await inv("invalid/card-block-issuer-as-card", "CardBlock", cardBlock(a0, a0, 1, 10n), k0, "ErrBadField", "the card is the issuer itself");
  await inv("invalid/issue-zero-supply", "IssueAsset", issue(a0, "EUR", 2, 0n, 978, ZERO32, 5n), k0, "ErrZeroAmount", "supply 0");

  // The remaining kinds: nested signatures by the wrong key, field rules,
  // and malformed bodies.
  {
    const n = (name, d, type, m, k, expect, goError, why, carry) =>
      signed(name, d, type, m, k, { expect, carry, head: { why }, tail: { go_error: goError } }).then((c) => neg.push(c));
    const badOffer = await k3.signTypedData(fullDomain(devnet), typesOf("Offer"), eurUsd.message);
    await n("signer/fill-offer-signed-by-other-key", devnet, "Fill", fill(a1, eurUsd.message, 250n, 7n), k1, "wrong_signer", "ErrWrongSigner",
      "the offer_signature is key 3's, not its maker's (key 0)", { offer_signature: badOffer });
    const badAuth = await k3.signTypedData(fullDomain(devnet), typesOf("SpendAuthorization"), auth.message);
    await n("signer/redeem-authorization-by-other-key", devnet, "Redeem", redeem(a1, auth.message, 10n, 7n), k1, "wrong_signer", "ErrWrongSigner",
      "the authorization_signature is key 3's, not its account's (key 0)", { authorization_signature: badAuth });
    const recByOther = await signed("x", devnet, "CardRecord", cardRecord(a1, GOLD, 300n, a3, 11n, id("challenge 11"), 2, ZERO32), k2);
    await n("signer/convert-pay-record-by-other-key", devnet, "ConvertPay",
      convertPay(a3, TypedDataEncoder.hashStruct("CardRecord", typesOf("CardRecord"), recByOther.message), [goldEur.message], [750n], EUR, 750n, a0, 8n),
      k3, "wrong_signer", "ErrWrongSigner", "the carried record names card key 1 but key 2 signed it",
      { attached: [asAttached(recByOther)], offer_signatures: [goldEur.signature] });
    await n("signer/withdraw-signed-by-other-key", devnet, "Withdraw", withdraw(a2, ETH, 1n, a3, 1n), k0, "wrong_signer", "ErrWrongSigner",
      "account is key 2, signed by key 0");
    await n("invalid/fill-part-of-whole-offer", hh, "Fill", fill(a1, whole.message, 1n, 1n), k1, "invalid", "ErrBadField",
      "a partial fill of an offer that allows none", { offer_signature: whole.signature });
    await n("invalid/fill-beyond-offer", devnet, "Fill", fill(a1, eurUsd.message, 1001n, 8n), k1, "invalid", "ErrBadField",
      "take 1001 of an offer giving 1000", { offer_signature: eurUsd.signature });
    await n("invalid/fill-own-offer", devnet, "Fill", fill(a0, eurUsd.message, 1n, 9n), k0, "invalid", "ErrBadField",
      "the maker takes its own offer", { offer_signature: eurUsd.signature });
    await n("invalid/fill-zero-take", devnet, "Fill", fill(a1, eurUsd.message, 0n, 9n), k1, "invalid", "ErrZeroAmount",
      "take 0", { offer_signature: eurUsd.signature });
    await n("invalid/cancel-zero-offer", devnet, "CancelOffer", cancel(a0, ZERO32, 9n), k0, "invalid", "ErrBadField", "offer id zero");
    await n("invalid/withdraw-to-zero-address", devnet, "Withdraw", withdraw(a2, ETH, 1n, ZERO_ADDR, 2n), k2, "invalid", "ErrBadField",
      "to is the zero address");
    await n("invalid/redeem-beyond-authorization", devnet, "Redeem", redeem(a1, auth.message, 1251n, 9n), k1, "invalid", "ErrBadField",
      "redeems 1251 of an authorization of 1250", { authorization_signature: auth.signature });
    await n("invalid/redeem-by-another-payee", devnet, "Redeem", redeem(a2, auth.message, 1n, 9n), k2, "invalid", "ErrBadField",
      "key 2 redeems an authorization for key 1", { authorization_signature: auth.signature });
    const offline = await signed("x", devnet, "CardRecord", cardRecord(a1, GOLD, 300n, a3, 12n, id("challenge 12"), 1, ZERO32), k1);
    await n("invalid/convert-pay-record-offline", devnet, "ConvertPay",
      convertPay(a3, TypedDataEncoder.hashStruct("CardRecord", typesOf("CardRecord"), offline.message), [goldEur.message], [750n], EUR, 750n, a0, 9n),
      k3, "invalid", "ErrBadField", "the carried record is offline (mode 1), not online",
      { attached: [asAttached(offline)], offer_signatures: [goldEur.signature] });
    await n("invalid/convert-pay-no-offers", devnet, "ConvertPay", convertPay(a3, recHash, [], [], EUR, 750n, a0, 9n), k3, "invalid", "ErrBadField",
      "a conversion payment filling no offer", { attached: [asAttached(cpRec)], offer_signatures: [] });

    // Malformed bodies of the new kinds.
    const fillCase = ok.find((c) => c.name === "fill/partial");
    const fw = Array.from(getBytes(fillCase.wire));
    const partialAt = 1 + 20 + 20 + 32 + amount(1000n).length + 32 + amount(400n).length;
    if (fw[partialAt] !== 1) throw new Error("fill wire: partial byte not where expected");
    neg.push(decodeCase("decode/offer-partial-byte-2", "a fill whose offer's partial byte is 2 (a bool is 0 or 1)", "ErrDecode",
      [...fw.slice(0, partialAt), 2, ...fw.slice(partialAt + 1)]));
    const cpCase = ok.find((c) => c.name === "convert-pay/one-offer");
    const cw = Array.from(getBytes(cpCase.wire));
    const recLen = Array.from(getBytes(cpRec.wire)).length;
    const countAt = 1 + 20 + uvarint(recLen).length + recLen;
    if (cw[countAt] !== 1) throw new Error("convert-pay wire: offer count not where expected");
    neg.push(decodeCase("decode/convert-pay-9-offers", "a conversion payment claiming 9 offers (at most 8)", "ErrDecode",
      [...cw.slice(0, countAt), 9, ...cw.slice(countAt + 1)]));
    neg.push(decodeCase("decode/convert-pay-record-truncated", "the record's length runs past the transaction", "ErrDecode",
      [...cw.slice(0, 21), ...uvarint(recLen + 200), ...cw.slice(21 + uvarint(recLen).length)]));
    const ww = Array.from(getBytes(ok.find((c) => c.name === "withdraw/eth").wire));
    neg.push(decodeCase("decode/withdraw-truncated-to", "a withdrawal cut inside its to address", "ErrDecode", ww.slice(0, 1 + 20 + 32 + 9 + 10)));
  }

  // Signed messages that are not transactions: a bad offer and a bad
  // authorization, each of its class.
  {
    const o = offerMsg(a0, EUR, 1000n, EUR, 400n, true, 1n << 40n, id("salt 5"));
    const fd = fullDomain(devnet);
    offers.push({ name: "offer/invalid/same-asset", why: "gives and wants the same asset", domain: devnet, message: o, private_key: k0.privateKey,
      digest: TypedDataEncoder.hash(fd, typesOf("Offer"), o), signature: await k0.signTypedData(fd, typesOf("Offer"), o), expect: "invalid" });
    offers.at(-1).wire = encodeOffer(o, offers.at(-1).signature);
    const other = await k1.signTypedData(fd, typesOf("Offer"), eurUsd.message);
    offers.push({ name: "offer/signer/other-key", why: "maker is key 0, signed by key 1", domain: devnet, message: eurUsd.message,
      digest: eurUsd.digest, signature: other, wire: encodeOffer(eurUsd.message, other), expect: "wrong_signer" });
    const a = spendAuth(a0, EUR, 5n, a0, 1n << 40n, id("auth 2"));
    auths.push({ name: "spend-authorization/invalid/to-itself", why: "the payee is the account itself", domain: devnet, message: a,
      private_key: k0.privateKey, digest: TypedDataEncoder.hash(fd, typesOf("SpendAuthorization"), a),
      signature: await k0.signTypedData(fd, typesOf("SpendAuthorization"), a), expect: "invalid" });
  }

  // Attestations: signed in the Vault's domain (verifyingContract = the
  // Vault), by an attester's key.
  const attestations = [];
  for (const [name, d, m, k] of [
    ["attestation/devnet", dom(1337, vault), attestation(0n, id("data 0"), id("state 0"), id("receipts 0")), k1],
    ["attestation/seq-max", dom(31337, CONTRACTS.ones), attestation(U64_MAX, "0x" + "ff".repeat(32), ZERO32, keccak256("0x")), k2],
  ]) {
    const fd = fullDomain(d);
    attestations.push({ name, domain: d, message: m, private_key: k.privateKey, signer: k.address,
      digest: TypedDataEncoder.hash(fd, typesOf("Attestation"), m), signature: await k.signTypedData(fd, typesOf("Attestation"), m) });
  }

  // Venue records (docs/protocol.md, "Venues"): a venue's map signed by
  // its operator (the map travels as "svg"; the message holds its
  // keccak256), a merchant's store listing, the operator's approval of
  // the store's place. The venue id is keccak256(operator ‖ name).
  const venueRecords = [];
  {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 600"><rect x="0" y="0" width="800" height="600" fill="#eee"/></svg>';
    const name = "Galleria Nord";
    const venueId = keccak256(concat([getAddress(a0), new TextEncoder().encode(name)]));
    const venue = { operator: getAddress(a0), name, map: keccak256(new TextEncoder().encode(svg)), seq: "1" };
    const store = { venue: venueId, merchant: getAddress(a1), name: "Café Über", x: 120, y: 340, accepts: [EUR, USD], open: true, seq: "3" };
    const closed = { venue: venueId, merchant: getAddress(a2), name: "Shop", x: 0, y: 1000000, accepts: [], open: false,
      seq: U64_MAX.toString() };
    const place = { venue: venueId, merchant: getAddress(a1), x: 120, y: 340, approved: true, seq: "1" };
    const fd = fullDomain(devnet);
    for (const [rname, type, m, k, extra] of [
      ["venue/map", "Venue", venue, k0, { svg, venue_id: venueId }],
      ["venue-store/open", "VenueStore", store, k1, {}],
      ["venue-store/closed-no-assets", "VenueStore", closed, k2, {}],
      ["venue-place/approved", "VenuePlace", place, k0, {}],
    ]) {
      venueRecords.push({ name: rname, type, domain: devnet, message: m, private_key: k.privateKey, signer: k.address,
        digest: TypedDataEncoder.hash(fd, typesOf(type), m), signature: await k.signTypedData(fd, typesOf(type), m), ...extra });
    }
  }

  const receipts = buildReceipts(ok, [a0, a1, a2, a3]);
  const state = buildState([a0, a1, a2, a3], [EUR, USD, GOLD]);
  const batches = buildBatches(ok, [a0, a1, a2, a3]);

  const typesWithDomain = { EIP712Domain: DOMAIN_FIELDS, ...TYPES };
  return {
    format: "anonex-ledger-vectors/1",
    generator: `ethers ${version} (ledger/testdata/ethers/gen.mjs)`,
    eip712: { name: DOMAIN_NAME, version: DOMAIN_VERSION, types: typesWithDomain },
    cases: ok,
    negative: neg,
    offers,
    spend_authorizations: auths,
    attestations,
    venue_records: venueRecords,
    receipts,
    state,
    batches,
  };
}

// buildReceipts makes receipts-root vectors from ok cases: receipt hashes
// (docs/protocol.md, "Receipts root"), the root, and every receipt's RFC
// 6962 audit path (what Vault.withdraw takes).
function buildReceipts(ok, [a0, a1, a2, a3]) {
  const byName = (n) => {
    const c = ok.find((c) => c.name === n);
    if (!c) throw new Error(`no case ${n}`);
    return c;
  };
  const r = (n, sender, status, reason, applied) => {
    const c = byName(n);
    const out = { id: c.digest, type: c.type, sender: getAddress(sender), status, reason };
    if (applied) out.applied = applied;
    return out;
  };
  const carrier = byName("card-record/online/two-attachments");
  const sets = [
    ["receipts/empty", []],
    ["receipts/one-withdrawal", [r("withdraw/eth", a2, 1, 0)]],
    ["receipts/seven", [
      r("issue/EUR/nonce-0", a0, 1, 0),
      r("transfer/amount-1/nonce-0", a0, 0, 1),
      r("card-record/online/two-attachments", a1, 1, 0, [carrier.attached[1].digest]),
      r("fill/partial", a1, 0, 10),
      r("withdraw/eth", a2, 1, 0),
      r("redeem/part", a1, 0, 14),
      r("card-block/lost", a0, 0, 17),
    ]],
  ];
  return sets.map(([name, receipts]) => {
    const hashes = receipts.map(receiptHash);
    return { name, receipts, hashes, root: receiptsRoot(hashes), proofs: hashes.map((_, i) => ({ index: i, path: auditPath(hashes, i) })) };
  });
}

const be8 = (n) => "0x" + BigInt(n).toString(16).padStart(16, "0");
const minimalBE = (v) => (BigInt(v) === 0n ? "0x" : "0x" + (BigInt(v).toString(16).length % 2 ? "0" : "") + BigInt(v).toString(16));

// buildState makes state-root vectors: sets of state keys and values, the
// root, and proofs of membership and absence as GET /v1/proofs serves them.
function buildState(addrs, assets) {
  const b = (addr, asset) => hexlify(concat(["0x62", addr, asset]));
  const sets = [];
  sets.push({ name: "state/empty", entries: [], prove: [[b(addrs[0], assets[0]), "0x"]] });
  const one = [{ key: b(addrs[0], assets[0]), value: minimalBE(1500n) }];
  sets.push({ name: "state/one-balance", entries: one, prove: [[one[0].key, one[0].value], [b(addrs[1], assets[0]), "0x"]] });
  // A small ledger: four accounts ('a', 'n', '#'), balances ('b') and an
  // asset record ('s': metadata ‖ issuer ‖ decimals ‖ currency ‖ supply ‖ symbol).
  const entries = [];
  addrs.forEach((a, i) => {
    entries.push({ key: hexlify(concat(["0x61", a])), value: hexlify(concat([be8(i + 3), be8(i)])) });
    entries.push({ key: hexlify(concat(["0x6e", be8(i)])), value: a.toLowerCase() });
  });
  entries.push({ key: "0x23", value: be8(addrs.length) });
  const supply = 1_000_000n;
  entries.push({ key: hexlify(concat(["0x73", assets[0]])), value: hexlify(concat([id("EUR terms"), addrs[0], "0x02", "0x03d2", Uint8Array.from(amount(supply)), Uint8Array.from([3, ...new TextEncoder().encode("EUR")])])) });
  const balances = [[0, 0, 990_000n], [1, 0, 7_000n], [2, 0, 3_000n], [1, 1, 1n], [3, 2, (1n << 255n) + 7n]];
  for (const [ai, si, v] of balances) entries.push({ key: b(addrs[ai], assets[si]), value: minimalBE(v) });
  sets.push({
    name: "state/small-ledger",
    entries,
    prove: [...balances.map(([ai, si, v]) => [b(addrs[ai], assets[si]), minimalBE(v)]), [b(addrs[3], assets[0]), "0x"], [b(addrs[0], assets[2]), "0x"], ["0x23", be8(addrs.length)]],
  });
  const many = [];
  for (let i = 0; i < 64; i++) many.push({ key: hexlify(new TextEncoder().encode(`key ${i}`)), value: hexlify(new TextEncoder().encode(`value ${i * 7}`)) });
  sets.push({
    name: "state/64-keys",
    entries: many,
    prove: [0, 1, 31, 63].map((i) => [many[i].key, many[i].value]).concat([64, 65, 1000].map((i) => [hexlify(new TextEncoder().encode(`key ${i}`)), "0x"])),
  });
  return sets.map(({ name, entries, prove }) => ({
    name,
    entries,
    root: stateRoot(entries),
    proofs: prove.map(([key, value]) => ({ key, value, proof: stateProof(entries, key) })),
  }));
}

// buildBatches makes batch vectors (format 2, docs/protocol.md "Batch
// format"): ok cases in batch form against a given account numbering, the
// body, and the batch (0x02 ‖ one zstd frame of raw blocks: the frame may
// differ between compressors, the body may not); then batches with
// unusable transactions, and junk.
function buildBatches(ok, [a0, a1, a2, a3]) {
  const byName = (n) => {
    const c = ok.find((c) => c.name === n);
    if (!c) throw new Error(`no case ${n}`);
    return c;
  };
  const out = [];
  const make = (name, accounts, parts, expect = "ok", mangle = null) => {
    const ctx = { numbers: new Map(accounts.map((a, i) => [getAddress(a), i])), assets: [] };
    const txs = [], forms = [];
    for (const p of parts) {
      if (p.raw) {
        txs.push({ raw: hexlify(Uint8Array.from(p.raw)), unusable: true });
        forms.push([...uvarint(p.raw.length), ...p.raw]);
        continue;
      }
      const c = byName(p);
      txs.push({ case: c.name, type: c.type, wire: c.wire });
      forms.push(batchTx(c.type, c.message, c.signature, carriedOf(c), ctx));
    }
    let body = batchBody(ctx.assets, forms);
    let batch = Uint8Array.from([2, ...zstdRaw(body)]);
    if (mangle) [body, batch] = mangle(body, batch);
    const v = { name, accounts: accounts.map(getAddress), assets: ctx.assets, txs, body: hexlify(body), batch: hexlify(batch), expect };
    if (expect !== "ok") {
      delete v.body;
      v.why = mangle?.why;
    }
    out.push(v);
    return v;
  };
  const every = ["transfer/amount-1/nonce-0", "issue/EUR/nonce-0", "card-register/with-consent", "card-record/online/two-attachments",
    "fill/partial", "cancel-offer", "withdraw/eth", "redeem/part", "convert-pay/two-offers", "card-block/lost"];
  make("batch/every-kind/two-accounts-known", [a0, a2], every);
  make("batch/every-kind/none-known", [], every);
  make("batch/every-kind/all-known", [a3, a2, a1, a0], every);
  const sig = Array.from(getBytes(byName("transfer/amount-1/nonce-0").signature)).slice(0, 64);
  // Kind 99 is no kind of this version: stepped over, unusable.
  make("batch/unknown-kind-stepped-over", [a0], ["transfer/amount-1/nonce-0", { raw: [99, 1, 2, 3, ...sig] }, "transfer/amount-255/nonce-1"]);
  // A transfer from account number 5 when 1 account is numbered.
  make("batch/account-number-not-given", [a0], [{ raw: [1, 6, 1, 0, 1, 9, 0, ...sig] }, "transfer/amount-255/nonce-1"]);
  const junk = (name, why, fn) => {
    fn.why = why;
    make(name, [a0], ["transfer/amount-1/nonce-0", "transfer/amount-255/nonce-1"], "junk", fn);
  };
  const rewrap = (body) => [body, Uint8Array.from([2, ...zstdRaw(body)])];
  junk("batch/junk/trailing-byte", "a byte after the last transaction", (body) => rewrap(Uint8Array.from([...body, 0])));
  junk("batch/junk/count-beyond-body", "the count says 3 transactions, the body holds 2", (body) => {
    const b = Array.from(body);
    const at = 1 + 32 * b[0];
    if (b[at] !== 2) throw new Error("count not where expected");
    b[at] = 3;
    return rewrap(Uint8Array.from(b));
  });
  junk("batch/junk/asset-index-outside-table", "the first transfer names asset 1 of a one-asset table", (body) => {
    const b = Array.from(body);
    // asset table (1 + 32) ‖ count ‖ len ‖ kind ‖ from (number 0: 0x01) ‖ to (0x00 ‖ 20) ‖ asset index
    const at = 1 + 32 + 1 + 1 + 1 + 1 + 21;
    if (b[at] !== 0) throw new Error("asset index not where expected");
    b[at] = 1;
    return rewrap(Uint8Array.from(b));
  });
  junk("batch/junk/tx-longer-than-its-body", "the first transaction's length counts one byte more than its body, which holds it", (body) => {
    const b = Array.from(body);
    const at = 1 + 32 + 1;
    const len = b[at];
    return rewrap(Uint8Array.from([...b.slice(0, at), len + 1, ...b.slice(at + 1, at + 1 + len), 0, ...b.slice(at + 1 + len)]));
  });
  junk("batch/junk/version-3", "version byte 3", (body, batch) => [body, Uint8Array.from([3, ...batch.slice(1)])]);
  junk("batch/junk/not-zstd", "the compressed part is no zstd frame", (body) => [body, Uint8Array.from([2, ...body])]);
  junk("batch/junk/zstd-trailing-garbage", "three bytes after the zstd frame", (body, batch) => [body, Uint8Array.from([...batch, 1, 2, 3])]);
  return out;
}

export const render = (v) => JSON.stringify(v, null, 2) + "\n";

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = render(await build());
  let old = "";
  try {
    old = readFileSync(OUT, "utf8");
  } catch {}
  writeFileSync(OUT, text);
  console.log(`${old === text ? "unchanged" : "wrote"} ${OUT}`);
}
