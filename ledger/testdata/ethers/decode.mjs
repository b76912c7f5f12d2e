// decode.mjs: a second implementation's reader of the anonex chain, written
// from docs/protocol.md (through protocol.mjs) with nothing but ethers and
// Node.js built-ins. Two modes:
//
//	node decode.mjs vectors
//	    decodes every vector of ../vectors.json and ../batch_vectors*.json
//	    and checks ids, signatures, account numbers and receipts roots;
//	node decode.mjs follow --api http://127.0.0.1:PORT --rpc http://127.0.0.1:PORT [--attested]
//	    reads the Anchor's and the Vault's events from the chain, decodes
//	    every batch a node folded, checks every signature, follows the
//	    account numbers, compares counts with the node's record of each
//	    batch, and verifies balance proofs against the settled root (with
//	    --attested, a root the Vault's attesters signed).
//
// It prints a JSON summary on stdout, every disagreement on stderr, and
// exits 1 if there was any. ledger/golden_test.go runs the first mode,
// devnet/interop_test.go the second.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { Contract, Interface, JsonRpcProvider, TypedDataEncoder, concat, getAddress, getBytes, id, keccak256, zeroPadValue, toBeHex } from "ethers";
import {
  AccountTable, DecodeError, InvalidError, KIND_OF, balanceKey, decodeBatch, decodeTx, digestOf, domainOf, minimalBE, numbered,
  plain, receiptHash, receiptsRoot, recoverChecked, typesOf, verifyProof, verifyTx,
} from "./protocol.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const problems = [];
const problem = (what) => problems.push(what);

// ---------------------------------------------------------------------
// vectors: the committed vector files
// ---------------------------------------------------------------------

