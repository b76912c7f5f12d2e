// network.js: the Network page — the node's status (peers, Ethereum
// block, settled height and root, the pending pool, the follower's error),
// the newest anchored batches with their Ethereum transactions (GET
// /v1/batches/{seq}), and what the node reports live on GET /v1/events.
import { get, on, q, recent, seen } from "./api.js";
import { h, fill, mono, throttle, when } from "./dom.js";

const SHOWN = 20; // batches listed

export function mount(root) {
  const statusEl = h("dl#status.facts");
  const countsEl = h("div#counts.counts");
  const errorEl = h("div#follower-error", { hidden: true });
  const batchesEl = h("tbody");
  const feedEl = h("ul#feed.feed");
  const note = h("p.note");
  root.append(
    h("section.card", h("h2", "Node"), errorEl, statusEl),
    h("section.card", h("h2", "Transactions"), countsEl),
    h("section.card.wide", h("h2", "Anchored batches"),
      h("p.note", "Each batch is an Anchor.submit transaction on Ethereum; every node folds them in chain order into the same settled state."),
      h("table#batches",
        h("thead", h("tr", ["seq", "block", "Ethereum transaction", "txs", "receipts", "skipped", "invalid", "bytes", "state root"].map((c) => h("th", c)))),
        batchesEl), note),
    h("section.card.wide", h("h2", "Live"), h("p.note", "Events from this node since this page opened, newest first."), feedEl));

  let status = null;
  let accounts = null;
  const batches = new Map(); // seq → batch
  let alive = true;

  function renderStatus() {
    if (!status) return;
    const s = status;
    const row = (k, v, id) => [h("dt", k), h("dd", { id }, v)];
    fill(statusEl,
      row("network", s.network),
      row("peers", String(s.peers), "peers"),
      row("peer id", mono(s.peer_id)),
      row("Ethereum block", String(s.eth_block), "eth-block"),
      row("chain id", String(s.chain_id)),
      row("Anchor", mono(s.anchor, true)),
      s.vault ? row("Vault", mono(s.vault, true)) : null,
      s.settler ? row("settles as", mono(s.settler, true)) : null,
      s.attester ? row("attests as", mono(s.attester, true)) : null,
      row("settled height", s.settled_seq == null ? "nothing settled yet" : `batch ${s.settled_seq}`, "settled-seq"),
      row("settled root", mono(s.settled_root)));
    errorEl.hidden = !s.error && !s.disagreement;
    fill(errorEl,
      s.error ? h("p.error", "The chain follower: ", s.error) : null,
      s.disagreement ? h("p.error", `Attester ${s.disagreement.attester} signed other roots for batch ${s.disagreement.seq}: this node's settled state is not the network's.`) : null);
  }

  function renderCounts() {
    let receipts = 0, txs = 0, n = 0;
    for (const b of batches.values()) {
      receipts += b.receipts;
      txs += b.txs;
      n++;
    }
    const box = (label, value, id) => h("div.count", h("div.value", { id }, value), h("div.label", label));
    fill(countsEl,
      box("pending now", status ? String(status.pending) : "…", "count-pending"),
      box(`settled in the last ${n} batches`, String(receipts), "count-settled"),
      box(`in those batches`, String(txs), "count-batched"),
      box("accounts numbered", accounts == null ? "…" : String(accounts), "count-accounts"),
      box("events since this page opened: pending / settled / failed / rejected",
        `${seen.pending} / ${seen.settled} / ${seen.failed} / ${seen.rejected}`, "count-seen"));
  }

  function renderBatches() {
    const rows = [...batches.values()].sort((a, b) => b.seq - a.seq).slice(0, SHOWN);
    for (const b of batches.keys()) if (!rows.some((r) => r.seq === b)) batches.delete(b);
    fill(batchesEl, rows.map((b) => h("tr", { "data-seq": b.seq, class: b.junk ? "junk" : null },
      h("td", String(b.seq)),
      h("td", String(b.block)),
      h("td.eth-tx", h("code.hash", { title: `block ${b.block_hash}` }, b.eth_tx)),
      h("td", String(b.txs)),
      h("td", String(b.receipts)),
      h("td", String(b.skipped)),
      h("td", String(b.invalid)),
      h("td", String(b.bytes)),
      h("td", b.junk ? h("span.error", "junk: " + b.junk) : mono(b.state_root)))));
    fill(note, status && status.settled_seq == null ? "No batch is settled yet." : "");
    renderCounts();
  }

  async function loadStatus() {
    try {
      status = await get("/v1/status");
      renderStatus();
      renderCounts();
    } catch (e) {
      fill(errorEl, h("p.error", `GET /v1/status: ${e.message}`));
      errorEl.hidden = false;
    }
  }

  async function loadBatch(seq) {
    try {
      const b = await get(`/v1/batches/${q(seq)}`);
      if (alive) batches.set(b.seq, b);
    } catch (e) {
      if (e.code !== "unknown_batch") throw e;
    }
  }

  // loadAll reads the status and the newest batches afresh.
  async function loadAll() {
    await loadStatus();
    try {
      accounts = (await get("/v1/accounts?limit=1")).count;
    } catch {
      accounts = null;
    }
    batches.clear();
    if (status && status.settled_seq != null) {
      const top = status.settled_seq;
      const seqs = [];
      for (let s = top; s >= 0 && s > top - SHOWN; s--) seqs.push(s);
      await Promise.all(seqs.map(loadBatch));
    }
    if (alive) renderBatches();
  }

  const statusSoon = throttle(loadStatus, 1000);
  const item = ({ at, ev }) => {
    const what = ev.type === "tx" ? `${ev.status}${ev.reason ? " (" + ev.reason + ")" : ""}`
      : ev.type === "batch" ? `batch ${ev.seq} folded`
      : ev.type === "reorg" ? `reorg: settled back to ${ev.seq ?? "nothing"}`
      : ev.status || "";
    return h("li", { class: `ev-${ev.type}`, "data-id": ev.id || null, "data-status": ev.status || null },
      h("span.time", when(at)), " ", h("b", ev.type), " ", ev.id ? mono(ev.id) : null, " ", what);
  };
  fill(feedEl, recent.map(item));
  // A listener runs after api.js recorded the event: recent[0] is it.
  function feed() {
    feedEl.prepend(item(recent[0]));
    while (feedEl.children.length > 50) feedEl.lastChild.remove();
  }

  const offs = [
    on("tx", (ev) => {
      feed(ev);
      statusSoon();
      renderCounts();
    }),
    on("batch", async (ev) => {
      feed(ev);
      await loadBatch(ev.seq);
      if (!alive) return;
      renderBatches();
      statusSoon();
    }),
    on("reorg", (ev) => {
      feed(ev);
      loadAll();
    }),
    on("offer", feed),
    on("deposit", feed),
    on("open", loadAll),
  ];
  // Peers and the Ethereum block change without events.
  const tick = setInterval(loadStatus, 5000);
  loadAll();
  return {
    unmount() {
      alive = false;
      clearInterval(tick);
      statusSoon.cancel();
      offs.forEach((off) => off());
    },
  };
}
