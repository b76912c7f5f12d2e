package devnet

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node/pool"
)

// POST /v1/allocate on the devnet: node 0 is the holders' wallet, the
// merchant sells GIFT (EUR-denominated, accepted only at the merchant).
// The allocator's choice is spent through the merchant's Redeem of the
// signed authorizations, each once.
func TestAllocateAndRedeem(t *testing.T) {
	ctx, d := startSmall(t)
	n0 := d.Nodes[0]
	dom := n0.Domain()
	merchant, _ := account.FromMnemonic(devchain.TestMnemonic, "", 104)
	holder1, holder2 := d.Info.Accounts[1].Address, d.Info.Accounts[2].Address

	// 32.30 at the merchant from holder-1 (25.00 GIFT, 1000.00 EUR) and
	// holder-2 (7.30 GIFT, 1000.00 EUR): both gift cards cover it exactly.
	res, err := n0.Allocation().Allocate(api.AllocateRequest{Amount: "32.30", Asset: "EUR", Merchant: merchant.Address().Hex(),
		Accounts: []string{holder1, holder2}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Exact || res.Residual != "0.00" || len(res.Spends) != 2 || res.Items != 4 {
		t.Fatalf("allocation: %+v", res)
	}
	// 24.99 from holder-1: its 25.00 GIFT would keep 0.01 no shop but the
	// merchant takes; the open EUR balance pays instead, and what stays
	// on it is not left behind.
	open, err := n0.Allocation().Allocate(api.AllocateRequest{Amount: "24.99", Asset: "EUR", Merchant: merchant.Address().Hex(),
		Accounts: []string{holder1}})
	if err != nil {
		t.Fatal(err)
	}
	if sp := open.Spends; len(sp) != 1 || sp[0].Symbol != "EUR" || !sp[0].Open || sp[0].Amount != "24.99" || open.Residual != "0.00" || !open.Exact {
		t.Fatalf("24.99 from holder-1: %+v", open)
	}
	if bal, _ := ledger.ParseAmount(open.Spends[0].Balance, 2); bal.Uint64()-2499 != mustUnits(t, open.Spends[0].Left) {
		t.Fatalf("left on the EUR balance: %s of %s", open.Spends[0].Left, open.Spends[0].Balance)
	}
	for _, sp := range res.Spends {
		if sp.Left != "0.00" || sp.Open {
			t.Fatalf("a gift card's spend: %+v", sp)
		}
	}
	redeem := func(sp api.AllocateSpend, nonce uint64) (api.TxInfo, error) {
		p := &ledger.Redeem{Payee: merchant.Address(), Auth: *sp.Authorization, Amount: sp.Authorization.Amount, Nonce: nonce}
		sig, err := merchant.Sign(dom.Digest(p.StructHash()))
		if err != nil {
			return api.TxInfo{}, err
		}
		sub, err := n0.Submit(ctx, &ledger.Tx{Payload: p, Sig: ledger.Sig(sig)})
		if err != nil {
			return api.TxInfo{}, err
		}
		n0.Flush()
		return api.TxInfo{ID: sub.ID}, waitSettled(ctx, n0, sub.ID, 15*time.Second)
	}
	acct, _ := n0.Account(merchant.Address())
	nonce := acct.Nonce
	for _, sp := range res.Spends {
		if sp.Symbol != "GIFT" || sp.Access != "authorization" || !sp.Signed {
			t.Fatalf("spend: %+v", sp)
		}
		if _, err := redeem(sp, nonce); err != nil {
			t.Fatal(err)
		}
		nonce++
	}
	for _, h := range []string{holder1, holder2} {
		a, _ := ledger.ParseAddress(h)
		info, err := n0.Account(a)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range info.Balances {
			if b.Symbol == "GIFT" && b.Settled != "0.00" {
				t.Fatalf("%s still holds %s GIFT", h, b.Settled)
			}
		}
	}
	// Once only.
	if _, err := redeem(res.Spends[0], nonce); !errors.Is(err, pool.ErrUnfundable) {
		t.Fatalf("second redeem: %v", err)
	}

	// Elsewhere a gift card is not accepted; an account whose key the node
	// does not hold gets the typed data to sign; more than the pool holds
	// is refused.
	res, err = n0.Allocation().Allocate(api.AllocateRequest{Amount: "12.15", Asset: "EUR", Merchant: holder1,
		Accounts: []string{d.Info.Accounts[3].Address, d.Info.Accounts[5].Address}})
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range res.Spends {
		if sp.Symbol == "GIFT" {
			t.Fatalf("a gift card spent away from its merchant: %+v", res)
		}
	}
	res, err = n0.Allocation().Allocate(api.AllocateRequest{Amount: "1.00", Asset: "EUR", Merchant: holder1, Accounts: []string{d.Info.Accounts[5].Address}})
	if err != nil || res.Spends[0].Signed || res.Spends[0].TypedData == nil {
		t.Fatalf("market maker's allocation: %v %+v", err, res)
	}
	if _, err := n0.Allocation().Allocate(api.AllocateRequest{Amount: "5000.00", Asset: "EUR", Merchant: merchant.Address().Hex(),
		Accounts: []string{holder1}}); err == nil {
		t.Fatal("an allocation beyond the pool")
	}
}

// POST /v1/conversions on the devnet: holder-2's 7.30 GIFT becomes EUR at
// the merchant's standing redemption offer (0.95 EUR a GIFT); the gift
// balance ends at zero; every step is an event and can be read back.
func TestGiftConversion(t *testing.T) {
	ctx, d := startSmall(t)
	n0 := d.Nodes[0]
	cl := client.New(n0.APIURL(), n0.APIToken())
	holder2 := d.Info.Accounts[2].Address
	events, stop, err := cl.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	var c api.Conversion
	if err := cl.Do(ctx, "POST", "/v1/conversions", api.ConversionRequest{Account: holder2, Gift: "GIFT"}, &c); err != nil {
		t.Fatal(err)
	}
	if c.Status != "requested" || c.GiftSpent != "7.30" || c.Received != "6.93" || c.ToSymbol != "EUR" {
		t.Fatalf("conversion: %+v", c)
	}
	seen := map[string]bool{}
	for !seen["settled"] {
		select {
		case e := <-events:
			if e.Type == "conversion" && e.ID != nil && *e.ID == c.ID {
				seen[e.Status] = true
				if e.Status == "failed" {
					t.Fatalf("conversion failed: %s", e.Reason)
				}
			}
		case <-ctx.Done():
			t.Fatalf("conversion events seen: %v", seen)
		}
	}
	if !seen["requested"] || !seen["filled"] {
		t.Fatalf("steps seen: %v", seen)
	}
	if err := cl.Do(ctx, "GET", "/v1/conversions/"+c.ID.Hex(), nil, &c); err != nil {
		t.Fatal(err)
	}
	if c.Status != "settled" || !c.Depleted || c.GiftLeft != "0.00" || c.FillTx == nil {
		t.Fatalf("after settlement: %+v", c)
	}
	a, _ := ledger.ParseAddress(holder2)
	info, _ := n0.Account(a)
	for _, b := range info.Balances {
		if b.Symbol == "EUR" && b.Settled != "1006.93" {
			t.Fatalf("holder-2 has %s EUR after converting 7.30 GIFT at 0.95", b.Settled)
		}
	}
	// Nothing left to convert; not this node's wallet; an unknown gift.
	for _, req := range []api.ConversionRequest{
		{Account: holder2, Gift: "GIFT"},
		{Account: d.Info.Accounts[5].Address, Gift: "GIFT"},
		{Account: holder2, Gift: "NOPE"},
	} {
		if err := cl.Do(ctx, "POST", "/v1/conversions", req, &c); err == nil {
			t.Errorf("%+v: accepted", req)
		}
	}
}

// startSmall starts a one-node devnet without a market for a test.
func startSmall(t *testing.T) (context.Context, *Devnet) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	d, err := Start(ctx, Config{Nodes: 1, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0", NoMarket: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return ctx, d
}

func mustUnits(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := ledger.ParseAmount(s, 2)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v.Uint64()
}
