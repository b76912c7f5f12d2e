// Package exchange is the marketplace on top of the ledger: the book of
// open offers per pair, and (in its subpackages) the stored-value
// allocator. It keeps offers as makers signed them; what is filled or
// cancelled comes from the ledger's view, handed in by the caller.
package exchange

import (
	"sort"
	"sync"

	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// Entry is an offer on the book.
type Entry struct {
	ID    ledger.Hash
	Offer ledger.SignedOffer
}

// Book holds the open offers this node has seen. It is safe for
// concurrent use.
type Book struct {
	mu     sync.RWMutex
	offers map[ledger.Hash]*Entry
	max    int
}

// NewBook returns an empty book holding at most max offers.
func NewBook(max int) *Book {
	return &Book{offers: map[ledger.Hash]*Entry{}, max: max}
}

// Add puts a verified offer on the book; false if the book is full or the
// offer is already there.
func (b *Book) Add(id ledger.Hash, o ledger.SignedOffer) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.offers[id]; ok || len(b.offers) >= b.max {
		return false
	}
	b.offers[id] = &Entry{ID: id, Offer: o}
	return true
}

// Get returns an offer on the book.
func (b *Book) Get(id ledger.Hash) (*Entry, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	e, ok := b.offers[id]
	return e, ok
}

// Remove drops an offer (filled, cancelled or expired).
func (b *Book) Remove(id ledger.Hash) {
	b.mu.Lock()
	delete(b.offers, id)
	b.mu.Unlock()
}

// Len is the number of offers held.
func (b *Book) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.offers)
}

// All returns every offer held.
func (b *Book) All() []*Entry {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]*Entry, 0, len(b.offers))
	for _, e := range b.offers {
		out = append(out, e)
	}
	return out
}

// Level is one offer on one side of a pair's book. Price is in quote
// units per base unit (base units, not decimals); Size is the base amount
// still available.
type Level struct {
	Offer ledger.Hash
	Maker ledger.Address
	Price Price
	Size  uint256.Int // base units
	// Gives and Wants are what is left of the offer, in base units of its
	// own give and want assets.
	Gives uint256.Int
	Wants uint256.Int
}

// Price is a ratio num/den kept exact.
type Price struct{ Num, Den uint256.Int }

// Less reports p < q, exactly (cross-multiplied in 512 bits).
func (p Price) Less(q Price) bool {
	a := mul512(&p.Num, &q.Den)
	b := mul512(&q.Num, &p.Den)
	for i := 7; i >= 0; i-- {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

func mul512(x, y *uint256.Int) [8]uint64 {
	var out [8]uint64
	for i := 0; i < 4; i++ {
		var carry uint64
		for j := 0; j < 4; j++ {
			hi, lo := mul64(x[i], y[j])
			lo, c1 := add64(lo, out[i+j], 0)
			lo, c2 := add64(lo, carry, 0)
			out[i+j] = lo
			carry = hi + c1 + c2
		}
		out[i+4] = carry
	}
	return out
}

// Side is one side of a book, best first.
type Side []Level

// PairBook is a pair's book: asks sell base for quote (lowest price first),
// bids buy base with quote (highest price first).
type PairBook struct {
	Base, Quote ledger.Hash
	Bids, Asks  Side
}

// View is what the book needs of the ledger's view: how much of an offer
// has filled, whether its maker cancelled it, and what the maker holds.
type View interface {
	OfferFilled(id ledger.Hash) *uint256.Int
	OfferCancelled(id ledger.Hash, maker ledger.Address) bool
	Balance(a ledger.Address, asset ledger.Hash) *uint256.Int
}

// Pair builds the book of base/quote at time now (Unix seconds), leaving
// out offers filled, cancelled, expired or beyond their maker's balance.
// It returns the ids it found dead, for the caller to drop.
func (b *Book) Pair(v View, base, quote ledger.Hash, now uint64) (PairBook, []ledger.Hash) {
	pb := PairBook{Base: base, Quote: quote}
	var dead []ledger.Hash
	for _, e := range b.All() {
		o := &e.Offer.Offer
		isAsk := o.Give == base && o.Want == quote
		isBid := o.Give == quote && o.Want == base
		if !isAsk && !isBid {
			continue
		}
		lv, ok := level(v, e, now)
		if !ok {
			dead = append(dead, e.ID)
			continue
		}
		if isAsk {
			lv.Price = Price{Num: o.WantAmount, Den: o.GiveAmount}
			lv.Size = lv.Gives
			pb.Asks = append(pb.Asks, lv)
		} else {
			lv.Price = Price{Num: o.GiveAmount, Den: o.WantAmount}
			lv.Size = lv.Wants
			pb.Bids = append(pb.Bids, lv)
		}
	}
	sort.SliceStable(pb.Asks, func(i, j int) bool { return orderLess(pb.Asks[i], pb.Asks[j], false) })
	sort.SliceStable(pb.Bids, func(i, j int) bool { return orderLess(pb.Bids[i], pb.Bids[j], true) })
	return pb, dead
}

func orderLess(a, b Level, desc bool) bool {
	if a.Price.Less(b.Price) != b.Price.Less(a.Price) {
		return a.Price.Less(b.Price) != desc
	}
	return string(a.Offer[:]) < string(b.Offer[:])
}

// level computes what is left of an offer; false when nothing is.
func level(v View, e *Entry, now uint64) (Level, bool) {
	o := &e.Offer.Offer
	if now > o.Expiry || v.OfferCancelled(e.ID, o.Maker) {
		return Level{}, false
	}
	left := new(uint256.Int).Sub(&o.GiveAmount, v.OfferFilled(e.ID))
	if left.IsZero() || left.Gt(&o.GiveAmount) {
		return Level{}, false
	}
	if bal := v.Balance(o.Maker, o.Give); bal.Lt(left) {
		if !o.Partial || bal.IsZero() {
			return Level{}, false
		}
		left = bal // what the maker can still deliver
	}
	wants, ok := ledger.FillPrice(o, left)
	if !ok {
		return Level{}, false
	}
	return Level{Offer: e.ID, Maker: o.Maker, Gives: *left, Wants: *wants}, true
}
