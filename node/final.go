package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/anonex/anonex/ledger"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/rpc"
)

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