function vectors() {
  const sum = { cases: 0, negative: 0, batches: 0, txs: 0 };
  const v = JSON.parse(readFileSync(join(here, "..", "vectors.json"), "utf8"));
  for (const c of v.cases) {
    sum.cases++;
    try {
      const tx = decodeTx(c.wire);
      if (tx.type !== c.type) problem(`${c.name}: decodes as ${tx.type}`);
      if (!isDeepStrictEqual(plain(tx.message), c.message)) problem(`${c.name}: message ${JSON.stringify(plain(tx.message))}, vector ${JSON.stringify(c.message)}`);
      const d = domainOf(c.domain.chainId, c.domain.verifyingContract);
      const ver = verifyTx(tx, d);
      if (ver.id !== c.digest) problem(`${c.name}: id ${ver.id}, vector ${c.digest}`);
    } catch (e) {
      problem(`${c.name}: ${e.message}`);
    }
  }
  for (const c of v.negative) {
    sum.negative++;
    let got = "ok";
    try {
      const tx = decodeTx(c.wire);
      verifyTx(tx, domainOf(c.domain.chainId, c.domain.verifyingContract));
    } catch (e) {
      if (e instanceof DecodeError) got = "decode_error";
      else if (e instanceof InvalidError) got = e.cls;
      else got = `error ${e.message}`;
    }
    if (got !== c.expect) problem(`${c.name}: ${got}, vector expects ${c.expect}`);
  }
  // Signed messages, receipts, state proofs and batches of vectors.json.
  for (const [list, type] of [[v.offers, "Offer"], [v.spend_authorizations, "SpendAuthorization"], [v.attestations, "Attestation"]]) {
    for (const o of list) {
      sum.signed = (sum.signed ?? 0) + 1;
      const d = domainOf(o.domain.chainId, o.domain.verifyingContract);
      const msg = type === "Attestation" ? { ...o.message, seq: BigInt(o.message.seq) } : o.message;
      if (digestOf(d, type, msg) !== o.digest) problem(`${o.name}: digest ${digestOf(d, type, msg)}, vector ${o.digest}`);
    }
  }
  for (const r of v.receipts) {
    const hashes = r.receipts.map((x) => receiptHash({ ...x, kind: KIND_OF[x.type], applied: x.applied ?? [] }));
    if (!isDeepStrictEqual(hashes, r.hashes) || receiptsRoot(hashes) !== r.root) problem(`${r.name}: receipt hashes or root differ`);
  }
  for (const st of v.state) {
    for (const p of st.proofs) if (!verifyProof(st.root, p.key, p.value, p.proof)) problem(`${st.name}: proof of ${p.key} does not verify`);
  }
  const caseByName = new Map(v.cases.map((c) => [c.name, c]));
  for (const b of v.batches) {
    sum.batches++;
    let dec;
    try {
      dec = decodeBatch(b.batch, b.accounts);
    } catch (e) {
      if (!(e instanceof DecodeError) || b.expect !== "junk") problem(`${b.name}: ${e.message}`);
      continue;
    }
    if (b.expect === "junk") {
      problem(`${b.name}: decodes, but it is junk (${b.why})`);
      continue;
    }
    if (dec.body !== b.body) problem(`${b.name}: body differs`);
    if (!isDeepStrictEqual(dec.assets, b.assets)) problem(`${b.name}: asset table differs`);
    if (dec.txs.length !== b.txs.length) problem(`${b.name}: ${dec.txs.length} transactions, vector ${b.txs.length}`);
    b.txs.forEach((w, i) => {
      const tx = dec.txs[i];
      if (!tx || Boolean(tx.unusable) !== Boolean(w.unusable)) return problem(`${b.name} tx ${i}: unusable ${tx?.unusable}, vector ${w.unusable}`);
      if (w.unusable) return;
      sum.txs++;
      const c = caseByName.get(w.case);
      if (tx.type !== c.type || !isDeepStrictEqual(plain(tx.message), c.message) || tx.signature !== c.signature) {
        problem(`${b.name} tx ${i}: decodes to ${JSON.stringify(plain(tx.message))}, case ${c.name} is ${JSON.stringify(c.message)}`);
      }
    });
  }
  for (const file of ["batch_vectors.json", "batch_vectors_v1.json"]) {
    const bv = JSON.parse(readFileSync(join(here, "..", file), "utf8"));
    const d = domainOf(bv.chain_id, bv.verifying_contract);
    const table = new AccountTable();
    bv.batches.forEach((b, i) => {
      sum.batches++;
      const name = `${file} batch ${i}`;
      let dec;
      try {
        dec = decodeBatch("0x" + b.batch, table.list);
      } catch (e) {
        problem(`${name}: ${e.message}`);
        return;
      }
      if (dec.body !== "0x" + b.body) problem(`${name}: body differs`);
      const byId = new Map();
      const ids = [];
      for (const [k, tx] of dec.txs.entries()) {
        if (tx.unusable) {
          ids.push(null);
          continue;
        }
        sum.txs++;
        try {
          const ver = verifyTx(tx, d);
          ids.push(ver.id);
          if (!byId.has(ver.id)) byId.set(ver.id, { tx, ver });
        } catch (e) {
          if (dec.version !== 1) problem(`${name} tx ${k}: ${e.message}`);
          ids.push(null);
        }
      }
      const unusable = dec.txs.flatMap((tx, k) => (tx.unusable ? [k] : []));
      const wantUnusable = (b.unusable ?? []).map((u) => u.index);
      if (!isDeepStrictEqual(unusable, wantUnusable)) problem(`${name}: unusable transactions ${unusable}, vector ${wantUnusable}`);
      const want = b.tx_ids ?? [];
      if (!isDeepStrictEqual(ids.filter(Boolean), want)) problem(`${name}: tx ids ${JSON.stringify(ids)}, vector ${JSON.stringify(want)}`);
      const hashes = [];
      for (const r of b.receipts ?? []) {
        const t = byId.get(r.id);
        if (!t) {
          problem(`${name}: receipt for ${r.id}, no such transaction`);
          continue;
        }
        for (const a of numbered(t.tx, r.status === 1)) table.give(a);
        hashes.push(receiptHash({ id: r.id, kind: KIND_OF[t.tx.type], sender: t.ver.signer, status: r.status, reason: r.reason, applied: r.applied ?? [] }));
      }
      if (b.receipts_root && receiptsRoot(hashes) !== b.receipts_root) problem(`${name}: receipts root ${receiptsRoot(hashes)}, vector ${b.receipts_root}`);
      if (b.accounts_after && !isDeepStrictEqual(table.list, b.accounts_after.map(getAddress))) {
        problem(`${name}: account table ${JSON.stringify(table.list)}, vector ${JSON.stringify(b.accounts_after)}`);
      }
    });
  }
  return sum;
}

// ---------------------------------------------------------------------
// follow: a running network
// ---------------------------------------------------------------------

