package alloc

import (
	"errors"
	"hash/maphash"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Item is one stored-value item of the user's pool.
type Item struct {
	ID        string
	Balance   uint64   // minor units
	Merchants []string // merchants accepting the item; empty: accepted everywhere
}

// Spend is what one chosen item pays.
type Spend struct {
	ID     string
	Amount uint64
}

// Plan is the allocator's answer. See the package documentation for the
// meaning of Residual, Exact, Bound and Method.
type Plan struct {
	Spends   []Spend // what each chosen item pays, in the order of the items slice
	Residual uint64  // what stays behind on the chosen items
	Exact    bool    // Residual is proven optimal
	Bound    uint64  // proven upper bound on Residual − optimum; 0 iff Exact
	Method   string  // which path produced the plan
}

// Options tune Allocate. The zero value is the default.
type Options struct {
	// MaxTime is the time budget (default 1 ms). It sizes the optional
	// work up front and is enforced by a sparsely checked deadline.
	MaxTime time.Duration
	// ExactLimit is the largest eligible pool (items with a positive
	// balance) that the exact searches are tried on; 0 means
	// DefaultExactLimit, negative disables them (the trivial exact cases
	// "exact-zero", "exact-single" and "exact-all" still apply).
	ExactLimit int
	// Now is the clock (default time.Now); tests inject a fake one.
	Now func() time.Time

	force string // tests: run only this method family ("enum", "mitm", "dp", "cover")
}

// DefaultMaxTime and DefaultExactLimit are the defaults of Options.
const (
	DefaultMaxTime    = time.Millisecond
	DefaultExactLimit = 256
)

// Method names reported in Plan.Method.
const (
	MethodZero        = "exact-zero"
	MethodSingle      = "exact-single"
	MethodAll         = "exact-all"
	MethodEnum        = "exact-enum"
	MethodMITM        = "exact-mitm"
	MethodDP          = "exact-dp"
	MethodCoverSingle = "cover-single"
	MethodCoverPair   = "cover-pair"
	MethodCoverGreedy = "cover-greedy"
	MethodCoverDP     = "cover-dp"
)

// ErrInsufficient is matched (errors.Is) by the error Allocate returns when
// the eligible items hold less than the amount; the error is a
// *ShortfallError.
var ErrInsufficient = errors.New("alloc: insufficient stored value")

// ErrDuplicateID is returned when two items of the plan share an ID, or an
// exact search meets two eligible items sharing one (see the package
// documentation).
var ErrDuplicateID = errors.New("alloc: duplicate item id")

// ShortfallError reports an amount the eligible items cannot cover.
type ShortfallError struct {
	Merchant  string
	Amount    uint64
	Available uint64 // sum of eligible balances (< Amount)
	Shortfall uint64 // Amount − Available
}

func (e *ShortfallError) Error() string {
	return "alloc: insufficient stored value at merchant " + strconv.Quote(e.Merchant) +
		": need " + strconv.FormatUint(e.Amount, 10) +
		", have " + strconv.FormatUint(e.Available, 10) +
		", short " + strconv.FormatUint(e.Shortfall, 10)
}

// Unwrap makes errors.Is(err, ErrInsufficient) hold.
func (e *ShortfallError) Unwrap() error { return ErrInsufficient }

// Cost model: nanoseconds per unit of work, measured on the 2-core
// reference machine (rounded up), and the share of MaxTime the optional
// work is sized to. The sizing uses MaxTime, not a measured clock, so the
// choice of method does not depend on the machine's load; the deadline
// only cuts off work that overruns.
const (
	nsPerEnumNode  = 1.5 // exact-enum, per subset: 2^n
	nsPerMITMEntry = 20  // exact-mitm, per half entry: 2^⌊n/2⌋ + 2^⌈n/2⌉
	nsPerDPCell    = 1.5 // exact-dp, per table cell: n·(amount + max balance)
	nsPerCoverWord = 1.2 // cover DP, per item and 64-bit word of sums
	exactShare     = 0.4
	coverShare     = 0.3
)

// Allocate chooses the eligible items that pay amount at merchant; see the
// package documentation for the objective and the guarantees.
func Allocate(items []Item, amount uint64, merchant string, opt Options) (Plan, error) {
	if opt.MaxTime <= 0 {
		opt.MaxTime = DefaultMaxTime
	}
	if opt.ExactLimit == 0 {
		opt.ExactLimit = DefaultExactLimit
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if amount == 0 {
		return Plan{Exact: true, Method: MethodZero}, nil
	}
	s := &solver{items: items, amount: amount, opt: opt}
	s.deadline = opt.Now().Add(opt.MaxTime)
	s.sc = scratchPool.Get().(*scratch)
	defer scratchPool.Put(s.sc)
	return s.run(merchant)
}

// scratch holds per-call buffers reused across calls (no plan refers to
// them): the items below the amount, the radix sort's spare arrays and the
// cover DP's bitset and back-pointers.
type scratch struct {
	lb, tb []uint64
	li, ti []int32
	big    []int32
	reach  []uint64
	org    origins
	h1, h2 []half // the exact meet in the middle's halves
	h3, h4 []half
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// grow returns s resized to n, reallocating only when the capacity is
// short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

type solver struct {
	items    []Item
	amount   uint64
	opt      Options
	deadline time.Time
	sc       *scratch

	nPos      int    // eligible items with a positive balance
	total     uint64 // their sum, saturating
	gcd       uint64 // gcd of their balances
	single    int32  // smallest item ≥ amount (ties: smallest ID), or -1
	singleRes uint64 // its residual

	lb   []uint64 // items below the amount: balances ...
	li   []int32  // ... and indices into items, in input order
	sumL uint64   // saturating sum of lb
	satL bool     // sumL saturated
	maxL uint64
	big  []int32 // items ≥ amount (for the duplicate check of exact paths)
}

func accepts(ms []string, m string) bool {
	if len(ms) == 0 {
		return true
	}
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

func satAdd(a, b uint64) (uint64, bool) {
	s, c := bits.Add64(a, b, 0)
	if c != 0 {
		return math.MaxUint64, true
	}
	return s, false
}

func gcd64(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func (s *solver) expired() bool { return !s.opt.Now().Before(s.deadline) }

func (s *solver) run(merchant string) (Plan, error) {
	s.single = -1
	n := len(s.items)
	s.sc.lb, s.sc.li = grow(s.sc.lb, n), grow(s.sc.li, n)
	s.sc.tb, s.sc.ti = grow(s.sc.tb, n), grow(s.sc.ti, n)
	s.lb, s.li, s.big = s.sc.lb[:0], s.sc.li[:0], s.sc.big[:0]
	for i := range s.items {
		it := &s.items[i]
		b := it.Balance
		if b == 0 || !accepts(it.Merchants, merchant) {
			continue
		}
		s.nPos++
		s.total, _ = satAdd(s.total, b)
		if s.gcd != 1 {
			s.gcd = gcd64(b, s.gcd)
		}
		if b >= s.amount {
			r := b - s.amount
			if s.single < 0 || r < s.singleRes || (r == s.singleRes && it.ID < s.items[s.single].ID) {
				s.single, s.singleRes = int32(i), r
			}
			s.big = append(s.big, int32(i))
			s.sc.big = s.big // keep a grown buffer
			continue
		}
		s.lb = append(s.lb, b)
		s.li = append(s.li, int32(i))
		if !s.satL {
			s.sumL, s.satL = satAdd(s.sumL, b)
		}
		s.maxL = max(s.maxL, b)
	}
	if s.total < s.amount {
		return Plan{}, &ShortfallError{Merchant: merchant, Amount: s.amount, Available: s.total, Shortfall: s.amount - s.total}
	}
	// Every plan's sum is a multiple of gcd, hence residual ≥ lb.
	lb := (s.gcd - s.amount%s.gcd) % s.gcd

	if s.single >= 0 && (s.singleRes == 0 || !s.satL && s.sumL < s.amount) {
		// Exact single payment, or the items below the amount cannot
		// cover it together: only single items can, the smallest is best.
		return s.finish([]int32{s.single}, MethodSingle, s.singleRes)
	}
	if !s.satL && s.sumL == s.amount {
		// All items below the amount, exactly; any proper subset falls
		// short, and no single item is exact.
		return s.finish(slices.Clone(s.li), MethodAll, 0)
	}
	if s.opt.force != "cover" && s.opt.ExactLimit > 0 && s.nPos <= s.opt.ExactLimit {
		if p, ok, err := s.exactPath(); ok {
			return p, err
		}
	}
	return s.coverPath(lb)
}

// finish builds the plan from the chosen item indices (a covering set in
// which every balance exceeds the residual); lb is a proven lower bound on
// the optimum residual.
func (s *solver) finish(chosen []int32, method string, lb uint64) (Plan, error) {
	res := s.residualOf(chosen)
	if res < lb { // cannot happen: lb is a proven lower bound
		lb = res
	}
	s.inputOrder(chosen)
	if s.hasDuplicateID(chosen) {
		return Plan{}, ErrDuplicateID
	}
	p := Plan{Residual: res, Bound: res - lb, Exact: res == lb, Method: method}
	p.Spends = make([]Spend, len(chosen))
	carrier := -1
	for k, c := range chosen {
		it := &s.items[c]
		p.Spends[k] = Spend{ID: it.ID, Amount: it.Balance}
		if carrier < 0 {
			carrier = k
		} else if cb := s.items[chosen[carrier]].Balance; it.Balance > cb || it.Balance == cb && it.ID < p.Spends[carrier].ID {
			carrier = k
		}
	}
	if carrier >= 0 {
		p.Spends[carrier].Amount -= res
	}
	return p, nil
}

// inputOrder sorts item indices increasingly, through a bitmap over the
// pool for long lists.
func (s *solver) inputOrder(chosen []int32) {
	if len(chosen) <= 64 {
		slices.Sort(chosen)
		return
	}
	set := make([]uint64, (len(s.items)+63)/64)
	for _, c := range chosen {
		set[c/64] |= 1 << (c % 64)
	}
	k := 0
	for w, v := range set {
		for v != 0 {
			chosen[k] = int32(w*64 + bits.TrailingZeros64(v))
			k++
			v &= v - 1
		}
	}
}

// hasDuplicateID reports whether two chosen items share an ID: pairwise
// for short lists, else through a hash table.
func (s *solver) hasDuplicateID(chosen []int32) bool {
	if len(chosen) <= 32 {
		for i, a := range chosen {
			for _, b := range chosen[:i] {
				if s.items[a].ID == s.items[b].ID {
					return true
				}
			}
		}
		return false
	}
	size := 1 << bits.Len(uint(2*len(chosen)))
	slot := make([]int32, size) // chosen position + 1; 0 is empty
	hash := make([]uint64, size)
	seed := maphash.MakeSeed()
	for i, c := range chosen {
		id := s.items[c].ID
		h := maphash.String(seed, id)
		for j := h & uint64(size-1); ; j = (j + 1) & uint64(size-1) {
			if slot[j] == 0 {
				slot[j], hash[j] = int32(i+1), h
				break
			}
			if hash[j] == h && s.items[chosen[slot[j]-1]].ID == id {
				return true
			}
		}
	}
	return false
}

// residualOf returns sum(chosen) − amount, computed in 128 bits; it
// saturates at MaxUint64 (no plan this package returns gets near it).
func (s *solver) residualOf(chosen []int32) uint64 {
	var hi, lo uint64
	for _, c := range chosen {
		var carry uint64
		lo, carry = bits.Add64(lo, s.items[c].Balance, 0)
		hi += carry
	}
	lo, borrow := bits.Sub64(lo, s.amount, 0)
	hi -= borrow
	if hi != 0 {
		return math.MaxUint64
	}
	return lo
}
