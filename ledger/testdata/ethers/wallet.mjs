// wallet.mjs is a wallet written from docs/api.md and docs/protocol.md
// alone, run against a live node by node/ethers_test.go:
//
//   node wallet.mjs http://127.0.0.1:PORT TYPE...
//
// For every TYPE it fetches GET /v1/eip712?type=TYPE and signs a message
// of that type with ethers' signTypedData exactly as answered (no pruning,
// no EIP712Domain handling), checks the signature recovers, and that the
// rpc=eth_signTypedData_v4 answer is what ethers itself would send to a
// wallet over that RPC (TypedDataEncoder.getPayload). It then signs real
// transactions of every kind a fresh account can make, each from its
// served type, submits them to POST /v1/txs, and requires the node to take
// them. It prints one JSON document on stdout: every signed message with
// its digest and signature, for the Go side to check against the ledger;
// and exits non-zero, naming each failure, if anything went wrong.
import { isDeepStrictEqual } from "node:util";
import { TypedDataEncoder, Wallet, dataSlice, getAddress, id, verifyTypedData } from "ethers";

const [base, ...typeNames] = process.argv.slice(2);
const failures = [];
const fail = (what) => failures.push(what);

async function get(path) {
  const r = await fetch(base + path);
  const body = await r.json();
  if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

async function post(path, body) {
  const r = await fetch(base + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

// Fixed keys, so runs are repeatable.
const key = (name) => new Wallet(id("anonex wallet.mjs " + name));

// A message of `type` with every field filled from `seed`, by the JSON
// rules of docs/protocol.md: uint256 and uint64 as decimal strings (here
// beyond 2^53, as real amounts can be), uint8, uint16 and uint32 as JSON numbers,
// addresses and bytes32 as 0x hex, bool as JSON booleans, struct fields as
// objects and arrays as arrays.
function sample(types, type, seed) {
  const m = {};
  for (const f of types[type]) m[f.name] = value(types, f.type, `${seed}.${f.name}`);
  return m;
}

function value(types, t, seed) {
  if (t.endsWith("[]")) return [0, 1].map((i) => value(types, t.slice(0, -2), `${seed}[${i}]`));
  if (types[t]) return sample(types, t, seed);
  const h = id(seed);
  if (t === "address") return getAddress(dataSlice(h, 12));
  if (t === "bytes32") return h;
  if (t === "bool") return true;
  if (t === "string") return "JSW";
  const bits = /^uint(\d+)$/.exec(t);
  if (!bits) throw new Error(`no sample for type ${t}`);
  const v = BigInt(h) % (1n << BigInt(bits[1]));
  return Number(bits[1]) <= 32 ? Number(v) : v.toString();
}

const signer = key("signer");
const signed = [];

// 1. Every type, exactly as served.
for (const name of typeNames) {
  try {
    const a = await get(`/v1/eip712?type=${name}`);
    if (a.primaryType !== name) fail(`${name}: primaryType ${a.primaryType}`);
    if ("EIP712Domain" in a.types) fail(`${name}: EIP712Domain among the types (ethers refuses it)`);
    const message = sample(a.types, name, name);
    if (name === "ConvertPay") {
      // Its record travels beside the message; "record" is its struct hash.
      const rt = await get("/v1/eip712?type=CardRecord");
      const rec = sample(rt.types, "CardRecord", "ConvertPay.record");
      message.record = TypedDataEncoder.from(rt.types).hash(rec);
      signed.push({ name: "ConvertPay.record", rec, recSig: await signer.signTypedData(rt.domain, rt.types, rec) });
    }
    const signature = await signer.signTypedData(a.domain, a.types, message);
    const digest = TypedDataEncoder.hash(a.domain, a.types, message);
    if (verifyTypedData(a.domain, a.types, message, signature) !== signer.address) fail(`${name}: the signature does not recover`);
    const v4 = await get(`/v1/eip712?type=${name}&rpc=eth_signTypedData_v4`);
    // What ethers sends a wallet over eth_signTypedData_v4, but for how it
    // spells the domain's values (chainId as a hex quantity, the address in
    // lower case): the same values.
    const p = TypedDataEncoder.getPayload(a.domain, a.types, message);
    const same = (x, y) => isDeepStrictEqual(Object.keys(x).sort(), Object.keys(y).sort()) && x.name === y.name && x.version === y.version &&
      BigInt(x.chainId) === BigInt(y.chainId) && getAddress(x.verifyingContract) === getAddress(y.verifyingContract);
    if (!isDeepStrictEqual(v4.types, p.types) || v4.primaryType !== p.primaryType || !same(v4.domain, p.domain) || !same(a.domain, v4.domain))
      fail(`${name}: the eth_signTypedData_v4 answer ${JSON.stringify(v4)} is not what ethers sends: ${JSON.stringify(p)}`);
    if (Object.keys(v4).sort().join() !== "domain,primaryType,types") fail(`${name}: the eth_signTypedData_v4 answer has keys ${Object.keys(v4)}`);
    signed.push({ type: name, domain: a.domain, message, digest, signature });
  } catch (e) {
    fail(`${name}: ${e.message}`);
  }
}

// The all-types answer is not for signing: ethers refuses it.
try {
  const all = await get("/v1/eip712");
  const { EIP712Domain, ...types } = all.types;
  await signer.signTypedData(all.domain, types, sample(types, "Transfer", "x"));
  fail("GET /v1/eip712 (all types) was signable: the reason for ?type= is gone");
} catch (e) {
  if (!/ambiguous primary types/.test(e.message)) fail(`all types: ${e.message}`);
}

// 2. Real transactions, each signed from its served type, submitted.
const answers = {};
const typeOf = async (name) => (answers[name] ??= await get(`/v1/eip712?type=${name}`));
const sign = async (wallet, name, message) => {
  const a = await typeOf(name);
  return wallet.signTypedData(a.domain, a.types, message);
};
const digestOf = async (name, message) => {
  const a = await typeOf(name);
  return TypedDataEncoder.hash(a.domain, a.types, message);
};
const nonces = {};
async function nextNonce(wallet) {
  // docs/api.md: "nonce is the next nonce in the pending view".
  if (nonces[wallet.address] === undefined) nonces[wallet.address] = BigInt((await get(`/v1/accounts/${wallet.address}`)).nonce);
  return (nonces[wallet.address]++).toString();
}
const taken = [];
async function submit(what, body, accept = [200]) {
  const r = await post("/v1/txs", body);
  if (!accept.includes(r.status)) fail(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  else taken.push({ what, status: r.status, body: r.body });
  return r.body;
}
const ZERO = "0x" + "00".repeat(32);
const FAR = "18446744073709551615"; // uint64 max: never expires
const tx = async (wallet, type, message, extra = {}) => ({ type, message, signature: await sign(wallet, type, message), ...extra });

try {
  const maker = key("maker"), taker = key("taker"), cardA = key("card A"), cardB = key("card B");
  const issue = async (w, symbol) => {
    const m = { issuer: w.address, symbol, decimals: 2, supply: "100000000000000000000", currency: 978, metadata: ZERO, nonce: await nextNonce(w) };
    await submit(`IssueAsset ${symbol}`, await tx(w, "IssueAsset", m));
    return digestOf("IssueAsset", m); // an asset's id is its IssueAsset's id
  };
  const mk = await issue(maker, "JSM");
  const tk = await issue(taker, "JST");
  // A transfer above 2^53, as a decimal string.
  await submit("Transfer", await tx(maker, "Transfer", { from: maker.address, to: taker.address, asset: mk, amount: "9007199254740993", nonce: await nextNonce(maker) }));
  // An offer, filled, then cancelled.
  const offer = { maker: maker.address, give: mk, giveAmount: "5000", want: tk, wantAmount: "2500", partial: true, expiry: FAR, salt: id("salt") };
  const offerSignature = await sign(maker, "Offer", offer);
  const posted = await post("/v1/offers", { message: offer, signature: offerSignature });
  if (posted.status !== 200) fail(`POST /v1/offers: ${posted.status} ${JSON.stringify(posted.body)}`);
  await submit("Fill", await tx(taker, "Fill", { taker: taker.address, offer, take: "1000", nonce: await nextNonce(taker) }, { offer_signature: offerSignature }));
  await submit("CancelOffer", await tx(maker, "CancelOffer", { maker: maker.address, offer: await digestOf("Offer", offer), nonce: await nextNonce(maker) }));
  // A spend authorization, redeemed by its payee.
  const authorization = { account: maker.address, asset: mk, amount: "300", payee: taker.address, expiry: FAR, salt: id("auth") };
  await submit("Redeem", await tx(taker, "Redeem", { payee: taker.address, authorization, amount: "200", nonce: await nextNonce(taker) },
    { authorization_signature: await sign(maker, "SpendAuthorization", authorization) }));
  // Two cards registered with their consent; one blocked, the other loaded and paying online.
  for (const card of [cardA, cardB]) {
    const consent = { card: card.address, issuer: maker.address, owner: taker.address };
    await submit("CardRegister", await tx(maker, "CardRegister", { ...consent, nonce: await nextNonce(maker) },
      { consent_signature: await sign(card, "CardConsent", consent) }));
  }
  await submit("CardBlock", await tx(maker, "CardBlock", { issuer: maker.address, card: cardA.address, reason: 2, nonce: await nextNonce(maker) }));
  await submit("Transfer to a card", await tx(maker, "Transfer", { from: maker.address, to: cardB.address, asset: mk, amount: "700", nonce: await nextNonce(maker) }));
  await submit("CardRecord", await tx(cardB, "CardRecord", { card: cardB.address, asset: mk, amount: "70", payee: taker.address, counter: "1",
    challenge: id("challenge"), mode: 2, attached: ZERO }));
  // A withdrawal of an asset not bridged from Ethereum: its signature and
  // fields pass, the pending view refuses it (422), nothing moves.
  await submit("Withdraw", await tx(maker, "Withdraw", { account: maker.address, asset: mk, amount: "1", to: maker.address, nonce: nonces[maker.address].toString() }), [422]);
} catch (e) {
  fail(`transactions: ${e.stack}`);
}

console.log(JSON.stringify({ signer: signer.address, signed, taken }, null, 1));
for (const f of failures) console.error("FAIL " + f);
process.exit(failures.length ? 1 : 0);
