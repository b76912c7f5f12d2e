package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/rpc"
)

// ErrNotFinal: what was asked for has settled but is not final yet.
var ErrNotFinal = errors.New("node: not final yet")

// finalHorizon is the newest final block: the chain's finalized block with
// Config.Finalized, else head − FinalDepth (0 while the chain is shorter),
// asked of the chain now: what the issuer signs over.
func (n *Node) finalHorizon(ctx context.Context) (uint64, error) {
	head, err := n.eth.BlockNumber(ctx)
	if err != nil {
		return 0, fmt.Errorf("node: chain head: %w", err)
	}
	return n.refreshHorizon(ctx, head)
}

// cachedHorizon is the final horizon as the head loop last saw it (at most
// one of its rounds old, so never beyond the true one): for the background
// loops that would otherwise ask the chain on every tick.
func (n *Node) cachedHorizon() (uint64, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.horizon, n.horizonKnown
}

// refreshHorizon computes the final horizon for a chain at head and keeps
// it for finalHorizon.
func (n *Node) refreshHorizon(ctx context.Context, head uint64) (uint64, error) {
	h := head - min(head, n.cfg.FinalDepth)
	if n.cfg.Finalized {
		b, err := n.eth.Block(ctx, rpc.FinalizedBlockNumber)
		switch {
		case errors.Is(err, ethereum.NotFound):
			h = 0
		case err != nil:
			return 0, fmt.Errorf("node: finalized block: %w", err)
		default:
			h = b.Number
		}
	}
	n.mu.Lock()
	n.horizon, n.horizonKnown = h, true
	n.mu.Unlock()
	return h, nil
}

// finalState is the settled state as of the final horizon (see
// store.FinalState); done releases it.
func (n *Node) finalState(ctx context.Context) (st ledger.Reader, done func(), err error) {
	h, err := n.finalHorizon(ctx)
	if err != nil {
		return nil, nil, err
	}
	return n.store.FinalState(h)
}

// attestLoop signs, as this node's attester, the attestation of each
// folded batch once the batch's block is final, in sequence order. After a
// restart it looks back over recent batches; those already signed are
// skipped.
func (n *Node) attestLoop() {
	b := n.bridge
	head, _ := n.store.Head()
	n.walkBatches(head.NextSeq-min(head.NextSeq, 1024), n.cachedHorizon, func(rec store.BatchRecord) {
		if rec.Junk == "" && !b.signed(rec.Seq) {
			n.attestBatch(rec)
		}
	})
}

// walkBatches calls fn with each folded batch from seq next on, in
// sequence order, polling the store until the node stops. With upTo, only
// batches whose block is at most the block it returns (when ok) are
// visited yet. After a rollback the walk goes back to the new head.
func (n *Node) walkBatches(next uint64, upTo func() (uint64, bool), fn func(store.BatchRecord)) {
	t := time.NewTicker(max(n.cfg.PollInterval, 20*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		}
		limit, ok := uint64(1<<63), true
		if upTo != nil {
			limit, ok = upTo()
		}
		head, err := n.store.Head()
		if err != nil || !ok {
			continue
		}
		next = min(next, head.NextSeq) // a rollback went below it
		for ; next < head.NextSeq; next++ {
			rec, found, err := n.store.Batch(next)
			if err != nil || !found || rec.Block > limit {
				break
			}
			fn(rec)
		}
	}
}

// signed reports whether this node's attester has signed batch seq.
func (b *bridge) signed(seq uint64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.sigs[seq][b.key.Address()]
	return ok
}
