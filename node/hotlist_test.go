package node_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// TestHotListSeenByEveryNode: the issuer node blocks a card; another node,
// which runs no issuer service, serves it on its hot-list and card status,
// its terminal check refuses the card, and its pending view refuses the
// card's new online payment while a record the card signed before the
// block still settles. A stranger's block is refused everywhere.
func TestHotListSeenByEveryNode(t *testing.T) {
	c := newCluster(t, 3)
	issuer, owner, merchant, cardW, stranger := newWallet(t, 700), newWallet(t, 701), newWallet(t, 702), newWallet(t, 703), newWallet(t, 704)
	// Node 0 runs the issuer service.
	c.stop(0)
	c.cfgs[0].IssuerKey = issuer.key
	c.start(0)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dom := c.nodes[0].Domain()
	cl := make([]*client.Client, len(c.nodes))
	for i, n := range c.nodes {
		cl[i] = client.New(n.APIURL(), n.APIToken())
	}

	issueTx, eur := issuer.issue(t, dom, "EUR", 1_000_000)
	submit(t, c.nodes[0], issueTx)
	card := cardW.key.Address()
	consent := ledger.CardConsent{Card: card, Issuer: issuer.key.Address(), Owner: owner.key.Address()}
	sig, err := cardW.key.Sign(dom.Digest(consent.StructHash()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl[0].RegisterCard(ctx, card, owner.key.Address(), ledger.Sig(sig)); err != nil {
		t.Fatal(err)
	}
	issuer.nonce = 2 // the issue, then the registration the issuer node signed
	load := submit(t, c.nodes[0], issuer.transfer(t, dom, cardW, eur, 5000))
	waitStatus(t, c.nodes, load, api.TxSettled, 30*time.Second)

	record := func(counter, amount uint64, mode uint8) *ledger.Tx {
		return cardW.sign(t, dom, &ledger.CardPayment{CardRecord: ledger.CardRecord{Card: card, Asset: eur, Amount: *uint256.NewInt(amount),
			Payee: merchant.key.Address(), Counter: counter, Challenge: ledger.Hash{byte(counter)}, Mode: mode}})
	}
	// Signed offline before the block, reaching the network after it.
	offline := record(1, 300, ledger.CardModeOffline)

	// Only the issuer node blocks: another node has no issuer service.
	var apiErr *api.Error
	if _, err := cl[1].BlockCard(ctx, card, "lost"); !errors.As(err, &apiErr) || apiErr.Code != "not_an_issuer" {
		t.Fatalf("block on a node without the issuer: %v", err)
	}
	res, err := cl[0].BlockCard(ctx, card, "stolen")
	if err != nil || res.BlockTx == nil || res.Reason != "stolen" {
		t.Fatalf("block: %+v %v", res, err)
	}
	waitStatus(t, c.nodes, *res.BlockTx, api.TxSettled, 30*time.Second)
	if again, err := cl[0].BlockCard(ctx, card, "lost"); err != nil || !again.Already || again.BlockTx != nil {
		t.Fatalf("second block: %+v %v", again, err)
	}

	// Every node serves the same hot-list and card status.
	var want string
	for i := range c.nodes {
		list, err := cl[i].HotList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Card != card || list[0].Reason != "stolen" || list[0].Issuer != issuer.key.Address() || list[0].Pending {
			t.Fatalf("node %d hot-list: %+v", i, list)
		}
		b, _ := json.Marshal(list)
		if i == 0 {
			want = string(b)
		} else if string(b) != want {
			t.Fatalf("node %d hot-list %s, node 0 %s", i, b, want)
		}
		info, err := cl[i].Card(ctx, card)
		if err != nil || !info.Blocked || info.BlockReason != "stolen" || info.BlockPending || !info.HotListed {
			t.Fatalf("node %d card info: %+v %v", i, info, err)
		}
	}
	// The terminal's online check, asking node 2, refuses the card.
	cs, err := client.TerminalNet{C: cl[2]}.CardStatus(ctx, card)
	if err != nil || !cs.HotListed || cs.Reason != "stolen" {
		t.Fatalf("terminal card status on node 2: %+v %v", cs, err)
	}

	// Node 2's pending view refuses the card's new online payment …
	_, err = cl[2].Submit(ctx, record(2, 100, ledger.CardModeOnline))
	if !errors.As(err, &apiErr) || apiErr.Code != "card_blocked" {
		t.Fatalf("online record of a blocked card: %v", err)
	}
	// … and the record signed before the block settles everywhere.
	id := submit(t, c.nodes[2], offline)
	waitStatus(t, c.nodes, id, api.TxSettled, 30*time.Second)
	for i, n := range c.nodes {
		info, err := n.Account(merchant.key.Address())
		if err != nil || len(info.Balances) != 1 || info.Balances[0].Asset != eur || info.Balances[0].SettledUnits != "300" {
			b, _ := json.Marshal(info.Balances)
			t.Fatalf("node %d: the merchant holds %s (%v)", i, b, err)
		}
	}

	// A stranger's block of another card is refused by every pending view.
	other := newWallet(t, 705).key.Address()
	sb := stranger.sign(t, dom, &ledger.CardBlock{Issuer: stranger.key.Address(), Card: card, Reason: ledger.BlockLost})
	for i := range c.nodes {
		if _, err := cl[i].Submit(ctx, sb); err == nil {
			t.Fatalf("node %d accepted a stranger's block", i)
		}
	}
	if _, err := cl[0].BlockCard(ctx, other, "lost"); !errors.As(err, &apiErr) || apiErr.Code != "unknown_card" {
		t.Fatalf("block of an unregistered card: %v", err)
	}
}
