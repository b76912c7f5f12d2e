package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/ethereum/go-ethereum"
)

// rollback undoes the fold steps (batches and Vault events) whose blocks
// are no longer on the canonical chain, newest first, until the newest
// remaining step's block is canonical: the fork point. The settled state,
// receipts, deposits and the chain cursor go back to what they were there;
// the transactions of undone batches are pending again (events say so) and
// settlers anchor them again. It returns how many steps it undid.
//
// Each step is undone in one synced commit, so a node killed mid-rollback
// reopens at a step boundary: its cursor still points at a block that is
// not canonical, and the follower sends it here again.
func (n *Node) rollback(ctx context.Context) (int, error) {
	steps, err := n.store.Steps()
	if err != nil {
		return 0, err
	}
	undo := 0
	for i := range steps {
		ok, err := n.canonical(ctx, steps[i].Block, steps[i].BlockHash)
		if err != nil {
			return 0, err
		}
		if ok {
			break
		}
		undo++
	}
	if len(steps) == 0 {
		// Nothing left to undo: fine only if the cursor is canonical.
		if err := n.checkCursor(ctx); err != nil {
			return 0, err
		}
	}
	// When every recorded step is gone, undoing them all may still leave
	// a cursor above the fork point (older undo data was pruned): the
	// follower then reports the reorg again and checkCursor says so.

	back, dropped, undoErr := n.undoSteps(steps[:undo])
	if len(dropped) > 0 {
		if err := n.dropPending(dropped); err != nil {
			n.log.Warn("rollback: storing superseded pending records", "err", err)
		}
	}
	head, err := n.store.Head()
	if err == nil {
		n.folded.Store(head.NextSeq) // the pool holds the undone transactions again
	}
	if err = errors.Join(undoErr, err); err == nil {
		// The reorg first: a subscriber that falls behind on the
		// transactions after it still learns the settled state moved back.
		n.events.publish(api.Event{Type: "reorg", Seq: head.SettledSeq(), Root: &head.StateRoot})
	}
	for i := range back {
		id := back[i]
		n.events.publish(api.Event{Type: "tx", ID: &id, Status: string(api.TxPending), Reason: "reorg: its batch left the chain"})
	}
	if err != nil {
		return undo, err
	}
	n.log.Warn("chain reorganized: rolled back the settled state", "steps", undo, "settled_seq", head.SettledSeq(),
		"root", head.StateRoot, "txs_pending_again", len(back))
	return undo, nil
}

// undoSteps undoes the given steps (newest first) and brings the pool over
// the state they leave, with their transactions pending again, even when
// it stops early on an error. It returns the ids pending again and those of
// pending transactions they superseded. The pool's view reads its own
// snapshot of the settled state, so the undo commits without holding it.
func (n *Node) undoSteps(steps []store.Step) (back, dropped []ledger.Hash, err error) {
	var undone [][]store.Pending // newest step first
	for _, want := range steps {
		step, rs, ok, uerr := n.store.UndoNewest()
		if uerr == nil && (!ok || step != want) {
			uerr = fmt.Errorf("node: rollback: expected to undo the step at block %d, found %+v", want.Block, step)
		}
		if uerr != nil {
			err = uerr
			break
		}
		undone = append(undone, rs)
	}
	// Back to pending in chain order: the oldest undone step first.
	var recs []store.Pending
	for i := len(undone) - 1; i >= 0; i-- {
		recs = append(recs, undone[i]...)
	}
	base, serr := n.store.Snapshot()
	if serr != nil {
		return nil, nil, errors.Join(err, serr)
	}
	back, dropped = n.pool.Restore(base, n.poolEntries(recs, "rollback: an undone transaction was lost"))
	return back, dropped, err
}

// canonical reports whether the chain's block at number has hash h.
func (n *Node) canonical(ctx context.Context, number uint64, h ledger.Hash) (bool, error) {
	hdr, err := n.eth.Eth().HeaderByNumber(ctx, new(big.Int).SetUint64(number))
	if errors.Is(err, ethereum.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("node: rollback: header %d: %w", number, err)
	}
	return hdr.Hash() == [32]byte(h), nil
}

// checkCursor fails with store.ErrUndoWindow when the stored cursor's
// block left the chain and no undo data is left to go further back.
func (n *Node) checkCursor(ctx context.Context) error {
	head, err := n.store.Head()
	if err != nil || len(head.Cursor) == 0 {
		return err
	}
	var c chain.Cursor
	if err := json.Unmarshal(head.Cursor, &c); err != nil {
		return fmt.Errorf("node: stored chain cursor: %w", err)
	}
	ok, err := n.canonical(ctx, c.Block, ledger.Hash(c.BlockHash))
	if err != nil || ok {
		return err
	}
	return fmt.Errorf("%w: the cursor's block %d left the chain and no undo data is left; "+
		"rebuild the node's settled state from the chain (remove its ledger directory)", store.ErrUndoWindow, c.Block)
}
