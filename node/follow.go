package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
)

// foldEvent folds one event of the chain into the settled state, in chain
// order: an anchored batch, or a Vault event (see foldVault). The settled
// state is a pure fold of the chain: a batch that does not decode is
// recorded as junk and changes nothing; transactions in it that cannot
// apply are skipped and stay pending.
func (n *Node) foldEvent(ctx context.Context, ev chain.Event) error {
	if ev.Batch == nil {
		return n.foldVault(ev)
	}
	// By hash: the block the event came from, even if a reorg raced us.
	h, err := n.eth.Eth().HeaderByHash(ctx, ev.BlockHash)
	if err != nil {
		return fmt.Errorf("node: header of block %d (%s): %w", ev.Block, ev.BlockHash, err)
	}
	return n.FoldBatch(ev, h.Time)
}

// FoldBatch folds one anchored batch whose block has the given timestamp.
// The follower calls it in chain order; benchmarks call it directly.
func (n *Node) FoldBatch(ev chain.Event, blockTime uint64) error {
	b := ev.Batch
	start := time.Now()
	head, err := n.store.Head()
	if err != nil {
		return err
	}
	switch {
	case b.Seq < head.NextSeq:
		return nil // folded before the cursor was saved
	case b.Seq > head.NextSeq:
		return fmt.Errorf("node: batch %d arrived but %d is next: the chain skipped a batch", b.Seq, head.NextSeq)
	}
	cursor, err := json.Marshal(ev.Cursor())
	if err != nil {
		return err
	}
	step := store.Step{Block: ev.Block, LogIndex: uint32(ev.LogIndex), BlockHash: ledger.Hash(ev.BlockHash)}
	rec := store.BatchRecord{Seq: b.Seq, Block: ev.Block, BlockHash: ledger.Hash(ev.BlockHash), TxHash: ledger.Hash(ev.TxHash),
		Submitter: ledger.Address(b.Submitter), DataHash: ledger.Hash(b.DataHash), Bytes: len(b.Data), StateRoot: head.StateRoot}
	settled := n.store.State()
	btxs, err := ledger.DecodeBatch(b.Data, settled)
	if errors.Is(err, ledger.ErrState) {
		return err // our store failed, not the batch: retry, never call it junk
	}
	if err != nil {
		rec.Junk = err.Error()
		n.log.Warn("junk batch", "seq", b.Seq, "submitter", rec.Submitter, "err", err)
		// The state is unchanged: the pending view stays where it is.
		if err := n.store.Commit(store.Commit{Record: &rec, Cursor: cursor, Step: step}); err != nil {
			return err
		}
		n.folded.Store(b.Seq + 1)
		n.metrics.folded(&rec, nil, nil, time.Since(start))
		return nil
	}
	rec.Txs = len(btxs)
	vs := n.verifyBatch(btxs)
	verified := make([]*ledger.Verified, 0, len(vs))
	for _, v := range vs {
		if v != nil {
			verified = append(verified, v)
		}
	}
	rec.Invalid = len(btxs) - len(verified)
	res, err := ledger.Fold(settled, n.store.Tree(), verified, ledger.Env{Seq: b.Seq, Time: blockTime})
	if err != nil {
		return err
	}
	rec.Receipts, rec.Skipped = len(res.Receipts), len(res.Skipped)
	rec.StateRoot, rec.ReceiptsRoot = res.StateRoot, res.ReceiptsRoot
	ids := make([]ledger.Hash, len(res.Receipts))
	for i, r := range res.Receipts {
		ids[i] = r.TxID
	}
	// What the batch settled goes back to pending if a reorg undoes it.
	now := n.cfg.Clock().UnixNano()
	byID := make(map[ledger.Hash]*ledger.Verified, len(verified))
	for _, v := range verified {
		byID[v.ID] = v
	}
	settledTxs := make([]store.Pending, 0, len(res.Receipts))
	for _, r := range res.Receipts {
		if v := byID[r.TxID]; v != nil {
			settledTxs = append(settledTxs, store.Pending{ID: v.ID, Sender: v.Sender, Arrived: now, Raw: v.Tx.Encode()})
		}
	}
	// Keep each burned withdrawal's transaction: its claim needs the fields.
	var meta []ledger.KV
	if n.bridge.Enabled() {
		ok := make(map[ledger.Hash]bool)
		for _, r := range res.Receipts {
			if r.Kind == ledger.KindWithdraw && r.Status == ledger.StatusOK {
				ok[r.TxID] = true
			}
		}
		for _, v := range verified {
			if ok[v.ID] {
				meta = append(meta, ledger.KV{Key: n.store.Records(store.NSWithdrawal).Key(v.ID.Hex()), Value: v.Tx.Encode()})
			}
		}
	}
	err = n.store.Commit(store.Commit{Result: res, Record: &rec, Cursor: cursor, Drop: ids, Meta: meta,
		Step: step, Settled: settledTxs})
	if err == nil && n.afterFoldCommit != nil {
		n.afterFoldCommit()
	}
	if err == nil {
		err = n.advancePool(res)
	}
	if err != nil {
		return err
	}
	n.folded.Store(b.Seq + 1)
	n.metrics.folded(&rec, res, verified, time.Since(start))
	for i := range res.Receipts {
		r := &res.Receipts[i]
		status := api.TxSettled
		if r.Status != ledger.StatusOK {
			status = api.TxFailed
		}
		n.events.publish(api.Event{Type: "tx", ID: &r.TxID, Status: string(status), Seq: &b.Seq, Reason: r.Reason.String()})
	}
	n.events.publish(api.Event{Type: "batch", Seq: &b.Seq, Root: &res.StateRoot})
	n.log.Debug("folded batch", "seq", b.Seq, "txs", rec.Txs, "receipts", rec.Receipts, "skipped", rec.Skipped, "root", res.StateRoot)
	return nil
}

