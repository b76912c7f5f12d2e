// check.mjs re-verifies ../vectors.json with ethers: for every "ok" case the
// EIP-712 digest, the signer recovered from the signature (which must be the
// payload's signer and the case's private key) and the wire encoding; for the
// "wrong_signer" cases that the signature recovers someone else. It then
// regenerates the file with gen.mjs and requires it to be identical. It exits
// non-zero on any mismatch. Run by ledger/golden_test.go.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { TypedDataEncoder, Wallet, verifyTypedData, version } from "ethers";
import { TYPES, DOMAIN_FIELDS, DOMAIN_NAME, DOMAIN_VERSION, fullDomain, typesOf, signerOf, encodeTx, encodeOffer, receiptHash, receiptsRoot, auditPath } from "./lib.mjs";
import { verifyProof } from "./protocol.mjs";
import { OUT, build, render, attachedHash, carriedOf } from "./gen.mjs";

const failures = [];
let checked = 0;
const fail = (name, what) => failures.push(`${name}: ${what}`);

const text = readFileSync(OUT, "utf8");
const v = JSON.parse(text);

if (v.eip712?.name !== DOMAIN_NAME || v.eip712?.version !== DOMAIN_VERSION) fail("eip712", "domain name/version differ");
if (!isDeepStrictEqual(v.eip712?.types, { EIP712Domain: DOMAIN_FIELDS, ...TYPES })) fail("eip712", "types differ from lib.mjs");

for (const c of v.cases) {
  checked++;
  try {
    if (c.expect !== "ok") fail(c.name, `cases holds expect ${c.expect}`);
    const d = fullDomain(c.domain);
    const digest = TypedDataEncoder.hash(d, typesOf(c.type), c.message);
    if (digest !== c.digest) fail(c.name, `digest ${digest}, file has ${c.digest}`);
    const rec = verifyTypedData(d, typesOf(c.type), c.message, c.signature);
    const want = signerOf(c.type, c.message);
    if (rec !== want) fail(c.name, `signature recovers ${rec}, payload signer is ${want}`);
    const keyAddr = new Wallet(c.private_key).address;
    if (keyAddr !== want) fail(c.name, `private_key is ${keyAddr}, payload signer is ${want}`);
    const resigned = await new Wallet(c.private_key).signTypedData(d, typesOf(c.type), c.message);
    if (resigned !== c.signature) fail(c.name, `re-signing gives ${resigned}`);
    const wire = encodeTx(c.type, c.message, c.signature, carriedOf(c));
    if (wire !== c.wire) fail(c.name, `wire ${wire}, file has ${c.wire}`);
    if (c.consent_signature) {
      const m = { card: c.message.card, issuer: c.message.issuer, owner: c.message.owner };
      const who = verifyTypedData(d, typesOf("CardConsent"), m, c.consent_signature);
      if (who !== c.message.card) fail(c.name, `consent recovers ${who}, card is ${c.message.card}`);
    }
    if (c.type === "CardRecord") {
      const att = c.attached ?? [];
      for (const a of att) {
        const ad = TypedDataEncoder.hash(d, typesOf(a.type), a.message);
        if (ad !== a.digest) fail(c.name, `attachment digest ${ad}, file has ${a.digest}`);
        if (verifyTypedData(d, typesOf(a.type), a.message, a.signature) !== a.message.card) fail(c.name, "attachment not signed by its card");
        if (encodeTx(a.type, a.message, a.signature) !== a.wire) fail(c.name, "attachment wire differs");
      }
      if (attachedHash(att.map((a) => a.digest)) !== c.message.attached) fail(c.name, "attached does not commit to the attachments");
    }
    const d2 = fullDomain(c.domain);
    if (c.type === "Fill" && verifyTypedData(d2, typesOf("Offer"), c.message.offer, c.offer_signature) !== c.message.offer.maker) {
      fail(c.name, "offer_signature is not the maker's");
    }
    if (c.type === "Redeem" && verifyTypedData(d2, typesOf("SpendAuthorization"), c.message.authorization, c.authorization_signature) !== c.message.authorization.account) {
      fail(c.name, "authorization_signature is not the account's");
    }
    if (c.type === "ConvertPay") {
      const rec = c.attached?.[0];
      if (!rec || c.attached.length !== 1) fail(c.name, "a ConvertPay attaches exactly its record");
      else {
        if (TypedDataEncoder.hashStruct("CardRecord", typesOf("CardRecord"), rec.message) !== c.message.record) fail(c.name, "record is not the attached record's hashStruct");
        if (verifyTypedData(d2, typesOf("CardRecord"), rec.message, rec.signature) !== rec.message.card) fail(c.name, "the record is not signed by its card");
        if (encodeTx(rec.type, rec.message, rec.signature) !== rec.wire) fail(c.name, "record wire differs");
      }
      c.message.offers.forEach((o, i) => {
        if (verifyTypedData(d2, typesOf("Offer"), o, c.offer_signatures[i]) !== o.maker) fail(c.name, `offer ${i} not signed by its maker`);
      });
    }
  } catch (e) {
    fail(c.name, `ethers: ${e.message}`);
  }
}

