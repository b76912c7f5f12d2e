package devnet

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/client"
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

// TestReadersServeTheDevnetCards: node 0 serves the devnet's cards to the
// web app (GET /v1/readers …) whichever way the devnet runs them —
// through pcscd, or in process from their state files when pcscd is
// missing (as in this package's tests unless another package started it) —
// and each reader's card is the card devnet.json lists there.
func TestReadersServeTheDevnetCards(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d, err := Start(ctx, Config{Nodes: 1, Cards: 2, NoMarket: true, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n := client.New(d.Info.Nodes[0].API, d.Info.Nodes[0].APIToken)
	rs, err := n.Readers(ctx)
	if err != nil {
		t.Fatalf("readers (cards through %s): %v", d.Info.Cards[0].Transport, err)
	}
	for _, c := range d.Info.Cards {
		found := false
		for _, r := range rs {
			found = found || (r.Index == c.Index && r.Card)
		}
		if !found {
			t.Errorf("card %s (%s) is in no reader listed: %+v", c.Address, c.Transport, rs)
			continue
		}
		v, err := n.ReaderCard(ctx, c.Index)
		if err != nil || !strings.EqualFold(v.Address.Hex(), c.Address) || v.Life != "active" {
			t.Errorf("reader %d (%s): %+v %v, want card %s", c.Index, c.Transport, v, err, c.Address)
		}
	}
}
