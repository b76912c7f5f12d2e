package pool

import (
	"errors"
	"testing"
	"time"

	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// A blocked card's new online record is refused on entry to the pending
// view; its offline records are admitted, and an online record admitted
// before the block stays pending when the block settles under it.
func TestPoolRefusesBlockedCardOnline(t *testing.T) {
	issuer, owner, merchant, card := poolKey(t, 0), poolKey(t, 1), poolKey(t, 2), poolKey(t, 3)
	settled := memState{}
	settle := func(vs ...*ledger.Verified) {
		t.Helper()
		o := ledger.NewOverlay(settled)
		for _, v := range vs {
			if r, err := ledger.Apply(o, v, ledger.Env{}); err != nil || r.Status != ledger.StatusOK {
				t.Fatalf("%v %+v", err, r)
			}
		}
		for _, kv := range o.Writes() {
			settled[string(kv.Key)] = kv.Value
		}
	}
	issue := signed(t, issuer, &ledger.IssueAsset{Issuer: issuer.Address(), Symbol: "EUR", Decimals: 2, Supply: *uint256.NewInt(1e9)})
	eur := issue.ID
	reg := &ledger.CardRegister{Issuer: issuer.Address(), Card: card.Address(), Owner: owner.Address(), Nonce: 1}
	cc := reg.ConsentOf()
	consent, err := card.Sign(poolDomain.Digest(cc.StructHash()))
	if err != nil {
		t.Fatal(err)
	}
	reg.Consent = ledger.Sig(consent)
	settle(issue, signed(t, issuer, reg), xfer(t, issuer, card.Address(), eur, 1000, 2))

	record := func(counter uint64, mode uint8) *ledger.Verified {
		return signed(t, card, &ledger.CardPayment{CardRecord: ledger.CardRecord{Card: card.Address(), Asset: eur,
			Amount: *uint256.NewInt(10), Payee: merchant.Address(), Counter: counter, Challenge: ledger.Hash{byte(counter)}, Mode: mode}})
	}
	p := New(Static(settled), Config{MaxQueue: 4, MaxPool: 100})
	now := time.Now()
	before := record(1, ledger.CardModeOnline)
	if _, err := p.Add(before, nil, now); err != nil {
		t.Fatal(err)
	}
	// The block settles; the record admitted before it stays.
	settle(signed(t, issuer, &ledger.CardBlock{Issuer: issuer.Address(), Card: card.Address(), Reason: ledger.BlockLost, Nonce: 3}))
	dropped := p.Advance(Static(settled), nil)
	if len(dropped) != 0 {
		t.Fatalf("rebuild dropped %v", dropped)
	}
	if st, ok := p.Status(before.ID); !ok || !st.Pending {
		t.Fatalf("the record admitted before the block: %+v %v", st, ok)
	}
	_, err = p.Add(record(2, ledger.CardModeOnline), nil, now)
	if !errors.Is(err, ledger.ErrCardBlocked) || !errors.Is(err, ErrUnfundable) {
		t.Fatalf("new online record of a blocked card: %v", err)
	}
	if _, err := p.Add(record(3, ledger.CardModeOffline), nil, now); err != nil {
		t.Fatalf("offline record of a blocked card: %v", err)
	}
}
