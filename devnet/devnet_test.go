package devnet

import (
	"context"
	"testing"
	"time"

	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/node"
)

func TestDevnetStartsAndSeeds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	began := time.Now()
	d, err := Start(ctx, Config{HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	t.Logf("ready in %s", time.Since(began))
	for i, n := range d.Nodes {
		st, err := n.Status()
		if err != nil {
			t.Fatal(err)
		}
		if st.SettledSeq == nil || st.SettledRoot != settledHead(t, d.Nodes[0]).StateRoot {
			t.Fatalf("node %d: %+v", i, st)
		}
	}
	for _, a := range d.Info.Accounts[1:4] {
		if a.Balances["EUR"] != "1000.00" {
			t.Fatalf("%s has %v", a.Role, a.Balances)
		}
	}
}

// settledHead reads n's settled head from its store, failing t when the
// store cannot say.
func settledHead(t testing.TB, n *node.Node) store.Head {
	t.Helper()
	h, err := n.Store().Head()
	if err != nil {
		t.Fatalf("settled head: %v", err)
	}
	return h
}
