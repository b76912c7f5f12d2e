package alloc

import (
	"math"
	"math/bits"
	"slices"
)

// The cover path: large pools. See the package documentation.

const (
	coverMaxK = math.MaxUint16 // items in the cover DP (back-pointers are uint16)
	coverMaxW = 1 << 20        // sums tracked by the cover DP
	coverFill = 16             // fills tried against the DP: T = span·i/coverFill
)

type coverer struct {
	s  *solver
	a  []uint64 // balances of the items below the amount, decreasing
	ix []int32  // their item indices (ties in input order)
	m  int

	has    bool
	single bool  // the best is the single item ≥ amount
	best   []int // else its positions in a, increasing
	bestR  uint64
	method string
}

// addCover reports whether x+y ≥ need and the residual x+y−need,
// saturated at MaxUint64 (the sum is taken in 65 bits).
func addCover(x, y, need uint64) (bool, uint64) {
	sum, carry := bits.Add64(x, y, 0)
	if carry == 0 {
		if sum < need {
			return false, 0
		}
		return true, sum - need
	}
	if sum < need { // 2^64 + sum − need fits
		return true, sum - need
	}
	return true, math.MaxUint64
}

func (c *coverer) count() int {
	if c.single {
		return 1
	}
	return len(c.best)
}

// offer takes a covering candidate given by its positions in increasing
// order (decreasing balance), prunes it — drops, largest first, every item
// whose balance is ≤ the residual, which still covers with a smaller
// residual — and keeps it if it ranks before the best so far by (residual,
// item count).
func (c *coverer) offer(pos []int, method string) {
	var hi, lo uint64
	for _, p := range pos {
		var carry uint64
		lo, carry = bits.Add64(lo, c.a[p], 0)
		hi += carry
	}
	res, borrow := bits.Sub64(lo, c.s.amount, 0)
	if hi-borrow != 0 {
		return // does not cover, or a residual ≥ 2^64: never the best
	}
	if res > 0 {
		kept := pos[:0]
		for _, p := range pos {
			if b := c.a[p]; b <= res {
				res -= b
				continue
			}
			kept = append(kept, p)
		}
		pos = kept
	}
	if !c.has || res < c.bestR || (res == c.bestR && len(pos) < c.count()) {
		c.has, c.single, c.best, c.bestR, c.method = true, false, pos, res, method
	}
}

// top returns the positions of the j largest items followed by pos
// (which lie beyond them, increasing).
func top(j int, pos ...int) []int {
	out := make([]int, 0, j+len(pos))
	for p := range j {
		out = append(out, p)
	}
	return append(out, pos...)
}

// firstLE returns the first position in [k, hi) whose balance is ≤ v
// (hi if none); a is decreasing.
func (c *coverer) firstLE(k, hi int, v uint64) int {
	for k < hi {
		mid := int(uint(k+hi) >> 1)
		if c.a[mid] <= v {
			hi = mid
		} else {
			k = mid + 1
		}
	}
	return k
}

// bestPair returns the pair of positions p < q in [lo, m) whose balances
// cover need with the least residual (two pointers; a is decreasing).
func (c *coverer) bestPair(lo int, need uint64) (p, q int, r uint64, ok bool) {
	i, j := lo, c.m-1
	for i < j {
		if cov, res := addCover(c.a[i], c.a[j], need); cov {
			if !ok || res < r {
				p, q, r, ok = i, j, res, true
				if r == 0 {
					return
				}
			}
			i++ // a smaller large element
		} else {
			j-- // a larger small element
		}
	}
	return
}

// ffd scans positions [lo, hi) in decreasing balance and takes every item
// that still fits under lim. It returns the positions taken (appended to
// out) and the gap lim − sum(taken); every skipped item exceeds the gap.
func (c *coverer) ffd(lo, hi int, lim uint64, out []int) ([]int, uint64) {
	k, rem := lo, lim
	for k < hi && rem > 0 {
		if c.a[k] > rem {
			if k = c.firstLE(k, hi, rem); k == hi {
				break
			}
		}
		out = append(out, k)
		rem -= c.a[k]
		k++
	}
	return out, rem
}

