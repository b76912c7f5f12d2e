package node

import (
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Rebroadcast settings: how long a pending transaction waits before it is
// gossiped again, and how many go out a round (or to a peer that joins).
const (
	rebroadcastAfter = 10 * time.Second
	rebroadcastMax   = 1000
)

// rebroadcastLoop hands on what the node holds pending and nobody has
// anchored. To each peer that joins the transaction topic it sends the
// whole pending set directly (p2p's SendDirect): a node killed right after
// acknowledging a transaction, before gossiping it, hands it on when it
// comes back, and a node that was down (a settler among them) gets what
// was gossiped meanwhile. Gossip cannot do either: gossipsub drops a
// payload its host delivered within the last 2 minutes, on Publish too.
// Every rebroadcastAfter it also gossips again the transactions older
// than that (once gossipsub's seen period is over, peers that missed them
// get them). Peers ignore copies they hold, so this costs little.
func (n *Node) rebroadcastLoop(joined <-chan peer.ID) {
	t := time.NewTicker(rebroadcastAfter)
	defer t.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case p := <-joined:
			raws := n.pool.Unsettled(n.cfg.Clock(), rebroadcastMax)
			if len(raws) == 0 {
				continue
			}
			if err := n.txTopic.SendDirect(n.ctx, p, raws); err != nil {
				n.log.Debug("pending transactions to a peer that joined", "peer", p, "txs", len(raws), "err", err)
			} else {
				n.log.Debug("sent pending transactions to a peer that joined", "peer", p, "txs", len(raws))
			}
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
