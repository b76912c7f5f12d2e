package alloc

import (
	"errors"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fataler is what checkPlan needs of *testing.T and *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// checkPlan verifies everything a plan promises that can be checked
// without knowing the optimum: it covers the amount exactly, spends only
// eligible items and never more than their balance, all but one item in
// full, and Residual/Exact/Bound are consistent.
func checkPlan(t fataler, items []Item, amount uint64, merchant string, p Plan) {
	t.Helper()
	byID := map[string]Item{}
	at := map[string]int{}
	for i, it := range items {
		byID[it.ID] = it
		at[it.ID] = i
	}
	var paid, balHi, balLo uint64
	partial := 0
	for k, sp := range p.Spends {
		it, ok := byID[sp.ID]
		if !ok {
			t.Fatalf("spend of unknown item %q", sp.ID)
		}
		if !accepts(it.Merchants, merchant) {
			t.Fatalf("item %q does not accept %q", sp.ID, merchant)
		}
		if sp.Amount == 0 || sp.Amount > it.Balance {
			t.Fatalf("item %q pays %d of balance %d", sp.ID, sp.Amount, it.Balance)
		}
		if sp.Amount != it.Balance {
			partial++
		}
		if k > 0 && at[p.Spends[k-1].ID] >= at[sp.ID] {
			t.Fatalf("spends not in input order: %q, %q", p.Spends[k-1].ID, sp.ID)
		}
		var c uint64
		paid, c = bits.Add64(paid, sp.Amount, 0)
		if c != 0 {
			t.Fatalf("payments overflow")
		}
		balLo, c = bits.Add64(balLo, it.Balance, 0)
		balHi += c
	}
	if paid != amount {
		t.Fatalf("plan pays %d, want %d (%+v)", paid, amount, p)
	}
	if partial > 1 {
		t.Fatalf("%d items partially spent", partial)
	}
	lo, borrow := bits.Sub64(balLo, amount, 0)
	if balHi-borrow != 0 || lo != p.Residual {
		t.Fatalf("residual %d, chosen balances minus amount = %d:%d", p.Residual, balHi-borrow, lo)
	}
	if p.Exact != (p.Bound == 0) || p.Bound > p.Residual {
		t.Fatalf("inconsistent Exact=%v Bound=%d Residual=%d", p.Exact, p.Bound, p.Residual)
	}
	if p.Method == "" {
		t.Fatalf("no method")
	}
}

// brute is the independent full-objective optimum by enumerating all
// subsets of the eligible items (n ≤ ~16): residual, then count, then the
// lexicographically smallest sorted ID list.
func brute(items []Item, amount uint64, merchant string) (res uint64, ids []string, ok bool) {
	var el []Item
	for _, it := range items {
		if it.Balance > 0 && accepts(it.Merchants, merchant) {
			el = append(el, it)
		}
	}
	if amount == 0 {
		return 0, nil, true
	}
	for mask := 1; mask < 1<<len(el); mask++ {
		var hi, lo uint64
		var set []string
		for k, it := range el {
			if mask>>k&1 == 1 {
				var c uint64
				lo, c = bits.Add64(lo, it.Balance, 0)
				hi += c
				set = append(set, it.ID)
			}
		}
		if hi == 0 && lo < amount {
			continue
		}
		d, b := bits.Sub64(lo, amount, 0)
		if hi-b != 0 {
			continue // residual ≥ 2^64: never optimal here
		}
		slices.Sort(set)
		if !ok || d < res || d == res && (len(set) < len(ids) || len(set) == len(ids) && slices.Compare(set, ids) < 0) {
			res, ids, ok = d, set, true
		}
	}
	return res, ids, ok
}

// spendIDs returns the sorted IDs of the chosen items.
func spendIDs(p Plan) []string {
	var ids []string
	for _, s := range p.Spends {
		ids = append(ids, s.ID)
	}
	slices.Sort(ids)
	return ids
}

func mustAlloc(t *testing.T, items []Item, amount uint64, merchant string, opt Options) Plan {
	t.Helper()
	p, err := Allocate(items, amount, merchant, opt)
	if err != nil {
		t.Fatalf("Allocate(%d): %v", amount, err)
	}
	checkPlan(t, items, amount, merchant, p)
	return p
}

func it(id string, b uint64, ms ...string) Item { return Item{ID: id, Balance: b, Merchants: ms} }

func TestHandCases(t *testing.T) {
	pool := []Item{it("a", 5), it("b", 3), it("c", 2)}
	cases := []struct {
		amount uint64
		res    uint64
		ids    string
		spends string
	}{
		{1, 1, "c", "c:1"},
		{2, 0, "c", "c:2"},
		{4, 1, "a", "a:4"},
		{5, 0, "a", "a:5"},
		{6, 1, "a,c", "a:4,c:2"},
		{7, 0, "a,c", "a:5,c:2"},
		{8, 0, "a,b", "a:5,b:3"},
		{9, 1, "a,b,c", "a:4,b:3,c:2"},
		{10, 0, "a,b,c", "a:5,b:3,c:2"},
	}
	for _, c := range cases {
		p := mustAlloc(t, pool, c.amount, "", Options{})
		var sp []string
		for _, s := range p.Spends {
			sp = append(sp, s.ID+":"+strconv.FormatUint(s.Amount, 10))
		}
		if p.Residual != c.res || strings.Join(spendIDs(p), ",") != c.ids || strings.Join(sp, ",") != c.spends || !p.Exact {
			t.Errorf("amount %d: got %+v, want residual %d items %s spends %s", c.amount, p, c.res, c.ids, c.spends)
		}
	}
}

func TestTies(t *testing.T) {
	// A single exact item beats two exact items.
	p := mustAlloc(t, []Item{it("b", 3), it("c", 3), it("a", 6)}, 6, "", Options{})
	if got := strings.Join(spendIDs(p), ","); got != "a" {
		t.Errorf("fewer items: got %s", got)
	}
	// Equal singles: the smallest ID.
	p = mustAlloc(t, []Item{it("z", 4), it("x", 4), it("y", 4)}, 4, "", Options{})
	if got := strings.Join(spendIDs(p), ","); got != "x" || p.Method != MethodSingle {
		t.Errorf("equal singles: got %s (%s)", got, p.Method)
	}
	// Equal pairs: the lexicographically smallest sorted ID list.
	p = mustAlloc(t, []Item{it("d", 5), it("c", 5), it("b", 3), it("a", 2)}, 7, "", Options{})
	if got := strings.Join(spendIDs(p), ","); got != "a,c" {
		t.Errorf("equal pairs: got %s", got)
	}
	// {a,d} and {b,c} both pay 9 exactly with two items: "a" < "b".
	p = mustAlloc(t, []Item{it("c", 5), it("b", 4), it("d", 7), it("a", 2)}, 9, "", Options{})
	if got := strings.Join(spendIDs(p), ","); got != "a,d" {
		t.Errorf("lexicographic: got %s", got)
	}
	// The residual stays on the largest chosen item.
	p = mustAlloc(t, []Item{it("a", 4), it("b", 9)}, 12, "", Options{})
	if p.Residual != 1 || p.Spends[0] != (Spend{"a", 4}) || p.Spends[1] != (Spend{"b", 8}) {
		t.Errorf("carrier: got %+v", p)
	}
}

func TestMerchantFiltering(t *testing.T) {
	pool := []Item{
		it("any", 10),
		it("cafe-only", 50, "cafe"),
		it("multi", 7, "books", "cafe"),
		it("books-only", 3, "books"),
		it("empty", 0),
	}
	p := mustAlloc(t, pool, 13, "books", Options{})
	if got := strings.Join(spendIDs(p), ","); got != "any,books-only" || p.Residual != 0 {
		t.Errorf("books: got %s %+v", got, p)
	}
	p = mustAlloc(t, pool, 13, "cafe", Options{})
	if got := strings.Join(spendIDs(p), ","); got != "any,multi" || p.Residual != 4 {
		t.Errorf("cafe: got %s %+v", got, p)
	}
	p = mustAlloc(t, pool, 55, "cafe", Options{})
	if got := strings.Join(spendIDs(p), ","); got != "cafe-only,multi" || p.Residual != 2 {
		t.Errorf("cafe 55: got %s %+v", got, p)
	}
	_, err := Allocate(pool, 11, "grocer", Options{})
	var se *ShortfallError
	if !errors.Is(err, ErrInsufficient) || !errors.As(err, &se) || se.Shortfall != 1 || se.Available != 10 || se.Amount != 11 {
		t.Errorf("grocer: got %v", err)
	}
}

func TestInsufficient(t *testing.T) {
	_, err := Allocate([]Item{it("a", 3), it("b", 4)}, 10, "", Options{})
	var se *ShortfallError
	if !errors.As(err, &se) || !errors.Is(err, ErrInsufficient) || se.Shortfall != 3 || se.Available != 7 {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "short 3") {
		t.Errorf("message %q", err)
	}
	if _, err := Allocate(nil, 1, "", Options{}); !errors.Is(err, ErrInsufficient) {
		t.Errorf("empty pool: %v", err)
	}
	if _, err := ExactReference([]Item{it("a", 3)}, 4, ""); !errors.Is(err, ErrInsufficient) {
		t.Errorf("reference: %v", err)
	}
}

func TestZeroAmount(t *testing.T) {
	p := mustAlloc(t, []Item{it("a", 3)}, 0, "", Options{})
	if len(p.Spends) != 0 || !p.Exact || p.Method != MethodZero {
		t.Errorf("got %+v", p)
	}
	p = mustAlloc(t, nil, 0, "", Options{})
	if len(p.Spends) != 0 {
		t.Errorf("got %+v", p)
	}
}

func TestItemLargerThanAmount(t *testing.T) {
	pool := []Item{it("big", 1000), it("s1", 30), it("s2", 40)}
	p := mustAlloc(t, pool, 50, "", Options{})
	if got := strings.Join(spendIDs(p), ","); got != "s1,s2" || p.Residual != 20 || !p.Exact {
		t.Errorf("50: got %s %+v", got, p)
	}
	p = mustAlloc(t, pool, 71, "", Options{})
	if got := strings.Join(spendIDs(p), ","); got != "big" || p.Residual != 929 || p.Method != MethodSingle {
		t.Errorf("71: got %s %+v", got, p)
	}
	// Small items reaching the amount exactly beat the big one.
	p = mustAlloc(t, pool, 70, "", Options{})
	if got := strings.Join(spendIDs(p), ","); got != "s1,s2" || p.Residual != 0 || p.Method != MethodAll {
		t.Errorf("70: got %s %+v", got, p)
	}
}

func TestAllEqualBalances(t *testing.T) {
	for _, n := range []int{5, 30, 100, 5000} {
		var pool []Item
		for i := range n {
			pool = append(pool, it("i"+strconv.Itoa(1000+i), 7))
		}
		for _, amount := range []uint64{1, 7, 8, 50, 7 * uint64(n) / 2, 7*uint64(n) - 1} {
			if amount > 7*uint64(n) {
				continue
			}
			p := mustAlloc(t, pool, amount, "", Options{})
			want := (7 - amount%7) % 7
			cnt := (amount + 6) / 7
			if p.Residual != want || uint64(len(p.Spends)) != cnt || !p.Exact {
				t.Errorf("n=%d amount=%d: residual %d items %d exact %v (%s), want %d, %d", n, amount, p.Residual, len(p.Spends), p.Exact, p.Method, want, cnt)
			}
			if strings.HasPrefix(p.Method, "exact-") && p.Spends[0].ID != "i1000" {
				t.Errorf("n=%d amount=%d: not the smallest IDs: %v", n, amount, spendIDs(p)[:1])
			}
		}
	}
}

func TestHugeBalances(t *testing.T) {
	const M = math.MaxUint64
	cases := []struct {
		pool   []Item
		amount uint64
		res    uint64
	}{
		{[]Item{it("a", M), it("b", M-1), it("c", 5)}, M - 3, 2},
		{[]Item{it("a", M), it("b", M)}, M, 0},
		{[]Item{it("a", 1<<63), it("b", 1<<63), it("c", 1<<63-1)}, M, 0},
		{[]Item{it("a", 1<<63), it("b", 1<<63), it("c", 1<<63-1)}, M - 1, 1},
		{[]Item{it("a", 1<<63), it("b", 1<<63-5), it("c", 1<<62), it("d", 1<<62)}, M - 10, 6},
		{[]Item{it("a", M/3), it("b", M/3), it("c", M/3), it("d", 2)}, M - 1, 1},
	}
	for _, c := range cases {
		want, _, _ := brute(c.pool, c.amount, "")
		if want != c.res {
			t.Fatalf("brute force disagrees with the case: %d vs %d", want, c.res)
		}
		for _, force := range []string{"", "enum", "cover"} {
			p := mustAlloc(t, c.pool, c.amount, "", Options{force: force})
			if p.Residual != c.res || (force != "cover" && !p.Exact) || p.Residual-p.Bound > c.res {
				t.Errorf("force %q amount %d: got %+v, want residual %d", force, c.amount, p, c.res)
			}
		}
	}
	// The total overflows uint64: still no shortfall, and a sane plan.
	var pool []Item
	for i := range 40 {
		pool = append(pool, it("x"+strconv.Itoa(i), M/4+uint64(i)))
	}
	p := mustAlloc(t, pool, M-7, "", Options{})
	if len(p.Spends) != 4 {
		t.Errorf("overflowing pool: %+v", p)
	}
}

func TestDuplicateIDs(t *testing.T) {
	_, err := Allocate([]Item{it("a", 3), it("a", 4), it("b", 9)}, 5, "", Options{})
	if !errors.Is(err, ErrDuplicateID) {
		t.Errorf("got %v", err)
	}
	// Chosen items sharing an ID are refused on the cover path too.
	_, err = Allocate([]Item{it("a", 3), it("a", 4), it("b", 9)}, 7, "", Options{ExactLimit: -1})
	if !errors.Is(err, ErrDuplicateID) {
		t.Errorf("cover: got %v", err)
	}
}

// A clock that has always run out: the exact searches give up, the cover
// path still answers with a valid plan.
func TestDeadline(t *testing.T) {
	var tick time.Duration
	clock := func() time.Time { tick += time.Hour; return time.Unix(0, 0).Add(tick) }
	var pool []Item
	for i := range 200 {
		pool = append(pool, it("p"+strconv.Itoa(i), uint64(1000+7*i)))
	}
	for _, force := range []string{"enum", "mitm", "dp", ""} {
		p := mustAlloc(t, pool[:24], 5003, "", Options{Now: clock, force: force})
		if strings.HasPrefix(p.Method, "exact-") && p.Method != MethodSingle {
			t.Errorf("force %q: exact search should have been cut off, got %s", force, p.Method)
		}
	}
	p := mustAlloc(t, pool, 123457, "", Options{Now: clock, ExactLimit: -1})
	opt, err := ExactReference(pool, 123457, "")
	if err != nil || p.Residual-p.Bound > opt {
		t.Errorf("bound violated: %+v opt %d %v", p, opt, err)
	}
}

func TestExactReference(t *testing.T) {
	pool := []Item{it("a", 5), it("b", 3), it("c", 2), it("big", 100), it("r", 1, "m")}
	for amount, want := range map[uint64]uint64{1: 1, 4: 1, 6: 1, 9: 1, 10: 0, 11: 89, 99: 1, 100: 0, 101: 1} {
		got, err := ExactReference(pool, amount, "")
		if err != nil || got != want {
			t.Errorf("amount %d: got %d, %v, want %d", amount, got, err, want)
		}
	}
	if got, _ := ExactReference(pool, 11, "m"); got != 0 {
		t.Errorf("merchant m: got %d", got)
	}
	if _, err := ExactReference([]Item{it("a", 1<<40), it("b", 1<<40)}, 1<<41-1, ""); !errors.Is(err, ErrReferenceTooLarge) {
		t.Errorf("too large: %v", err)
	}
}

// sortDesc agrees with a stable comparison sort, on both of its paths.
func TestSortDesc(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{0, 1, 2, 63, 64, 65, 1000, 1001} {
		for _, maxB := range []uint64{3, 300, 1 << 39, math.MaxUint64} {
			bal := make([]uint64, n)
			idx := make([]int32, n)
			for i := range bal {
				bal[i] = rng.Uint64N(maxB) + 1
				if maxB == math.MaxUint64 {
					bal[i] = rng.Uint64() >> rng.IntN(64)
				}
				idx[i] = int32(i)
			}
			type kv struct {
				b uint64
				i int32
			}
			want := make([]kv, n)
			for i := range want {
				want[i] = kv{bal[i], idx[i]}
			}
			slices.SortStableFunc(want, func(x, y kv) int {
				if x.b != y.b {
					if x.b > y.b {
						return -1
					}
					return 1
				}
				return 0
			})
			a, ix := sortDesc(bal, idx, make([]uint64, n), make([]int32, n))
			for i := range want {
				if a[i] != want[i].b || ix[i] != want[i].i {
					t.Fatalf("n=%d maxB=%d: at %d got (%d,%d), want %v", n, maxB, i, a[i], ix[i], want[i])
				}
			}
		}
	}
}