// advancePool brings the pending view onto the settled state a fold step
// just committed (res: the batch it folded; nil for a Vault event). The
// commit comes first and holds no lock of the pool's: until the view
// moves, its readers see the previous settled state under the previous
// pending writes. The pending records of transactions that no longer
// apply are deleted with their reasons.
func (n *Node) advancePool(res *ledger.FoldResult) error {
	base, err := n.store.Snapshot()
	if err != nil {
		return err
	}
	return n.dropPending(n.pool.Advance(base, res))
}

// dropPending deletes the pending records of transactions the pool let go
// without settling (superseded, unfundable after a fold, expired on a
// nonce gap) and stores why, so their status says "rejected, because …"
// after a restart too. Every place that drops pending records uses it.
func (n *Node) dropPending(ids []ledger.Hash) error {
	if len(ids) == 0 {
		return nil
	}
	drops := make([]store.Dropped, len(ids))
	for i, id := range ids {
		drops[i] = store.Dropped{ID: id, Reason: "dropped from the pending pool"}
		if st, ok := n.pool.Status(id); ok && st.Rejected != "" {
			drops[i].Reason = st.Rejected
		}
	}
	return n.store.DropPending(drops...)
}

// verifyBatch verifies a batch's transactions on every core with the
// node's one verifier: a transaction the pool holds in exactly these bytes
// is not recovered again; one that only shares a pooled id and signature
// has everything it carries verified. Entries that cannot be taken are nil.
func (n *Node) verifyBatch(btxs []ledger.BatchTx) []*ledger.Verified {
	out := make([]*ledger.Verified, len(btxs))
	vf := n.verifier()
	parallel(len(btxs), func(i int) {
		if bt := btxs[i]; bt.Err == nil {
			out[i], _, _ = vf.verifyTx(bt.Tx, nil, nil)
		}
	})
	return out
}

// foldVault folds one Vault event into the settled state, in chain order.
func (n *Node) foldVault(ev chain.Event) error {
	cursor, err := json.Marshal(ev.Cursor())
	if err != nil {
		return err
	}
	st := ledger.NewOverlay(n.store.State())
	var dep *store.DepositRecord
	switch {
	case ev.Listing != nil:
		if err := ledger.ApplyListing(st, ev.Listing); err != nil {
			if errors.Is(err, ledger.ErrState) {
				return err
			}
			n.log.Warn("vault listed an asset the ledger cannot hold; ignored", "asset", ev.Listing.Asset, "err", err)
		}
	case ev.Deposit != nil:
		d := ev.Deposit
		reason, err := ledger.ApplyDeposit(st, d)
		if errors.Is(err, ledger.ErrDepositApplied) {
			return nil // folded before the cursor was saved
		}
		if err != nil {
			return err
		}
		dep = &store.DepositRecord{Index: d.Index, Asset: d.Asset, Account: d.Account, Amount: d.Amount.Dec(),
			From: ledger.Address(ev.From), Status: string(api.TxSettled), Block: ev.Block, EthTx: ledger.Hash(ev.TxHash)}
		if reason != ledger.ReasonNone {
			dep.Status, dep.Reason = string(api.TxFailed), reason.String()
		}
	}
	writes := st.Writes()
	tree := ledger.NewTree(n.store.Tree())
	root, err := tree.Update(writes)
	if err != nil {
		return err
	}
	err = n.store.Commit(store.Commit{Result: &ledger.FoldResult{StateWrites: writes, TreeWrites: tree.Writes(), StateRoot: root},
		Cursor: cursor, Deposit: dep, Step: store.Step{Block: ev.Block, LogIndex: uint32(ev.LogIndex), BlockHash: ledger.Hash(ev.BlockHash)}})
	if err == nil && len(writes) > 0 {
		err = n.advancePool(nil) // the settled state changed under the view
	}
	if err != nil {
		return err
	}
	if dep != nil {
		idx := dep.Index
		n.events.publish(api.Event{Type: "deposit", Status: dep.Status, Reason: dep.Reason, Index: &idx, Account: &dep.Account,
			Asset: &dep.Asset, Amount: dep.Amount, EthTx: &dep.EthTx, Root: &root})
		n.log.Debug("folded deposit", "index", dep.Index, "account", dep.Account, "amount", dep.Amount, "status", dep.Status)
	}
	return nil
}
