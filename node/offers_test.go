package node_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/exchange"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node"
	"github.com/anonex/anonex/node/offers"
	"github.com/holiman/uint256"
)

func (w *wallet) offer(t *testing.T, dom ledger.Domain, give ledger.Hash, ga uint64, want ledger.Hash, wa uint64, partial bool) *ledger.SignedOffer {
	o := ledger.Offer{Maker: w.key.Address(), Give: give, GiveAmount: *uint256.NewInt(ga), Want: want, WantAmount: *uint256.NewInt(wa),
		Partial: partial, Expiry: uint64(time.Now().Add(24 * time.Hour).Unix()), Salt: ledger.Hash{byte(ga), byte(wa)}}
	sig, err := w.key.Sign(dom.Digest(o.StructHash()))
	if err != nil {
		t.Fatal(err)
	}
	return &ledger.SignedOffer{Offer: o, Sig: ledger.Sig(sig)}
}

func (w *wallet) fill(t *testing.T, dom ledger.Domain, o *ledger.SignedOffer, take uint64) *ledger.Tx {
	p := &ledger.Fill{Taker: w.key.Address(), Offer: *o, Take: *uint256.NewInt(take), Nonce: w.nonce}
	w.nonce++
	return w.sign(t, dom, p)
}

// TestOffersAcrossNodes: an offer made at one node reaches the other's
// book by gossip; partial fills from both nodes settle with the fill count
// kept exactly; two takers racing for one all-or-nothing offer at two
// nodes with two settlers: exactly one wins, the other fails with a reason.
func TestOffersAcrossNodes(t *testing.T) {
	c := newClusterSettlers(t, 2, 2)
	ctx := context.Background()
	dom := c.nodes[0].Domain()
	maker, a, b := newWallet(t, 20), newWallet(t, 21), newWallet(t, 22)
	ig, gold := maker.issue(t, dom, "GOLD", 1000)
	submit(t, c.nodes[0], ig)
	ie, eur := a.issue(t, dom, "EUR", 1_000_000)
	submit(t, c.nodes[0], ie)
	last := submit(t, c.nodes[0], a.transfer(t, dom, b, eur, 500_000))
	waitStatus(t, c.nodes, last, api.TxSettled, 20*time.Second)

	// A partial offer, made at node 0, taken in pieces at both nodes.
	po := maker.offer(t, dom, gold, 100, eur, 1000, true)
	pid, err := c.nodes[0].Offers().AddOffer(ctx, po)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := c.nodes[1].Offers().Offer(pid); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the offer never reached node 1's book")
		}
		time.Sleep(5 * time.Millisecond)
	}
	fa := submit(t, c.nodes[0], a.fill(t, dom, po, 30))
	fb := submit(t, c.nodes[1], b.fill(t, dom, po, 20))
	waitStatus(t, c.nodes, fa, api.TxSettled, 20*time.Second)
	waitStatus(t, c.nodes, fb, api.TxSettled, 20*time.Second)
	for _, n := range c.nodes {
		info, err := n.Offers().Offer(pid)
		if err != nil || info.Filled != "50" || info.Remaining != "50" {
			t.Fatalf("offer after two fills: %+v %v", info, err)
		}
	}

	// The race.
	ro := maker.offer(t, dom, gold, 10, eur, 100, false)
	if _, err := c.nodes[0].Offers().AddOffer(ctx, ro); err != nil {
		t.Fatal(err)
	}
	txa, txb := a.fill(t, dom, ro, 10), b.fill(t, dom, ro, 10)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.nodes[0].Submit(ctx, txa) }()
	go func() { defer wg.Done(); c.nodes[1].Submit(ctx, txb) }()
	wg.Wait()
	ida, idb := txa.ID(dom), txb.ID(dom)
	final := func(n *node.Node, id ledger.Hash) api.TxInfo {
		deadline := time.Now().Add(20 * time.Second)
		for {
			info, err := n.TxStatus(id)
			if err == nil && (info.Status == api.TxSettled || info.Status == api.TxFailed || info.Status == api.TxRejected) {
				return info
			}
			if time.Now().After(deadline) {
				t.Fatalf("tx %s never final: %+v %v", id.Hex(), info, err)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	ra, rb := final(c.nodes[0], ida), final(c.nodes[1], idb)
	won, lost := ra, rb
	if rb.Status == api.TxSettled {
		won, lost = rb, ra
	}
	if won.Status != api.TxSettled || lost.Status == api.TxSettled || !strings.Contains(lost.Reason, "filled") {
		t.Fatalf("race: a %+v, b %+v: want exactly one settled and the other failing as filled", ra, rb)
	}
	c.sameEverywhere(t, []*wallet{maker, a, b}, gold)
	t.Logf("race: winner %s, loser %s (%s)", won.Status, lost.Status, lost.Reason)
}

// A quote sweeps the book cheapest first and costs what the fills will.
func TestQuoteSweepsTheBook(t *testing.T) {
	c := newCluster(t, 1)
	n := c.nodes[0]
	dom := n.Domain()
	maker := newWallet(t, 30)
	ig, gold := maker.issue(t, dom, "GOLD", 1000)
	submit(t, n, ig)
	ie, eur := maker.issue(t, dom, "EUR", 100000)
	last := submit(t, n, ie)
	waitStatus(t, c.nodes, last, api.TxSettled, 20*time.Second)
	// Asks for EUR paid in GOLD: 100 EUR for 10 GOLD, then 100 EUR for 12.
	for _, o := range []*ledger.SignedOffer{maker.offer(t, dom, eur, 100, gold, 12, true), maker.offer(t, dom, eur, 100, gold, 10, true)} {
		if _, err := n.Offers().AddOffer(context.Background(), o); err != nil {
			t.Fatal(err)
		}
	}
	ga, _ := n.ResolveAsset(gold.Hex())
	ea, _ := n.ResolveAsset(eur.Hex())
	q, err := n.Offers().Quote(ga, ea, uint256.NewInt(150))
	if err != nil {
		t.Fatal(err)
	}
	// 100 at 10/100, then 50 at 12/100 = 6: 16 GOLD.
	if q.PayUnits != "16" || len(q.Takes) != 2 {
		t.Fatalf("quote: %+v", q)
	}
	if _, err := n.Offers().Quote(ga, ea, uint256.NewInt(201)); err == nil {
		t.Fatal("quote beyond the book")
	}
}

// lockedBuffer is a log sink a node writes from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestStoredOffersComeBackAfterRestart: every offer shape the devnet makes
// (the market maker's partial asks and bids, the merchant's year-long
// redemption offer giving EUR for its gift cards) and an all-or-nothing
// offer are on the book again after a restart — including one whose maker
// spent the offered asset in the meantime (it is unfunded, not dead) —
// while an offer filled in full is dropped for good, and the restart logs
// no unreadable stored offer.
func TestStoredOffersComeBackAfterRestart(t *testing.T) {
	c := newCluster(t, 1)
	ctx := context.Background()
	dom := c.nodes[0].Domain()
	mm, merchant, taker, sink := newWallet(t, 30), newWallet(t, 31), newWallet(t, 32), newWallet(t, 33)
	ie, eur := mm.issue(t, dom, "EUR", 10_000_000_00)
	submit(t, c.nodes[0], ie)
	ib, btc := mm.issue(t, dom, "BTC", 1_000_00)
	submit(t, c.nodes[0], ib)
	ig, gift := merchant.issue(t, dom, "GIFT", 100_000_00)
	submit(t, c.nodes[0], ig)
	submit(t, c.nodes[0], mm.transfer(t, dom, merchant, eur, 50_000_00))
	last := submit(t, c.nodes[0], mm.transfer(t, dom, taker, eur, 1_000_000_00))
	waitStatus(t, c.nodes, last, api.TxSettled, 20*time.Second)

	mk := func(w *wallet, give ledger.Hash, ga uint64, want ledger.Hash, wa uint64, partial bool, life time.Duration, salt byte) *ledger.SignedOffer {
		o := ledger.Offer{Maker: w.key.Address(), Give: give, GiveAmount: *uint256.NewInt(ga), Want: want, WantAmount: *uint256.NewInt(wa),
			Partial: partial, Expiry: uint64(time.Now().Add(life).Unix()), Salt: ledger.Hash{salt, 0x5a}}
		sig, err := w.key.Sign(dom.Digest(o.StructHash()))
		if err != nil {
			t.Fatal(err)
		}
		return &ledger.SignedOffer{Offer: o, Sig: ledger.Sig(sig)}
	}
	offers := map[string]*ledger.SignedOffer{
		// devnet/market.go: asks give size base for mid×(1+(k+1)/200) quote,
		// bids give mid×(1−(k+1)/200) quote for size base; partial, a day.
		"ask":  mk(mm, btc, 10, eur, 60_000_00*201/200, true, 24*time.Hour, 1),
		"ask2": mk(mm, btc, 10, eur, 60_000_00*202/200, true, 24*time.Hour, 2),
		"bid":  mk(mm, eur, 60_000_00*199/200, btc, 10, true, 24*time.Hour, 3),
		// devnet/market.go postRedemptionOffer: 9,500.00 EUR for 10,000.00
		// GIFT, partial, a year.
		"redemption": mk(merchant, eur, 9_500_00, gift, 10_000_00, true, 365*24*time.Hour, 4),
		// All or nothing: it will be filled in full and must not come back.
		"filled": mk(mm, btc, 5, eur, 1_000_00, false, 24*time.Hour, 5),
		// The merchant spends its EUR below: unfunded, not dead.
		"unfunded": mk(merchant, eur, 40_000_00, btc, 1, false, 24*time.Hour, 6),
	}
	ids := map[string]ledger.Hash{}
	for name, so := range offers {
		id, err := c.nodes[0].Offers().AddOffer(ctx, so)
		if err != nil {
			t.Fatalf("offer %s: %v", name, err)
		}
		ids[name] = id
	}
	fill := submit(t, c.nodes[0], taker.fill(t, dom, offers["filled"], 5))
	waitStatus(t, c.nodes, fill, api.TxSettled, 20*time.Second)
	spend := submit(t, c.nodes[0], merchant.transfer(t, dom, sink, eur, 50_000_00))
	waitStatus(t, c.nodes, spend, api.TxSettled, 20*time.Second)
	// The book is pruned once a second: the filled offer leaves it.
	deadline := time.Now().Add(10 * time.Second)
	for c.nodes[0].Offers().OnBook(ids["filled"]) {
		if time.Now().After(deadline) {
			t.Fatal("the filled offer never left the book")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !c.nodes[0].Offers().OnBook(ids["unfunded"]) || !c.nodes[0].Offers().OnBook(ids["redemption"]) {
		t.Fatal("an unfunded offer was dropped from the book before the restart")
	}

	logs := &lockedBuffer{}
	c.stop(0)
	c.cfgs[0].Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c.start(0)
	for name, id := range ids {
		if got, want := c.nodes[0].Offers().OnBook(id), name != "filled"; got != want {
			t.Errorf("after restart, offer %s on the book: %v, want %v", name, got, want)
		}
	}
	if strings.Contains(logs.String(), "unreadable") {
		t.Errorf("restart logged an unreadable stored offer:\n%s", logs.String())
	}
	// The merchant funds its offers again: the redemption offer is back in
	// the GIFT book with its full size.
	refund := submit(t, c.nodes[0], sink.transfer(t, dom, merchant, eur, 50_000_00))
	waitStatus(t, c.nodes, refund, api.TxSettled, 20*time.Second)
	info, err := c.nodes[0].Offers().Offer(ids["redemption"])
	if err != nil || info.Status != "open" {
		t.Fatalf("redemption offer after restart: %+v, %v", info, err)
	}
}

// TestAttackDustOffersAndOneMakersFlood: offers of dust are refused, and
// one maker cannot fill a node's book however many offers it signs.
func TestAttackDustOffersAndOneMakersFlood(t *testing.T) {
	c := newCluster(t, 1)
	n, dom, ctx := c.nodes[0], c.nodes[0].Domain(), context.Background()
	spammer, other := newWallet(t, 30), newWallet(t, 31)
	p := &ledger.IssueAsset{Issuer: spammer.key.Address(), Symbol: "DUST", Decimals: 6, Supply: *uint256.NewInt(1_000_000_000), Nonce: spammer.nonce}
	spammer.nonce++
	submit(t, n, spammer.sign(t, dom, p))
	dust := dom.Digest(p.StructHash())
	ie, eur := other.issue(t, dom, "EUR", 1_000)
	waitStatus(t, c.nodes, submit(t, n, ie), api.TxSettled, 20*time.Second)

	// 99 base units of a 6-decimal asset: below a ten-thousandth of a unit.
	if _, err := n.Offers().AddOffer(ctx, spammer.offer(t, dom, dust, 99, eur, 1, true)); !errors.Is(err, offers.ErrOfferTooSmall) {
		t.Fatalf("a dust offer: %v, want ErrOfferTooSmall", err)
	}
	// Many offers from one maker: the first 64 are taken, the rest refused.
	taken := 0
	for i := uint64(0); i < 100; i++ {
		if _, err := n.Offers().AddOffer(ctx, spammer.offer(t, dom, dust, 100+i, eur, 1, true)); err == nil {
			taken++
		} else if !errors.Is(err, exchange.ErrMakerQuota) {
			t.Fatalf("offer %d: %v", i, err)
		}
	}
	if taken != 64 {
		t.Fatalf("one maker placed %d offers, want 64", taken)
	}
	// Another maker still can.
	if _, err := n.Offers().AddOffer(ctx, other.offer(t, dom, eur, 10, dust, 100, true)); err != nil {
		t.Fatalf("an honest maker after the flood: %v", err)
	}
}
