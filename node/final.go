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
// Config.Finalized, else head − FinalDepth (0 while the chain is shorter).
func (n *Node) finalHorizon(ctx context.Context) (uint64, error) {
	if n.cfg.Finalized {
		b, err := n.eth.Block(ctx, rpc.FinalizedBlockNumber)
		if errors.Is(err, ethereum.NotFound) {
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("node: finalized block: %w", err)
		}
		return b.Number, nil
	}
	head, err := n.eth.BlockNumber(ctx)
	if err != nil {
		return 0, fmt.Errorf("node: chain head: %w", err)
	}
	if head < n.cfg.FinalDepth {
		return 0, nil
	}
	return head - n.cfg.FinalDepth, nil
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
	final := func() (uint64, bool) {
		h, err := n.finalHorizon(n.ctx)
		return h, err == nil
	}
	n.walkBatches(head.NextSeq-min(head.NextSeq, 1024), final, func(rec store.BatchRecord) {
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