// The ABI items docs/protocol.md gives, with the topics it states.
const ANCHOR_ABI = [
  "event Batch(uint64 indexed seq, bytes32 dataHash, address indexed submitter, bytes data)",
  "function submit(bytes data) returns (uint64 seq)",
  "function batchHash(uint64 seq) view returns (bytes32)",
  "function nextSeq() view returns (uint64)",
];
const VAULT_ABI = [
  "event AssetListed(bytes32 indexed asset, address indexed token, string symbol, uint8 decimals)",
  "event Deposit(uint64 indexed index, bytes32 indexed asset, address indexed account, uint256 amount, address from)",
  "function attesters() view returns (address[])",
  "function threshold() view returns (uint256)",
  "function stateRootOf(uint64 seq) view returns (bytes32)",
];
const DOC_TOPICS = {
  Batch: "0x10a0ea74b0b71d60d42dc7a06a8728a76aafbc409aa73490b50ca752a72096c1",
  AssetListed: "0xb222c786f4f4b702b262ed8552745e72525472abedcab852ad038858e42fb843",
  Deposit: "0xe91896996bfd2f7d67b2c11b30722667da7603d298c2c26e6f8ae0706065e42a",
};
const DOC_SELECTORS = { submit: "0xef7fa71b", batchHash: "0x3fdeb0b8", nextSeq: "0xfb6320d0" };

