// check.mjs re-verifies ../vectors.json with ethers: for every "ok" case the
// EIP-712 digest, the signer recovered from the signature (which must be the
// payload's signer and the case's private key) and the wire encoding; for the
// "wrong_signer" cases that the signature recovers someone else. It then
// regenerates the file with gen.mjs and requires it to be identical. It exits
// non-zero on any mismatch. Run by ledger/golden_test.go.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { TypedDataEncoder, Wallet, verifyTypedData, version } from "ethers";
import { TYPES, DOMAIN_FIELDS, DOMAIN_NAME, DOMAIN_VERSION, fullDomain, typesOf, signerOf, encodeTx } from "./lib.mjs";
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
    const rec = verifyTypedData(fullDomain(c.domain), typesOf(c.type), c.message, c.signature);
    if (rec === signerOf(c.type, c.message)) fail(c.name, `wrong_signer case recovers the payload signer ${rec}`);
  } catch (e) {
    fail(c.name, `ethers: ${e.message}`);
  }
}

if (render(await build()) !== text) fail("vectors.json", "differs from what gen.mjs produces now: run `node gen.mjs` and review the diff");

for (const f of failures) console.error("FAIL " + f);
console.log(`ethers ${version}: ${checked} cases checked, ${failures.length} mismatches`);
process.exit(failures.length ? 1 : 0);