func (s *solver) coverPath(lb uint64) (Plan, error) {
	m := len(s.lb)
	c := &coverer{s: s, m: m}
	c.a, c.ix = sortDesc(s.lb, s.li, grow(s.sc.tb, m), grow(s.sc.ti, m))
	if s.single >= 0 {
		c.has, c.single, c.bestR, c.method = true, true, s.singleRes, MethodCoverSingle
	}

	// kmin: the fewest items below the amount that can cover it (the
	// largest ones); needK1, needK2: what remains after the kmin−1, kmin−2
	// largest.
	need, k := s.amount, 0
	for k < m-1 && c.a[k] < need { // the items below the amount cover it
		need -= c.a[k]
		k++
	}
	kmin := k + 1 // ≥ 2: every item is below the amount
	// done: the best has residual lb (optimal) and the fewest items any
	// plan with residual lb can have (1 if the single has it, else kmin).
	countLB := kmin
	if s.single >= 0 && s.singleRes == lb {
		countLB = 1
	}
	done := func() bool { return c.has && c.bestR == lb && c.count() == countLB }
	needK1 := need // after the kmin−1 largest; a[kmin−1] ≥ needK1
	needK2 := need + c.a[k-1]

	// kmin items: the kmin−1 largest plus the smallest item that completes.
	if p := c.firstLE(kmin-1, m, needK1-1) - 1; p >= kmin-1 {
		c.offer(top(kmin-1, p), MethodCoverPair)
	}
	// kmin items: the kmin−2 largest plus the best pair of the rest.
	if !done() {
		if p, q, _, ok := c.bestPair(kmin-2, needK2); ok {
			c.offer(top(kmin-2, p, q), MethodCoverPair)
		}
	}
	// kmin+1 items: the kmin−1 largest plus the best pair of the rest.
	if c.bestR > lb {
		if p, q, _, ok := c.bestPair(kmin-1, needK1); ok {
			c.offer(top(kmin-1, p, q), MethodCoverPair)
		}
	}
	// First-fit decreasing, completed by the smallest item not taken.
	if c.bestR > lb {
		taken, gap := c.ffd(0, m, s.amount, nil)
		if gap > 0 {
			u, t := m-1, len(taken)-1
			for t >= 0 && taken[t] == u {
				u--
				t--
			}
			if u >= 0 {
				taken = append(taken, u)
			}
		}
		c.offer(taken, MethodCoverGreedy)
	}
	if c.bestR > lb && !done() {
		if opt, ok := c.dpStage(); ok {
			lb = max(lb, min(opt, c.bestR))
		}
	}
	var chosen []int32
	if c.single {
		chosen = []int32{s.single}
	} else {
		chosen = make([]int32, len(c.best))
		for k, p := range c.best {
			chosen[k] = c.ix[p]
		}
	}
	return s.finish(chosen, c.method, min(lb, c.bestR))
}

