// Package exchange is the marketplace on top of the ledger: the book of
// open offers per pair, and (in its subpackages) the stored-value
// allocator. It keeps offers as makers signed them; what is filled or
// cancelled comes from the ledger's view, handed in by the caller.
package exchange

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// Entry is an offer on the book.
type Entry struct {
	ID      ledger.Hash
	Offer   ledger.SignedOffer
	seq     uint64 // arrival order, for eviction and scans
	removed bool
}

// Book errors.
var (
	// ErrBookFull: the book holds Limits.Max offers.
	ErrBookFull = errors.New("exchange: the book is full")
	// ErrMakerQuota: the maker already has Limits.PerMaker open offers.
	ErrMakerQuota = errors.New("exchange: the maker has too many open offers")
	// ErrPairFull: the pair holds Limits.PerPair offers and the maker holds
	// at least as many of them as anyone, so no one's offer gives way.
	ErrPairFull = errors.New("exchange: the pair's book is full")
)

// Limits bound what one book holds, so that spam costs the spammer: one
// maker can hold only PerMaker offers, and when a pair is full a new
// maker's offer displaces the oldest offer of the maker holding the most
// there (fair eviction), so an honest maker always finds room.
type Limits struct {
	Max      int // offers in all; default 100,000
	PerPair  int // offers of one pair (either direction); default 10,000
	PerMaker int // open offers of one maker; default 64
}

func (l *Limits) setDefaults() {
	if l.Max <= 0 {
		l.Max = 100000
	}
	if l.PerPair <= 0 {
		l.PerPair = min(10000, l.Max)
	}
	if l.PerMaker <= 0 {
		l.PerMaker = 64
	}
}

// pairKey names a pair regardless of direction.
type pairKey [2]ledger.Hash

func pairOf(o *ledger.Offer) pairKey {
	if string(o.Give[:]) < string(o.Want[:]) {
		return pairKey{o.Give, o.Want}
	}
	return pairKey{o.Want, o.Give}
}

// Book holds the open offers this node has seen, indexed by pair. It is
// safe for concurrent use.
type Book struct {
	mu       sync.RWMutex
	offers   map[ledger.Hash]*Entry
	pairs    map[pairKey]map[ledger.Hash]*Entry
	perMaker map[ledger.Address]int
	seq      uint64
	lim      Limits
	order    []*Entry // arrival order, removed ones skipped until compacted
	gone     int      // removed entries still in order
}

// NewBook returns an empty book holding at most max offers, with the
// default per-pair and per-maker limits.
func NewBook(max int) *Book { return NewBookLimits(Limits{Max: max}) }

// NewBookLimits returns an empty book with the given limits (zero fields
// take their defaults).
func NewBookLimits(l Limits) *Book {
	l.setDefaults()
	return &Book{offers: map[ledger.Hash]*Entry{}, pairs: map[pairKey]map[ledger.Hash]*Entry{},
		perMaker: map[ledger.Address]int{}, lim: l}
}

// Add puts a verified offer on the book. An offer already there is not an
// error (evicted is empty). When the offer's pair is full, the oldest offer
// of the maker holding the most offers of the pair gives way, provided that
// maker holds more than this one's; its id is returned in evicted for the
// caller to forget.
func (b *Book) Add(id ledger.Hash, o ledger.SignedOffer) (evicted []ledger.Hash, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.offers[id]; ok {
		return nil, nil
	}
	maker := o.Maker
	if b.perMaker[maker] >= b.lim.PerMaker {
		return nil, fmt.Errorf("%w: %s holds %d", ErrMakerQuota, maker.Hex(), b.perMaker[maker])
	}
	pk := pairOf(&o.Offer)
	pair := b.pairs[pk]
	if len(pair) >= b.lim.PerPair || len(b.offers) >= b.lim.Max {
		var scope map[ledger.Hash]*Entry = pair
		if len(pair) < b.lim.PerPair {
			scope = b.offers // the whole book is full: evict across it
		}
		victim := evictionVictim(scope, maker)
		if victim == nil {
			if len(pair) >= b.lim.PerPair {
				return nil, fmt.Errorf("%w: %d offers", ErrPairFull, len(pair))
			}
			return nil, fmt.Errorf("%w: %d offers", ErrBookFull, len(b.offers))
		}
		b.removeLocked(victim.ID)
		evicted = append(evicted, victim.ID)
		pair = b.pairs[pk]
	}
	if pair == nil {
		pair = map[ledger.Hash]*Entry{}
		b.pairs[pk] = pair
	}
	b.seq++
	e := &Entry{ID: id, Offer: o, seq: b.seq}
	b.offers[id] = e
	pair[id] = e
	b.perMaker[maker]++
	b.order = append(b.order, e)
	return evicted, nil
}

// evictionVictim is the oldest offer of the maker holding the most offers
// in scope, if that maker holds more than newcomer does (plus the one it
// brings); nil otherwise.
func evictionVictim(scope map[ledger.Hash]*Entry, newcomer ledger.Address) *Entry {
	count := map[ledger.Address]int{}
	oldest := map[ledger.Address]*Entry{}
	for _, e := range scope {
		m := e.Offer.Maker
		count[m]++
		if o := oldest[m]; o == nil || e.seq < o.seq {
			oldest[m] = e
		}
	}
	var top ledger.Address
	most := 0
	for m, c := range count {
		if c > most || (c == most && string(m[:]) < string(top[:])) {
			top, most = m, c
		}
	}
	if most <= count[newcomer]+1 {
		return nil
	}
	return oldest[top]
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
	b.removeLocked(id)
	b.mu.Unlock()
}

func (b *Book) removeLocked(id ledger.Hash) {
	e, ok := b.offers[id]
	if !ok {
		return
	}
	delete(b.offers, id)
	e.removed = true
	if b.gone++; b.gone > len(b.order)/2 {
		kept := b.order[:0]
		for _, o := range b.order {
			if !o.removed {
				kept = append(kept, o)
			}
		}
		clear(b.order[len(kept):])
		b.order, b.gone = kept, 0
	}
	pk := pairOf(&e.Offer.Offer)
	delete(b.pairs[pk], id)
	if len(b.pairs[pk]) == 0 {
		delete(b.pairs, pk)
	}
	if b.perMaker[e.Offer.Maker]--; b.perMaker[e.Offer.Maker] <= 0 {
		delete(b.perMaker, e.Offer.Maker)
	}
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

// Scan returns up to max offers in arrival order, starting with the first
// that arrived at or after cursor, and the cursor to pass next time (0
// once it reached the end: the next scan starts over). A caller that scans
// a slice at a time visits every offer in turn without copying the book.
func (b *Book) Scan(cursor uint64, max int) ([]*Entry, uint64) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	i := sort.Search(len(b.order), func(i int) bool { return b.order[i].seq >= cursor })
	out := make([]*Entry, 0, min(max, len(b.order)-i))
	for ; i < len(b.order) && len(out) < max; i++ {
		if !b.order[i].removed {
			out = append(out, b.order[i])
		}
	}
	if i >= len(b.order) {
		return out, 0
	}
	return out, b.order[i].seq
}

// pairEntries returns the offers of one pair (either direction).
func (b *Book) pairEntries(base, quote ledger.Hash) []*Entry {
	pk := pairOf(&ledger.Offer{Give: base, Want: quote})
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]*Entry, 0, len(b.pairs[pk]))
	for _, e := range b.pairs[pk] {
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
	for _, e := range b.pairEntries(base, quote) {
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
