package node

import (
	"time"
)

// Rebroadcast settings: how long a pending transaction waits before it is
// gossiped again, and how many go out a round.
const (
	rebroadcastAfter = 30 * time.Second
	rebroadcastMax   = 1000
)

// rebroadcastLoop gossips again what the node holds pending and nobody has
// anchored: once as soon as the transaction topic has a peer after start (a
// node killed right after acknowledging a transaction, before gossiping it,
// hands it on when it comes back), then every rebroadcastAfter for
// transactions older than that. Peers drop copies they have seen (message
// ids are payload hashes), so this costs little.
func (n *Node) rebroadcastLoop() {
	first := true
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		}
		if n.txTopic.Peers() == 0 {
			continue
		}
		now := n.cfg.Clock()
		var cutoff time.Time
		switch {
		case first:
			cutoff, first = now, false
		case time.Since(last) >= rebroadcastAfter:
			cutoff = now.Add(-rebroadcastAfter)
		default:
			continue
		}
		last = time.Now()
		raws := n.pool.Unsettled(cutoff, rebroadcastMax)
		for _, raw := range raws {
			if err := n.txTopic.Publish(n.ctx, raw); err != nil {
				n.log.Debug("rebroadcast", "err", err)
				break
			}
		}
		if len(raws) > 0 {
			n.log.Debug("gossiped pending transactions again", "txs", len(raws))
		}
	}
}