for (const c of v.negative) {
  if (c.expect === "ok") fail(c.name, "negative case expects ok");
  if (c.expect !== "wrong_signer") continue;
  checked++;
  try {
    if (c.consent_signature) {
      // The registration is the issuer's; its carried consent is someone else's.
      const m = { card: c.message.card, issuer: c.message.issuer, owner: c.message.owner };
      const who = verifyTypedData(fullDomain(c.domain), typesOf("CardConsent"), m, c.consent_signature);
      if (who === c.message.card) fail(c.name, `wrong_signer case's consent recovers the card ${who}`);
      continue;
    }
    const d2 = fullDomain(c.domain);
    const rec = verifyTypedData(d2, typesOf(c.type), c.message, c.signature);
    // The wrong signature is the transaction's own or one it carries.
    const nested = [];
    if (c.offer_signature) nested.push(verifyTypedData(d2, typesOf("Offer"), c.message.offer, c.offer_signature) !== c.message.offer.maker);
    if (c.authorization_signature) nested.push(verifyTypedData(d2, typesOf("SpendAuthorization"), c.message.authorization, c.authorization_signature) !== c.message.authorization.account);
    if (c.type === "ConvertPay") {
      const r = c.attached[0];
      nested.push(verifyTypedData(d2, typesOf("CardRecord"), r.message, r.signature) !== r.message.card);
    }
    if (rec === signerOf(c.type, c.message) && !nested.some(Boolean)) fail(c.name, `wrong_signer case recovers the payload signer ${rec} and every carried signer`);
  } catch (e) {
    fail(c.name, `ethers: ${e.message}`);
  }
}

// Signed offers, spend authorizations and attestations.
for (const o of v.offers) {
  checked++;
  const d = fullDomain(o.domain);
  if (TypedDataEncoder.hash(d, typesOf("Offer"), o.message) !== o.digest) fail(o.name, "offer digest differs");
  if (encodeOffer(o.message, o.signature) !== o.wire) fail(o.name, "offer wire differs");
  const who = verifyTypedData(d, typesOf("Offer"), o.message, o.signature);
  if ((who === o.message.maker) !== (o.expect !== "wrong_signer")) fail(o.name, `offer signed by ${who}, expect ${o.expect}`);
}
for (const a of v.spend_authorizations) {
  checked++;
  const d = fullDomain(a.domain);
  if (TypedDataEncoder.hash(d, typesOf("SpendAuthorization"), a.message) !== a.digest) fail(a.name, "authorization digest differs");
  if (verifyTypedData(d, typesOf("SpendAuthorization"), a.message, a.signature) !== a.message.account) fail(a.name, "authorization not signed by its account");
}
for (const a of v.attestations) {
  checked++;
  const d = fullDomain(a.domain);
  if (TypedDataEncoder.hash(d, typesOf("Attestation"), a.message) !== a.digest) fail(a.name, "attestation digest differs");
  if (verifyTypedData(d, typesOf("Attestation"), a.message, a.signature) !== a.signer) fail(a.name, "attestation not signed by its signer");
}
// Receipts and state: recomputed, and each state proof verified by the
// docs-only implementation (protocol.mjs).
for (const r of v.receipts) {
  checked++;
  const hashes = r.receipts.map(receiptHash);
  if (JSON.stringify(hashes) !== JSON.stringify(r.hashes) || receiptsRoot(hashes) !== r.root) fail(r.name, "receipts differ");
  r.proofs.forEach((p) => {
    if (JSON.stringify(auditPath(hashes, p.index)) !== JSON.stringify(p.path)) fail(r.name, `audit path ${p.index} differs`);
  });
}
for (const st of v.state) {
  checked++;
  for (const p of st.proofs) if (!verifyProof(st.root, p.key, p.value, p.proof)) fail(st.name, `proof of ${p.key} does not verify`);
}

if (render(await build()) !== text) fail("vectors.json", "differs from what gen.mjs produces now: run `node gen.mjs` and review the diff");

for (const f of failures) console.error("FAIL " + f);
console.log(`ethers ${version}: ${checked} cases checked, ${failures.length} mismatches`);
process.exit(failures.length ? 1 : 0);
