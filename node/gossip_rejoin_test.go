package node_test

import (
	"testing"
	"time"

	"github.com/anonex/anonex/ledger"
)

// TestSettlerBackGetsTxsGossipedWhileItWasDown is the chaos checker's
// first find. The settler was down while a wallet paid at another node:
// the transfer reached every running node, and no gossip could bring it
// to the settler when it came back — gossipsub drops a payload its host
// delivered within the last 2 minutes, on Publish too, so the rebroadcast
// of pending transactions to a peer that joins sent nothing, and the
// transfer waited over 2 minutes to settle. A node now hands its pending
// transactions straight to each peer that joins its transaction topic.
func TestSettlerBackGetsTxsGossipedWhileItWasDown(t *testing.T) {
	c := newCluster(t, 3)
	dom := c.nodes[0].Domain()
	issuer := newWallet(t, 0)
	a, b := newWallet(t, 1), newWallet(t, 2)
	eur := c.fund(t, issuer, []*wallet{a, b})

	c.stop(0) // the only settler
	var ids []ledger.Hash
	for i := 0; i < 3; i++ {
		ids = append(ids, submit(t, c.nodes[1+i%2], a.transfer(t, dom, b, eur, uint64(1+i))))
	}
	// Gossip carries them to the other running node.
	for _, id := range ids {
		waitStatus(t, c.nodes[1:], id, "pending", 5*time.Second)
	}
	c.start(0)
	began := time.Now()
	for _, id := range ids {
		waitStatus(t, c.nodes, id, "settled", 20*time.Second)
	}
	t.Logf("settled %s after the settler came back", time.Since(began).Round(time.Millisecond))
}
