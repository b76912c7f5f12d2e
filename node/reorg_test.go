package node_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node"
)

// TestReorgRollsBackAndRefolds makes real reorgs of depth 1, 3 and 10 on
// the embedded chain (go-ethereum replaces the blocks; the Anchor
// submissions they held are mined again into new blocks). Every node rolls
// its settled state back to the fork point, folds the new blocks, and ends
// with the same root as a node that only ever saw the new chain; no
// acknowledged transfer is lost.
func TestReorgRollsBackAndRefolds(t *testing.T) {
	c := newCluster(t, 2)
	dom := c.nodes[0].Domain()
	issuer := newWallet(t, 0)
	holders := []*wallet{newWallet(t, 1), newWallet(t, 2)}
	eur := c.fund(t, issuer, holders)

	events, stop := subscribe(t, c.nodes[1])
	defer stop()
	var all []ledger.Hash
	for _, depth := range []uint64{1, 3, 10} {
		t.Run(fmt.Sprint("depth=", depth), func(t *testing.T) {
			// At least depth blocks of batches, each settled everywhere.
			var ids []ledger.Hash
			for i := 0; i < int(depth)+1; i++ {
				h := holders[i%2]
				id := submit(t, c.nodes[i%2], h.transfer(t, dom, holders[(i+1)%2], eur, uint64(1+i)))
				waitStatus(t, c.nodes, id, api.TxSettled, 20*time.Second)
				ids = append(ids, id)
			}
			all = append(all, ids...)
			head, _ := c.chain.Head()
			before := settledHead(t, c.nodes[1])
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := c.chain.Reorg(ctx, head-depth+1); err != nil {
				t.Fatal(err)
			}
			// Every node notices, rolls back (a reorg event) and folds the
			// new blocks to the same state.
			waitEvent(t, events, "reorg", 20*time.Second)
			for _, id := range all {
				waitStatus(t, c.nodes, id, api.TxSettled, 30*time.Second)
			}
			c.sameEverywhere(t, append([]*wallet{issuer}, holders...), eur)
			after := settledHead(t, c.nodes[1])
			if after.NextSeq < before.NextSeq {
				t.Fatalf("settled seq went from %d to %d", before.NextSeq, after.NextSeq)
			}
			for i, n := range c.nodes {
				st, err := n.Status()
				if err != nil || st.Error != "" {
					t.Fatalf("node %d status after the reorg: %+v %v", i, st, err)
				}
			}
		})
	}
	// A node that only ever saw the final chain folds the same root.
	c.cfgs = append(c.cfgs, node.Config{DataDir: t.TempDir(), EthRPC: c.chain.WSURL(), Anchor: c.anchor,
		PollInterval: 20 * time.Millisecond})
	c.nodes = append(c.nodes, nil)
	c.start(2)
	waitStatus(t, c.nodes[2:], all[len(all)-1], api.TxSettled, 30*time.Second)
	c.sameEverywhere(t, append([]*wallet{issuer}, holders...), eur)
}

// subscribe collects a node's events.
func subscribe(t *testing.T, n *node.Node) (<-chan api.Event, func()) {
	t.Helper()
	ch, cancel, ok := n.Subscribe()
	if !ok {
		t.Fatal("cannot subscribe to events")
	}
	return ch, cancel
}

func waitEvent(t *testing.T, ch <-chan api.Event, typ string, timeout time.Duration) api.Event {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("event stream closed before a %q event", typ)
			}
			if ev.Type == typ {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %q event within %s", typ, timeout)
		}
	}
}