async function api(base, path) {
  const r = await fetch(base + path);
  const body = await r.json();
  if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

// inChunks runs fn over items, a few at a time.
async function inChunks(items, fn, n = 16) {
  const out = [];
  for (let i = 0; i < items.length; i += n) out.push(...(await Promise.all(items.slice(i, i + n).map(fn))));
  return out;
}

async function follow(args) {
  const base = args.api.replace(/\/$/, "");
  const status = await api(base, "/v1/status");
  const chainId = Number(status.chain_id);
  const anchorAddr = getAddress(status.anchor);
  const vaultAddr = status.vault ? getAddress(status.vault) : null;
  const domain = domainOf(chainId, anchorAddr);
  const served = (await api(base, "/v1/eip712")).domain;
  if (served.name !== "anonex" || served.version !== "1" || Number(served.chainId) !== chainId || getAddress(served.verifyingContract) !== anchorAddr) {
    problem(`GET /v1/eip712 serves domain ${JSON.stringify(served)}, the docs give ${JSON.stringify(domain)}`);
  }
  const provider = new JsonRpcProvider(args.rpc, chainId, { staticNetwork: true });
  const anchorI = new Interface(ANCHOR_ABI), vaultI = new Interface(VAULT_ABI);
  for (const [name, t] of Object.entries(DOC_TOPICS)) {
    const ev = anchorI.getEvent(name) ?? vaultI.getEvent(name);
    if (ev.topicHash !== t) problem(`topic of ${name}: ${ev.topicHash}, docs give ${t}`);
  }
  for (const [name, sel] of Object.entries(DOC_SELECTORS)) {
    if (anchorI.getFunction(name).selector !== sel) problem(`selector of ${name}: ${anchorI.getFunction(name).selector}, docs give ${sel}`);
  }
  const anchor = new Contract(anchorAddr, ANCHOR_ABI, provider);
  const vault = vaultAddr ? new Contract(vaultAddr, VAULT_ABI, provider) : null;
  const head = await provider.getBlockNumber();
  const logs = [...(await provider.getLogs({ address: anchorAddr, fromBlock: 0, toBlock: head, topics: [DOC_TOPICS.Batch] }))];
  if (vaultAddr) logs.push(...(await provider.getLogs({ address: vaultAddr, fromBlock: 0, toBlock: head, topics: [[DOC_TOPICS.AssetListed, DOC_TOPICS.Deposit]] })));
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);

  const settledSeq = status.settled_seq ?? -1;
  const table = new AccountTable();
  const listed = new Map(); // asset id → token
  const sum = { batches: [], deposits: 0, listings: 0, signatures: 0, receipts: 0, receipts_roots: 0, attestations: 0, proofs: 0, kinds: {} };
  const records = new Map();
  let nextSeq = 0, nextDeposit = 0;
  for (const log of logs) {
    if (log.address === vaultAddr) {
      const ev = vaultI.parseLog(log);
      if (ev.name === "AssetListed") {
        // docs: asset id = keccak256("anonex.bridge" ‖ chainId(32) ‖ vault(20) ‖ token(20))
        const want = keccak256(concat([new TextEncoder().encode("anonex.bridge"), zeroPadValue(toBeHex(chainId), 32), vaultAddr, ev.args.token]));
        if (want !== ev.args.asset) problem(`AssetListed ${ev.args.symbol}: asset ${ev.args.asset}, the docs' formula gives ${want}`);
        listed.set(ev.args.asset, ev.args.token);
        sum.listings++;
      } else {
        if (Number(ev.args.index) !== nextDeposit) problem(`deposit index ${ev.args.index}, expected ${nextDeposit}`);
        nextDeposit++;
        sum.deposits++;
        if (listed.has(ev.args.asset) && ev.args.amount > 0n && ev.args.account !== getAddress("0x" + "00".repeat(20))) table.give(ev.args.account);
      }
      continue;
    }
    const ev = anchorI.parseLog(log);
    const seq = Number(ev.args.seq);
    if (seq !== nextSeq) problem(`batch seq ${seq}, expected ${nextSeq}`);
    nextSeq = seq + 1;
    if (seq > settledSeq) break; // not folded by the node yet
    await followBatch({ base, seq, ev, log, anchor, anchorI, provider, domain, table, sum, records });
  }
  if (nextSeq - 1 < settledSeq) problem(`the chain holds batches up to ${nextSeq - 1}, the node folded up to ${settledSeq}`);

  // Attestations: every signature recovers to a registered attester over
  // the node's record of the batch.
  let attesters = [], threshold = 0;
  if (vault) {
    attesters = (await vault.attesters()).map(getAddress);
    threshold = Number(await vault.threshold());
  }
  const attested = new Map(); // seq → state root signed by ≥ threshold attesters
  if (vault) {
    const vdomain = { name: "anonex", version: "1", chainId, verifyingContract: vaultAddr };
    for (const [seq, rec] of records) {
      const a = await api(base, `/v1/batches/${seq}/attestations`);
      const signers = new Set();
      for (const s of a.signatures ?? []) {
        const at = a.attestation;
        const msg = { seq: BigInt(at.seq), dataHash: at.data_hash, stateRoot: at.state_root, receiptsRoot: at.receipts_root };
        if (at.data_hash !== rec.data_hash || at.state_root !== rec.state_root || at.receipts_root !== rec.receipts_root || Number(at.seq) !== seq) {
          problem(`batch ${seq}: attestation ${JSON.stringify(at)} differs from the node's record`);
        }
        let who;
        try {
          who = recoverChecked(TypedDataEncoder.hash(vdomain, typesOf("Attestation"), msg), s.signature, "attestation");
        } catch (e) {
          problem(`batch ${seq}: attestation signature: ${e.message}`);
          continue;
        }
        if (who !== getAddress(s.signer) || !attesters.includes(who)) problem(`batch ${seq}: attestation by ${who}, listed as ${s.signer}, attesters ${attesters}`);
        else signers.add(who);
        sum.attestations++;
      }
      if (threshold > 0 && signers.size >= threshold) attested.set(seq, rec.state_root);
    }
  }

  // Balance proofs against the settled root, and one absence proof.
  const assets = (await api(base, "/v1/assets")).filter((a) => !a.pending).map((a) => a.id);
  const some = table.list.slice(0, 24);
  let absence = false;
  for (const addr of some) {
    const acct = await api(base, `/v1/accounts/${addr}`);
    const num = acct.number ?? acct.account_number;
    if (num !== undefined && num !== null && Number(num) !== table.number(addr)) problem(`account ${addr}: the node numbers it ${num}, the docs' rule ${table.number(addr)}`);
    const held = new Map((acct.balances ?? []).map((b) => [b.asset, b.settled_units]));
    const check = [...held.entries()].filter(([, u]) => u && u !== "0").map(([a]) => a);
    if (!absence) {
      const none = assets.find((a) => !held.has(a) || held.get(a) === "0");
      if (none) {
        check.push(none);
        absence = true;
      }
    }
    for (const asset of check) {
      const p = await api(base, `/v1/proofs/${addr}/${asset}`);
      const key = balanceKey(addr, asset);
      if (p.key !== key) problem(`proof ${addr}/${asset}: key ${p.key}, docs give ${key}`);
      if (minimalBE(p.units) !== p.value) problem(`proof ${addr}/${asset}: value ${p.value} for units ${p.units}`);
      if (held.has(asset) && held.get(asset) !== p.units) problem(`proof ${addr}/${asset}: units ${p.units}, account says ${held.get(asset)}`);
      if (!verifyProof(p.state_root, key, p.value, p.proof)) problem(`proof ${addr}/${asset} does not verify against ${p.state_root}`);
      const rec = records.get(p.batch_seq);
      if (!rec || rec.state_root !== p.state_root) problem(`proof ${addr}/${asset}: root ${p.state_root} is not batch ${p.batch_seq}'s`);
      if (args.attested && attested.get(p.batch_seq) !== p.state_root) problem(`proof ${addr}/${asset}: root of batch ${p.batch_seq} is not attested by ${threshold} attesters`);
      sum.proofs++;
    }
  }
  if (!absence) problem("no absence proof checked");
  sum.accounts = table.list;
  return sum;
}