// dpStage runs the bitset DP over the K smallest items and tries fills of
// the others. When the DP is complete (all items, whole useful range) it
// returns the optimum residual over the items below the amount.
func (c *coverer) dpStage() (opt uint64, complete bool) {
	s := c.s
	budget := int64(float64(s.opt.MaxTime.Nanoseconds()) * coverShare / nsPerCoverWord)
	m := c.m
	wFor := func(sumP, maxP uint64) int {
		x, _ := satAdd(sumP, 1)
		y, _ := satAdd(s.amount, maxP)
		return int(min(x, y, coverMaxW))
	}
	K, W := 0, 0
	var sumP, maxP uint64
	for k := m - 1; k >= 0 && K < coverMaxK; k-- {
		b := c.a[k]
		ns, _ := satAdd(sumP, b)
		w := wFor(ns, b)
		if int64(K+1)*int64(w/64+1) > budget {
			break
		}
		K, sumP, maxP, W = K+1, ns, b, w
	}
	if K == 0 {
		return 0, false
	}
	x, _ := satAdd(sumP, 1)
	y, _ := satAdd(s.amount, maxP)
	complete = K == m && uint64(W) == min(x, y)

	// reach[t] = some subset of P sums to t; org tells which item (as an
	// offset into P, processed from the largest) first reached t.
	base := m - K
	words := (W + 63) / 64
	s.sc.reach = grow(s.sc.reach, words)
	clear(s.sc.reach)
	reach := s.sc.reach
	org := &s.sc.org
	org.reset(words)
	lastMask := ^uint64(0)
	if W%64 != 0 {
		lastMask = 1<<(W%64) - 1
	}
	reach[0] = 1
	count := 1
	every := max(1, (1<<14)/words) // deadline checks every ~16k words
	for p := 0; p < K && count < W; p++ {
		if p%every == every-1 && s.expired() {
			complete = false
			break
		}
		count += shiftOr(reach, org, c.a[base+p], uint16(p), lastMask)
	}
	next := func(t uint64) (uint64, bool) {
		if t >= uint64(W) {
			return 0, false
		}
		w := int(t / 64)
		v := reach[w] >> (t % 64) << (t % 64)
		for {
			if v != 0 {
				return uint64(w*64 + bits.TrailingZeros64(v)), true
			}
			if w++; w == words {
				return 0, false
			}
			v = reach[w]
		}
	}
	chain := func(t uint64, out []int) []int {
		for t > 0 {
			p := base + int(org.of(t))
			out = append(out, p)
			t -= c.a[p]
		}
		return out
	}

	// Fills: first-fit decreasing of the larger items up to amount − T
	// leaves a remainder R in [T, T+τ) (τ: the smallest larger item not
	// taken), to be met by the DP's reachable sums. T runs over a grid of
	// [0, min(amount, W−1−maxP)]; T = amount is the DP alone.
	span := uint64(W) - 1 - min(maxP, uint64(W)-1)
	span = min(span, s.amount)
	prevT := uint64(math.MaxUint64)
	for i := 0; i <= coverFill; i++ {
		T := span * uint64(i) / coverFill
		if i == coverFill && s.amount < uint64(W) {
			T = s.amount
		}
		if T == prevT || (base == 0 && i > 0) {
			continue
		}
		prevT = T
		lim := s.amount - T
		taken, gap := c.ffd(0, base, lim, nil)
		R := T + gap
		t, ok := next(R)
		if !ok {
			continue
		}
		if complete && i == 0 {
			opt = t - R // base == 0, so R == amount
		}
		pos := chain(t, taken)
		slices.Reverse(pos[len(taken):]) // the chain runs from the smallest
		c.offer(pos, MethodCoverDP)
		if c.bestR == 0 {
			break
		}
	}
	return opt, complete
}

// sortDesc sorts (bal, idx) by balance decreasing, ties in the input
// order, by a stable LSD radix sort over the bytes in which the keys differ
// (insertion sort for short inputs). It overwrites bal, idx and the scratch
// slices tb, ti (of the same length) and returns the pair of them holding
// the result.
func sortDesc(bal []uint64, idx []int32, tb []uint64, ti []int32) ([]uint64, []int32) {
	n := len(bal)
	if n < 64 {
		for i := 1; i < n; i++ {
			for j := i; j > 0 && bal[j] > bal[j-1]; j-- {
				bal[j], bal[j-1] = bal[j-1], bal[j]
				idx[j], idx[j-1] = idx[j-1], idx[j]
			}
		}
		return bal, idx
	}
	var hi uint64
	for _, b := range bal {
		hi = max(hi, b)
	}
	if n <= 1<<24 && hi < 1<<40 {
		// One array of keys (hi − b) << 24 | position.
		keys, tmp := tb[:n], bal
		var or uint64
		for k, b := range bal {
			keys[k] = (hi-b)<<24 | uint64(k)
			or |= hi - b
		}
		for shift := uint(24); shift < 64; shift += 8 {
			if (or<<24>>shift)&0xff == 0 {
				continue
			}
			radixPass(keys, tmp, shift)
			keys, tmp = tmp, keys
		}
		out := ti[:n]
		for k, v := range keys {
			out[k] = idx[v&(1<<24-1)]
			keys[k] = hi - v>>24
		}
		return keys, out
	}
	a, ix := bal, idx
	for k := range a {
		a[k] = ^a[k] // ascending in ^b is descending in b
	}
	var or, and uint64 = 0, math.MaxUint64
	for _, v := range a {
		or |= v
		and &= v
	}
	diff := or ^ and
	ta, tix := tb[:n], ti[:n]
	for shift := uint(0); shift < 64; shift += 8 {
		if (diff>>shift)&0xff == 0 {
			continue
		}
		var cnt [256]int
		for _, v := range a {
			cnt[(v>>shift)&0xff]++
		}
		sum := 0
		for d := range cnt {
			cnt[d], sum = sum, sum+cnt[d]
		}
		for k, v := range a {
			d := (v >> shift) & 0xff
			ta[cnt[d]] = v
			tix[cnt[d]] = ix[k]
			cnt[d]++
		}
		a, ta = ta, a
		ix, tix = tix, ix
	}
	for k := range a {
		a[k] = ^a[k]
	}
	return a, ix
}

