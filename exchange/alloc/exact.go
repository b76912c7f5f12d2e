package alloc

import (
	"math"
	"slices"
	"strings"
)

// The exact searches work on the items below the amount ("L"), sorted by
// ID. Item k of that order owns bit n−1−k of a mask, so that among sets of
// equal size the lexicographically smallest sorted ID list is the set with
// the largest mask: at the first item where two sets differ, the smaller
// list holds the item.
//
// A plan containing an item ≥ amount is dominated by that item alone, so
// such items enter only as singles (s.single); a set of items from L has at
// least two items, so the single wins ties of residual.

const (
	enumMaxN = 30
	mitmMaxN = 40
	dpMaxN   = 253     // counts fit in a byte, 255 = unreachable
	dpMaxU   = 1 << 26 // sum range of the exact DP
)

// exactPath runs the cheapest exact search that fits the budget. ok is
// false when none fits or the search ran out of time.
func (s *solver) exactPath() (Plan, bool, error) {
	n := len(s.lb)
	inf := math.Inf(1)
	costEnum, costMITM, costDP := inf, inf, inf
	if n <= enumMaxN {
		costEnum = nsPerEnumNode * float64(uint64(1)<<n)
	}
	if n <= mitmMaxN && !s.satL {
		h := n / 2
		costMITM = nsPerMITMEntry * float64(uint64(1)<<h+uint64(1)<<(n-h))
	}
	u, uok := s.dpRange()
	if n <= dpMaxN && uok {
		costDP = nsPerDPCell * float64(n) * float64(u)
	}
	method, cost := "", inf
	for _, c := range []struct {
		m string
		c float64
	}{{"dp", costDP}, {"mitm", costMITM}, {"enum", costEnum}} {
		if c.c < cost && (s.opt.force == "" || s.opt.force == c.m) {
			method, cost = c.m, c.c
		}
	}
	if cost == inf || (s.opt.force == "" && cost > float64(s.opt.MaxTime.Nanoseconds())*exactShare) {
		return Plan{}, false, nil
	}

	// Sort the eligible pool by ID, refusing duplicates; keep L in that order.
	all := make([]int32, 0, len(s.li)+len(s.big))
	all = append(append(all, s.li...), s.big...)
	slices.SortFunc(all, func(a, b int32) int { return strings.Compare(s.items[a].ID, s.items[b].ID) })
	for k := 1; k < len(all); k++ {
		if s.items[all[k-1]].ID == s.items[all[k]].ID {
			return Plan{}, true, ErrDuplicateID
		}
	}
	ord := make([]int32, 0, n)
	bal := make([]uint64, 0, n)
	for _, c := range all {
		if b := s.items[c].Balance; b < s.amount {
			ord = append(ord, c)
			bal = append(bal, b)
		}
	}

	var mask uint64
	var found, done bool
	var name string
	var chosen []int32
	switch method {
	case "enum":
		name = MethodEnum
		mask, found, done = s.exactEnum(bal)
	case "mitm":
		name = MethodMITM
		mask, found, done = s.exactMITM(bal)
	default:
		name = MethodDP
		chosen, done = s.exactDP(bal, ord, u)
		found = chosen != nil
	}
	if !done {
		return Plan{}, false, nil
	}
	if method != "dp" && found {
		for k := range n {
			if mask&(1<<(n-1-k)) != 0 {
				chosen = append(chosen, ord[k])
			}
		}
	}
	if found {
		if r := s.residualOf(chosen); s.single < 0 || r < s.singleRes {
			p, err := s.finish(chosen, name, r)
			return p, true, err
		}
	}
	if s.single < 0 { // cannot happen: all of L covers the amount
		return Plan{}, false, nil
	}
	// The single item is at least as good as any set from L.
	p, err := s.finish([]int32{s.single}, name, s.singleRes)
	return p, true, err
}

// better reports whether (r, c, mask) ranks before (br, bc, bmask).
func better(r uint64, c int, mask uint64, br uint64, bc int, bmask uint64) bool {
	if r != br {
		return r < br
	}
	if c != bc {
		return c < bc
	}
	return mask > bmask
}

// exactEnum is a depth-first search over bal (ID order), include-first,
// tracking the amount still needed so that nothing overflows. It visits
// the covering sets in decreasing mask order, so the first of equally good
// sets is the lexicographically smallest.
func (s *solver) exactEnum(bal []uint64) (mask uint64, found, done bool) {
	n := len(bal)
	suf := make([]uint64, n+1)
	for k := n - 1; k >= 0; k-- {
		suf[k], _ = satAdd(suf[k+1], bal[k])
	}
	e := enumer{s: s, bal: bal, suf: suf, n: n}
	e.rec(0, s.amount, 0, 0)
	return e.mask, e.found, !e.abort
}

type enumer struct {
	s     *solver
	bal   []uint64
	suf   []uint64
	n     int
	found bool
	r     uint64
	c     int
	mask  uint64
	nodes int
	abort bool
}

func (e *enumer) rec(k int, need uint64, cnt int, mask uint64) {
	if e.abort || k == e.n {
		return
	}
	e.nodes++
	if e.nodes&4095 == 0 && e.s.expired() {
		e.abort = true
		return
	}
	b := e.bal[k]
	bit := uint64(1) << (e.n - 1 - k)
	if b >= need {
		if r := b - need; !e.found || better(r, cnt+1, mask|bit, e.r, e.c, e.mask) {
			e.found, e.r, e.c, e.mask = true, r, cnt+1, mask|bit
		}
	} else if e.suf[k+1] >= need-b && !(e.found && e.r == 0 && cnt+2 >= e.c) {
		// (A residual-0 set of at most cnt+2 items is already known; sets
		// found later have smaller masks, so no equal one can win.)
		e.rec(k+1, need-b, cnt+1, mask|bit)
	}
	if e.suf[k+1] >= need && !(e.found && e.r == 0 && cnt+1 >= e.c) {
		e.rec(k+1, need, cnt, mask)
	}
}

