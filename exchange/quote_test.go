package exchange

import (
	"errors"
	"testing"

	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// richView is a ledger view where nothing filled or was cancelled and
// every maker holds plenty.
type richView struct{}

func (richView) OfferFilled(ledger.Hash) *uint256.Int             { return new(uint256.Int) }
func (richView) OfferCancelled(ledger.Hash, ledger.Address) bool  { return false }
func (richView) Balance(ledger.Address, ledger.Hash) *uint256.Int { return uint256.NewInt(1 << 40) }

// TestQuoteThinBook: a sweep the book cannot cover says how much of the
// amount the offers cover (a *ThinBookError matching ErrThinBook), so a
// caller can say it in the asset's units.
func TestQuoteThinBook(t *testing.T) {
	b := NewBook(100)
	for i := uint64(0); i < 3; i++ { // three offers giving 100 of A for 100 of B
		id, o := offerOf(byte(1+i), i, assetA, assetB)
		if _, err := b.Add(id, o); err != nil {
			t.Fatal(err)
		}
	}
	q, err := b.QuoteReceive(richView{}, assetB, assetA, uint256.NewInt(250), 1)
	if err != nil || q.PayTotal.Uint64() != 250 {
		t.Fatalf("250 of 300 on offer: %v %v", q.PayTotal.Dec(), err)
	}
	_, err = b.QuoteReceive(richView{}, assetB, assetA, uint256.NewInt(1000), 1)
	var thin *ThinBookError
	if !errors.Is(err, ErrThinBook) || !errors.As(err, &thin) || thin.Covered.Uint64() != 300 || thin.Amount.Uint64() != 1000 {
		t.Fatalf("1000 of 300 on offer: %v", err)
	}
}