// origins records which item first reached each sum of the cover DP: per
// bitset word, a list of (item, the bits it set there) entries.
type origins struct {
	head []int32 // per word: its latest entry, -1 for none
	ent  []origin
}

type origin struct {
	bits uint64
	next int32
	item uint16
}

func (o *origins) reset(words int) {
	o.head = grow(o.head, words)
	for w := range o.head {
		o.head[w] = -1
	}
	o.ent = o.ent[:0]
}

func (o *origins) add(w int, nw uint64, p uint16) int {
	o.ent = append(o.ent, origin{bits: nw, next: o.head[w], item: p})
	o.head[w] = int32(len(o.ent) - 1)
	return bits.OnesCount64(nw)
}

// of returns the item that first reached the (reached) sum t.
func (o *origins) of(t uint64) uint16 {
	for e := o.head[t/64]; e >= 0; e = o.ent[e].next {
		if o.ent[e].bits>>(t%64)&1 != 0 {
			return o.ent[e].item
		}
	}
	panic("alloc: sum not reached")
}

// shiftOr sets reach |= reach << b in place (a 0/1 knapsack step: from the
// top word down, so every source word is read before it is written),
// keeping the top word under lastMask, and records p as the origin of
// every newly reached sum. It returns the number of new sums.
func shiftOr(reach []uint64, org *origins, b uint64, p uint16, lastMask uint64) int {
	q, r := b/64, uint(b%64)
	if q >= uint64(len(reach)) {
		return 0
	}
	n := len(reach) - int(q)
	dst, src := reach[q:], reach[:n]
	added := 0
	// The top word, masked.
	v := src[n-1] << r
	if r != 0 && n >= 2 {
		v |= src[n-2] >> (64 - r)
	}
	if nw := v &^ dst[n-1] & lastMask; nw != 0 {
		dst[n-1] |= nw
		added += org.add(int(q)+n-1, nw, p)
	}
	if r == 0 {
		for i := n - 2; i >= 0; i-- {
			if nw := src[i] &^ dst[i]; nw != 0 {
				dst[i] |= nw
				added += org.add(int(q)+i, nw, p)
			}
		}
		return added
	}
	l := 64 - r
	for i := n - 2; i >= 1; i-- {
		if nw := (src[i]<<r | src[i-1]>>l) &^ dst[i]; nw != 0 {
			dst[i] |= nw
			added += org.add(int(q)+i, nw, p)
		}
	}
	if n >= 2 {
		if nw := src[0] << r &^ dst[0]; nw != 0 {
			dst[0] |= nw
			added += org.add(int(q), nw, p)
		}
	}
	return added
}

// radixPass scatters src into dst stably by the byte of the keys at shift.
// The two halves of src go through separate offsets (the second half's
// start after the first half's in every bucket), which keeps two
// independent dependency chains in flight.
func radixPass(src, dst []uint64, shift uint) {
	n := len(src)
	h := n / 2
	var ca, cb [256]int
	for _, v := range src[:h] {
		ca[(v>>shift)&0xff]++
	}
	for _, v := range src[h:] {
		cb[(v>>shift)&0xff]++
	}
	sum := 0
	for d := range ca {
		a, b := ca[d], cb[d]
		ca[d], cb[d] = sum, sum+a
		sum += a + b
	}
	lo, hi := src[:h], src[h:2*h]
	for i, v := range lo {
		w := hi[i]
		d, e := (v>>shift)&0xff, (w>>shift)&0xff
		dst[ca[d]] = v
		ca[d]++
		dst[cb[e]] = w
		cb[e]++
	}
	if n%2 == 1 {
		v := src[n-1]
		d := (v >> shift) & 0xff
		dst[cb[d]] = v
	}
}
