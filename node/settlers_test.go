package node_test

import (
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
)

// Two settlers post at once, each with its own key, from pools that gossip
// gives the same transactions: the Anchor numbers their batches in chain
// order, a transaction already settled by the other's batch is skipped, and
// every node folds the same state.
func TestTwoSettlersRace(t *testing.T) {
	c := newClusterSettlers(t, 3, 2)
	dom := c.nodes[0].Domain()
	issuer := newWallet(t, 0)
	holders := []*wallet{newWallet(t, 1), newWallet(t, 2), newWallet(t, 3), newWallet(t, 4)}
	eur := c.fund(t, issuer, holders)

	var ids []ledger.Hash
	for round := 0; round < 10; round++ {
		for i, h := range holders {
			ids = append(ids, submit(t, c.nodes[(round+i)%2], h.transfer(t, dom, holders[(i+1)%len(holders)], eur, uint64(10+round))))
		}
		time.Sleep(15 * time.Millisecond)
	}
	for _, id := range ids {
		waitStatus(t, c.nodes, id, api.TxSettled, 30*time.Second)
	}
	c.sameEverywhere(t, append([]*wallet{issuer}, holders...), eur)

	// Both settlers posted; duplicates were skipped, never applied twice.
	head := settledHead(t, c.nodes[2])
	posted := map[ledger.Address]int{}
	skipped, receipts := 0, 0
	for seq := uint64(0); seq < head.NextSeq; seq++ {
		rec, ok, err := c.nodes[2].Store().Batch(seq)
		if err != nil || !ok {
			t.Fatalf("batch %d: %v %v", seq, ok, err)
		}
		posted[rec.Submitter]++
		skipped += rec.Skipped
		receipts += rec.Receipts
	}
	t.Logf("%d batches: %v by submitter; %d receipts, %d duplicate txs skipped", head.NextSeq, posted, receipts, skipped)
	for i := 0; i < 2; i++ {
		st, _ := c.nodes[i].Status()
		if posted[mustAddr(t, st.Settler)] == 0 {
			t.Errorf("settler %d (%s) posted no batch", i, st.Settler)
		}
	}
	if want := 1 + len(holders) + len(ids); receipts != want {
		t.Fatalf("%d receipts, want one per distinct transaction (%d)", receipts, want)
	}
	for i, h := range holders {
		// Each holder sent 10+…+19 = 145 and received as much.
		info, err := c.nodes[2].Account(h.key.Address())
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Balances[0].SettledUnits; got != "10000" {
			t.Fatalf("holder %d has %s units, want 10000", i, got)
		}
	}
}

func mustAddr(t *testing.T, s string) ledger.Address {
	t.Helper()
	a, err := ledger.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