// half is one subset of a half: its sum, and its mask with its size in
// the top bits (masks use at most mitmMaxN low bits).
type half struct {
	sum uint64
	mc  uint64
}

const cntShift = 58

func (h half) cnt() int     { return int(h.mc >> cntShift) }
func (h half) mask() uint64 { return h.mc & (1<<cntShift - 1) }
func (h half) beats(o half) bool { // fewer items, then the larger mask
	return h.cnt() < o.cnt() || h.cnt() == o.cnt() && h.mask() > o.mask()
}

// halfSums lists the subset sums of bal (whose item k has mask bit
// bitOf(k)) sorted by sum, built by merging in the buffers a and b (of
// capacity 2^len(bal) each), and keeps per distinct sum the fewest items
// and, among those, the largest mask. The sums do not overflow: the
// caller checked the total.
func halfSums(bal []uint64, bitOf func(int) uint64, a, b []half) []half {
	cur, nxt := a[:1], b
	cur[0] = half{}
	for k, v := range bal {
		add := bitOf(k) | 1<<cntShift
		m := len(cur)
		nxt = nxt[:2*m]
		x, y, o := 0, 0, 0
		for y < m {
			if x < m && cur[x].sum <= cur[y].sum+v {
				nxt[o] = cur[x]
				x++
			} else {
				nxt[o] = half{cur[y].sum + v, cur[y].mc + add}
				y++
			}
			o++
		}
		copy(nxt[o:], cur[x:m]) // what is left of cur once the shifted copy ran out
		cur, nxt = nxt, cur[:0]
	}
	out := cur[:0]
	for _, h := range cur {
		if k := len(out) - 1; k >= 0 && out[k].sum == h.sum {
			if h.beats(out[k]) {
				out[k] = h
			}
			continue
		}
		out = append(out, h)
	}
	return out
}

// exactMITM splits bal (ID order) into a left and a right half. For each
// right sum it takes the smallest left sum that completes the amount; the
// best pair overall has the optimum sum, and for a fixed pair of sums the
// fewest items and the largest mask come from each half's best entry for
// its sum (left bits outrank right bits).
func (s *solver) exactMITM(bal []uint64) (mask uint64, found, done bool) {
	n := len(bal)
	h := n / 2
	sc := s.sc
	sc.h1 = grow(sc.h1, 1<<h)
	sc.h2 = grow(sc.h2, 1<<h)
	sc.h3 = grow(sc.h3, 1<<(n-h))
	sc.h4 = grow(sc.h4, 1<<(n-h))
	left := halfSums(bal[:h], func(k int) uint64 { return 1 << (n - 1 - k) }, sc.h1, sc.h2)
	if s.expired() {
		return 0, false, false
	}
	right := halfSums(bal[h:], func(k int) uint64 { return 1 << (n - 1 - h - k) }, sc.h3, sc.h4)
	var br uint64
	var bc int
	ia := len(left) - 1
	for _, rt := range right {
		var need uint64
		if rt.sum < s.amount {
			need = s.amount - rt.sum
		}
		for ia > 0 && left[ia-1].sum >= need {
			ia--
		}
		if left[ia].sum < need {
			continue
		}
		lf := left[ia]
		r := lf.sum + rt.sum - s.amount
		c := lf.cnt() + rt.cnt()
		if m := lf.mask() | rt.mask(); !found || better(r, c, m, br, bc, mask) {
			found, br, bc, mask = true, r, c, m
		}
	}
	return mask, found, true
}

// dpRange is the exclusive upper end U of the sums the exact DP tracks: an
// optimal set S has residual < min(S) ≤ maxL, and must beat the single.
func (s *solver) dpRange() (uint64, bool) {
	lim := s.maxL
	if s.single >= 0 {
		lim = min(lim, s.singleRes)
	}
	u, sat := satAdd(s.amount, lim)
	if sat || u > dpMaxU {
		return 0, false
	}
	return u, true
}

// exactDP fills, for j = n..0, the table row j: the fewest items among
// bal[j:] summing to t, for t < u. The optimum is the least t ≥ amount
// reachable from row 0 with its count; walking j upwards and taking item j
// whenever the rest can still finish with one item fewer yields the
// lexicographically smallest ID list. Returns nil when no set of L beats
// the single item.
func (s *solver) exactDP(bal []uint64, ord []int32, u uint64) (chosen []int32, done bool) {
	n := len(bal)
	U := int(u)
	const unreach = 255
	tab := make([]uint8, (n+1)*U)
	last := tab[n*U:]
	for t := 1; t < U; t++ {
		last[t] = unreach
	}
	for j := n - 1; j >= 0; j-- {
		cur, nxt := tab[j*U:(j+1)*U], tab[(j+1)*U:(j+2)*U]
		copy(cur, nxt)
		if b := int(bal[j]); b < U {
			dst := cur[b:]
			for i, v := range nxt[:U-b] {
				if v != unreach && v+1 < dst[i] {
					dst[i] = v + 1
				}
			}
		}
		if j&15 == 0 && s.expired() {
			return nil, false
		}
	}
	row0 := tab[:U]
	t := int(s.amount)
	for t < U && row0[t] == unreach {
		t++
	}
	if t == U {
		return nil, true
	}
	c := row0[t]
	for j := 0; j < n && c > 0; j++ {
		b := int(bal[j])
		if b <= t && tab[(j+1)*U+t-b] == c-1 {
			chosen = append(chosen, ord[j])
			t -= b
			c--
		}
	}
	return chosen, true
}
