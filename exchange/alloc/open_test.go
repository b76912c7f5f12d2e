package alloc

import (
	"errors"
	"math/bits"
	"testing"

	"pgregory.net/rapid"
)

// checkOpenPlan checks a plan of AllocateOpen: every spend is of an
// eligible item, pays at most its balance, in input order, the spends pay
// the amount, at most one item is partly spent, Residual is what stays on
// the chosen restricted items, and it returns the open value spent.
func checkOpenPlan(t fataler, items []Item, amount uint64, merchant string, p Plan) (open uint64) {
	t.Helper()
	byID, at := map[string]Item{}, map[string]int{}
	for i, it := range items {
		byID[it.ID], at[it.ID] = it, i
	}
	var paid, left uint64
	partial := 0
	for k, sp := range p.Spends {
		it, ok := byID[sp.ID]
		if !ok || !accepts(it.Merchants, merchant) || sp.Amount == 0 || sp.Amount > it.Balance {
			t.Fatalf("spend %+v of item %+v at %q", sp, it, merchant)
		}
		if k > 0 && at[p.Spends[k-1].ID] >= at[sp.ID] {
			t.Fatalf("spends not in input order: %q, %q", p.Spends[k-1].ID, sp.ID)
		}
		if sp.Amount < it.Balance {
			partial++
		}
		if len(it.Merchants) == 0 {
			open += sp.Amount
		} else {
			left += it.Balance - sp.Amount
		}
		var c uint64
		if paid, c = bits.Add64(paid, sp.Amount, 0); c != 0 {
			t.Fatalf("payments overflow")
		}
	}
	if paid != amount || partial > 1 || left != p.Residual {
		t.Fatalf("plan pays %d of %d, %d partly spent, %d left on restricted items, Residual %d: %+v", paid, amount, partial, left, p.Residual, p)
	}
	if p.Exact != (p.Bound == 0) || p.Bound > p.Residual {
		t.Fatalf("inconsistent Exact=%v Bound=%d Residual=%d", p.Exact, p.Bound, p.Residual)
	}
	return open
}

// bruteOpen is AllocateOpen's objective by enumeration of every subset T
// of the eligible items that covers the amount: the restricted items of T
// pay as much as they can, the open ones the rest; the best T leaves the
// least on restricted items, then spends the least open value.
func bruteOpen(items []Item, amount uint64, merchant string) (res, open uint64, ok bool) {
	var el []Item
	for _, it := range items {
		if it.Balance > 0 && accepts(it.Merchants, merchant) {
			el = append(el, it)
		}
	}
	for mask := 0; mask < 1<<len(el); mask++ {
		var sr, so uint64
		satur := false
		for k, it := range el {
			if mask>>k&1 == 1 {
				var c uint64
				if len(it.Merchants) == 0 {
					so, c = bits.Add64(so, it.Balance, 0)
				} else {
					sr, c = bits.Add64(sr, it.Balance, 0)
				}
				satur = satur || c != 0
			}
		}
		if satur {
			continue // sums ≥ 2^64: never better here
		}
		if lo, hi := bits.Add64(sr, so, 0); hi == 0 && lo < amount {
			continue
		}
		r, o := uint64(0), amount-min(sr, amount)
		if sr > amount {
			r = sr - amount
		}
		if !ok || r < res || r == res && o < open {
			res, open, ok = r, o, true
		}
	}
	return res, open, ok
}

// On small pools AllocateOpen attains the brute-force optimum: the least
// left on gift cards, then the most gift value spent.
func TestPropAllocateOpen(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		items, amount, merchant := smallPool(t, 12)
		wantRes, wantOpen, ok := bruteOpen(items, amount, merchant)
		p, err := AllocateOpen(items, amount, merchant, Options{Now: frozen})
		if !ok && amount > 0 {
			if !errors.Is(err, ErrInsufficient) {
				t.Fatalf("want a shortfall, got %+v, %v", p, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("AllocateOpen: %v", err)
		}
		open := checkOpenPlan(t, items, amount, merchant, p)
		if !p.Exact || p.Residual != wantRes || open != wantOpen {
			t.Fatalf("residual %d (exact %v), open spent %d (%s); brute force %d, %d", p.Residual, p.Exact, open, p.Method, wantRes, wantOpen)
		}
		// Without the exact searches (the path of large pools) the plan is
		// still sound and its bound holds.
		p, err = AllocateOpen(items, amount, merchant, Options{Now: frozen, ExactLimit: -1})
		if err != nil {
			t.Fatalf("AllocateOpen, no exact search: %v", err)
		}
		checkOpenPlan(t, items, amount, merchant, p)
		if p.Residual < wantRes || p.Residual-p.Bound > wantRes {
			t.Fatalf("no exact search: residual %d bound %d, optimum %d (%s)", p.Residual, p.Bound, wantRes, p.Method)
		}
	})
}

// The cases the issue names: gift cards are emptied, the open balance
// pays the rest; no cents stay on a gift card when the open balance can
// pay instead; the value left on an open balance is not left behind.
func TestAllocateOpenHandCases(t *testing.T) {
	gift := func(id string, b uint64) Item { return it(id, b, "shop") }
	for _, tc := range []struct {
		name   string
		items  []Item
		amount uint64
		res    uint64
		spends map[string]uint64
	}{
		{"both gift cards, nothing left", []Item{it("eur1", 90000), gift("gift1", 2500), it("eur2", 90000), gift("gift2", 730)}, 3230, 0,
			map[string]uint64{"gift1": 2500, "gift2": 730}},
		{"gift emptied, open pays the rest", []Item{it("eur", 90000), gift("gift", 2500)}, 3000, 0,
			map[string]uint64{"eur": 500, "gift": 2500}},
		{"no cents left on a gift card", []Item{it("eur", 90000), gift("gift", 2500)}, 2499, 0,
			map[string]uint64{"eur": 2499}},
		{"the open balance alone", []Item{it("eur", 90000)}, 1250, 0, map[string]uint64{"eur": 1250}},
		{"the larger gift fits", []Item{it("eur", 90000), gift("g5", 500), gift("g20", 2000)}, 2200, 0,
			map[string]uint64{"eur": 200, "g20": 2000}},
		{"gift cards alone must leave some", []Item{it("eur", 100), gift("g", 2500)}, 2000, 500,
			map[string]uint64{"g": 2000}},
	} {
		p, err := AllocateOpen(tc.items, tc.amount, "shop", Options{Now: frozen})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		checkOpenPlan(t, tc.items, tc.amount, "shop", p)
		got := map[string]uint64{}
		for _, sp := range p.Spends {
			got[sp.ID] = sp.Amount
		}
		if p.Residual != tc.res || len(got) != len(tc.spends) {
			t.Errorf("%s: %+v, want residual %d spends %v", tc.name, p, tc.res, tc.spends)
			continue
		}
		for id, a := range tc.spends {
			if got[id] != a {
				t.Errorf("%s: %+v, want spends %v", tc.name, p, tc.spends)
			}
		}
	}
}