async function followBatch({ base, seq, ev, log, anchor, anchorI, provider, domain, table, sum, records }) {
  const data = ev.args.data;
  if (keccak256(data) !== ev.args.dataHash) problem(`batch ${seq}: dataHash ${ev.args.dataHash}, keccak256(data) ${keccak256(data)}`);
  const stored = await anchor.batchHash(seq);
  if (stored !== ev.args.dataHash) problem(`batch ${seq}: Anchor.batchHash ${stored}, event ${ev.args.dataHash}`);
  const etx = await provider.getTransaction(log.transactionHash);
  if (etx && etx.to && getAddress(etx.to) === getAddress(log.address)) {
    const call = anchorI.parseTransaction({ data: etx.data });
    if (call?.name !== "submit" || call.args.data !== data) problem(`batch ${seq}: the submit calldata differs from the event's data`);
  }
  const rec = await api(base, `/v1/batches/${seq}`);
  records.set(seq, rec);
  const out = { seq, txs: 0, receipts: 0, skipped: 0, invalid: 0, ids: [] };
  let dec;
  try {
    dec = decodeBatch(data, table.list);
  } catch (e) {
    if (!rec.junk) problem(`batch ${seq}: ${e.message}; the node folded it`);
    out.junk = e.message;
    sum.batches.push(out);
    return;
  }
  if (rec.junk) problem(`batch ${seq}: decodes here, the node found it junk (${rec.junk})`);
  out.txs = dec.txs.length;
  const usable = [];
  for (const [i, tx] of dec.txs.entries()) {
    if (tx.unusable) {
      out.invalid++;
      continue;
    }
    try {
      const ver = verifyTx(tx, domain);
      sum.signatures += ver.signatures;
      usable.push({ tx, ver });
    } catch (e) {
      problem(`batch ${seq} tx ${i} (${tx.type}): ${e.message}`);
      out.invalid++;
    }
  }
  // Which transactions have their receipt in this batch: the node's
  // status, as the docs tell a reader that does not fold.
  const seen = new Set();
  const infos = await inChunks(usable, async (u) => {
    try {
      return await api(base, `/v1/txs/${u.ver.id}`);
    } catch (e) {
      problem(`batch ${seq}: ${u.tx.type} ${u.ver.id}: ${e.message}`);
      return null;
    }
  });
  const hashes = [];
  let rootKnown = true;
  usable.forEach((u, i) => {
    const info = infos[i];
    const first = !seen.has(u.ver.id);
    seen.add(u.ver.id);
    if (!info || !first || Number(info.batch_seq) !== seq || (info.status !== "settled" && info.status !== "failed")) {
      out.skipped++;
      return;
    }
    const ok = info.status === "settled";
    out.receipts++;
    out.ids.push(u.ver.id);
    sum.kinds[u.tx.type] = (sum.kinds[u.tx.type] ?? 0) + 1;
    for (const a of numbered(u.tx, ok)) table.give(a);
    if (ok && !(u.tx.type === "CardRecord" && u.tx.attached.length > 0)) {
      hashes.push(receiptHash({ id: u.ver.id, kind: u.tx.kind, sender: u.ver.signer, status: 1, reason: 0 }));
    } else {
      rootKnown = false; // a failure's reason code or a carried record's outcome is not in the API
    }
  });
  sum.receipts += out.receipts;
  for (const k of ["txs", "receipts", "skipped", "invalid"]) {
    if (Number(rec[k]) !== out[k]) problem(`batch ${seq}: ${out[k]} ${k} decoded here, the node's record has ${rec[k]}`);
  }
  if (rootKnown) {
    sum.receipts_roots++;
    if (receiptsRoot(hashes) !== rec.receipts_root) problem(`batch ${seq}: receipts root ${receiptsRoot(hashes)}, the node's ${rec.receipts_root}`);
  }
  sum.batches.push(out);
}

// ---------------------------------------------------------------------

function parseArgs(argv) {
  const out = { mode: argv[0] };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--attested") out.attested = true;
    else if (a === "--api" || a === "--rpc") out[a.slice(2)] = argv[++i];
    else throw new Error(`unknown argument ${a}`);
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
let summary;
try {
  if (args.mode === "vectors") summary = vectors();
  else if (args.mode === "follow" && args.api && args.rpc) summary = await follow(args);
  else throw new Error("usage: node decode.mjs vectors | follow --api URL --rpc URL [--attested]");
} catch (e) {
  problem(`${e.stack ?? e}`);
}
summary = { ...summary, problems: problems.length };
console.log(JSON.stringify(summary, (k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
for (const p of problems) console.error("DISAGREE " + p);
process.exit(problems.length ? 1 : 0);
