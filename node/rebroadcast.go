package node

import (
	"time"
)

// Rebroadcast settings: how long a pending transaction waits before it is
// gossiped again, and how many go out a round (or to a peer that joins).
const (
	rebroadcastAfter = 10 * time.Second
	rebroadcastMax   = 1000
)

// handOver is what each peer that joins the transaction topic is handed
// directly (p2p's HandOver, which tries again when the peer refused a
// send too soon after the last): the pending set nobody has anchored. A
// node killed right after acknowledging a transaction, before gossiping
// it, or that acknowledged it before it had peers, hands it on when they
// come; a node that was down (a settler among them) gets what was
// gossiped meanwhile. Gossip cannot do either: gossipsub drops a payload
// its host delivered within the last 2 minutes, on Publish too.
func (n *Node) handOver() [][]byte { return n.pool.Unsettled(n.cfg.Clock(), rebroadcastMax) }

// rebroadcastLoop gossips again, every rebroadcastAfter, the transactions
// pending longer than that that nobody has anchored (once gossipsub's
// seen period is over, peers that missed them get them). Peers ignore
// copies they hold, so this costs little.
func (n *Node) rebroadcastLoop() {
	t := time.NewTicker(rebroadcastAfter)
	defer t.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
			if n.txTopic.Peers() == 0 {
				continue
			}
			raws := n.pool.Unsettled(n.cfg.Clock().Add(-rebroadcastAfter), rebroadcastMax)
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
}
