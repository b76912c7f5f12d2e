package exchange

import (
	"errors"
	"testing"

	"github.com/anonex/anonex/ledger"
)

func offerOf(maker byte, salt uint64, give, want ledger.Hash) (ledger.Hash, ledger.SignedOffer) {
	o := ledger.Offer{Maker: ledger.Address{maker}, Give: give, Want: want, Partial: true, Expiry: 1 << 40}
	o.GiveAmount.SetUint64(100)
	o.WantAmount.SetUint64(100)
	o.Salt[0], o.Salt[1], o.Salt[2] = byte(salt), byte(salt>>8), maker
	id := ledger.Keccak256(append(append([]byte{maker}, o.Salt[:]...), give[:]...))
	return id, ledger.SignedOffer{Offer: o}
}

var assetA, assetB, assetC = ledger.Hash{0xa}, ledger.Hash{0xb}, ledger.Hash{0xc}

// TestAttackBookSpamOneMaker: one maker cannot hold more than PerMaker
// offers, however many it signs.
func TestAttackBookSpamOneMaker(t *testing.T) {
	b := NewBookLimits(Limits{Max: 1000, PerPair: 1000, PerMaker: 5})
	for i := uint64(0); i < 5; i++ {
		id, o := offerOf(1, i, assetA, assetB)
		if _, err := b.Add(id, o); err != nil {
			t.Fatalf("offer %d: %v", i, err)
		}
	}
	id, o := offerOf(1, 99, assetA, assetC)
	if _, err := b.Add(id, o); !errors.Is(err, ErrMakerQuota) {
		t.Fatalf("sixth offer of one maker: %v, want ErrMakerQuota", err)
	}
	id, o = offerOf(2, 0, assetA, assetB)
	if _, err := b.Add(id, o); err != nil {
		t.Fatalf("another maker: %v", err)
	}
}

// TestAttackSybilsFillAPair: many spam makers fill a pair; an honest
// maker's offer still gets in, displacing the oldest offer of the maker
// holding the most. A newcomer that already holds as many as anyone is
// refused instead of displacing an equal.
func TestAttackSybilsFillAPair(t *testing.T) {
	b := NewBookLimits(Limits{Max: 1000, PerPair: 10, PerMaker: 4})
	var first ledger.Hash
	for m := byte(10); m < 13; m++ { // 3 spammers × 3 offers = 9
		for i := uint64(0); i < 3; i++ {
			id, o := offerOf(m, i, assetA, assetB)
			if m == 10 && i == 0 {
				first = id
			}
			if _, err := b.Add(id, o); err != nil {
				t.Fatal(err)
			}
		}
	}
	id, o := offerOf(13, 0, assetB, assetA) // the other direction, same pair
	if ev, err := b.Add(id, o); err != nil || len(ev) != 0 {
		t.Fatalf("tenth offer: %v %v", ev, err)
	}
	// Full. An honest maker with none gets in; the oldest offer of the
	// (first, by address) maker holding 3 gives way.
	id, o = offerOf(1, 0, assetA, assetB)
	ev, err := b.Add(id, o)
	if err != nil || len(ev) != 1 || ev[0] != first {
		t.Fatalf("honest maker on a full pair: evicted %v, err %v (want %x)", ev, err, first)
	}
	if _, ok := b.Get(first); ok {
		t.Fatal("the evicted offer is still on the book")
	}
	// Maker 13 holds 1; the most anyone holds is 3: 13 gets in too.
	id, o = offerOf(13, 1, assetA, assetB)
	if ev, err := b.Add(id, o); err != nil || len(ev) != 1 {
		t.Fatalf("second offer of a small maker: %v %v", ev, err)
	}
	// Now the counts are 2,2,3... bring everyone level and check refusal.
	for b.Len() > 0 {
		counts := map[ledger.Address]int{}
		for _, e := range b.All() {
			counts[e.Offer.Maker]++
		}
		most := 0
		for _, c := range counts {
			most = max(most, c)
		}
		if most <= 2 {
			break
		}
		id, o := offerOf(1, uint64(100+b.Len()), assetA, assetB)
		if _, err := b.Add(id, o); err != nil {
			t.Fatalf("levelling: %v", err)
		}
	}
	// Maker 1 now holds as many as the largest holder: refused.
	id, o = offerOf(1, 999, assetA, assetB)
	if _, err := b.Add(id, o); !errors.Is(err, ErrPairFull) {
		t.Fatalf("a maker as large as the largest on a full pair: %v, want ErrPairFull", err)
	}
	// Other pairs are unaffected.
	id, o = offerOf(1, 1000, assetA, assetC)
	if _, err := b.Add(id, o); err != nil {
		t.Fatalf("another pair: %v", err)
	}
	if got := len(b.pairEntries(assetB, assetA)); got != 10 {
		t.Fatalf("pair holds %d offers, want 10", got)
	}
}

// TestScanVisitsEveryOfferOnce: scanning a slice at a time visits every
// live offer exactly once a turn, across removals and compaction.
func TestScanVisitsEveryOfferOnce(t *testing.T) {
	b := NewBookLimits(Limits{Max: 1000, PerPair: 1000, PerMaker: 1000})
	var ids []ledger.Hash
	for i := uint64(0); i < 50; i++ {
		id, o := offerOf(1, i, assetA, assetB)
		if _, err := b.Add(id, o); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	for i := 0; i < 50; i += 2 { // half removed: compaction runs
		b.Remove(ids[i])
	}
	for turn := 0; turn < 2; turn++ {
		seen := map[ledger.Hash]int{}
		cursor := uint64(0)
		for {
			es, next := b.Scan(cursor, 7)
			for _, e := range es {
				seen[e.ID]++
			}
			if cursor = next; next == 0 {
				break
			}
		}
		if len(seen) != 25 {
			t.Fatalf("turn %d saw %d offers, want 25", turn, len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("offer %x seen %d times in a turn", id, n)
			}
		}
	}
}
