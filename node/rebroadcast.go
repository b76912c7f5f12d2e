package node

import (
	"time"
)

// Rebroadcast settings: how long a pending transaction waits before it is
// gossiped again, and how many go out a round.
const (
	rebroadcastAfter = 10 * time.Second
	rebroadcastMax   = 1000
)

// rebroadcastLoop gossips again what the node holds pending and nobody has
// anchored: whenever the transaction topic gains a peer (a node killed
// right after acknowledging a transaction, before gossiping it, hands it on
// when it comes back, to every peer as it joins), then every
// rebroadcastAfter for transactions older than that. Peers drop copies
// they have seen (message ids are payload hashes), so this costs little.
func (n *Node) rebroadcastLoop() {
	peers := 0
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		}
		now := n.cfg.Clock()
		var cutoff time.Time
		had := peers
		peers = n.txTopic.Peers()
		switch {
		case peers == 0:
			continue
		case peers > had:
			cutoff = now
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
