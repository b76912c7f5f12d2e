package alloc

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// BenchResult is what Bench measured.
type BenchResult struct {
	N, Trials int
	Seed      uint64

	P50, P99, Max time.Duration // latency of Allocate (default Options)

	Compared     int     // trials ExactReference could judge
	Optimal      int     // of those, Allocate's residual equalled the optimum (or both reported a shortfall)
	OptimalShare float64 // Optimal / Compared
	ExactShare   float64 // share of successful plans with Exact set
	Insufficient int     // trials whose amount exceeded the eligible total
	MeanItems    float64 // mean number of items per successful plan
	Methods      map[string]int
}

// String formats the result on one line.
func (r BenchResult) String() string {
	return "alloc bench: n=" + strconv.Itoa(r.N) + " trials=" + strconv.Itoa(r.Trials) +
		" seed=" + strconv.FormatUint(r.Seed, 10) +
		" p50=" + r.P50.String() + " p99=" + r.P99.String() + " max=" + r.Max.String() +
		" optimal=" + strconv.Itoa(r.Optimal) + "/" + strconv.Itoa(r.Compared) +
		" (" + strconv.FormatFloat(100*r.OptimalShare, 'f', 2, 64) + "%)" +
		" exact=" + strconv.FormatFloat(100*r.ExactShare, 'f', 2, 64) + "%" +
		" items/plan=" + strconv.FormatFloat(r.MeanItems, 'f', 2, 64) +
		" insufficient=" + strconv.Itoa(r.Insufficient)
}

// Benchmark distribution, chosen to resemble a real stored-value pool:
const (
	BenchMaxBalance = 50_000  // balances are log-uniform on 1 … 50,000 minor units (median ≈ 224)
	BenchMaxAmount  = 200_000 // amounts are uniform on 1 … 200,000
	BenchMerchants  = 20      // merchants "m00" … "m19"; the payment's is uniform among them
	BenchRestricted = 0.30    // share of items accepted only by 1–3 distinct merchants
)

// RandomPool draws n items and a payment (amount, merchant) from the
// benchmark distribution (see the Bench* constants): balances log-uniform
// on 1…BenchMaxBalance (floor(50001^u), so many small ones), 30% of items
// restricted to 1–3 distinct merchants out of 20, the merchant uniform and
// the amount uniform on 1…BenchMaxAmount. IDs are "sv00000"… in order.
func RandomPool(rng *rand.Rand, n int) (items []Item, amount uint64, merchant string) {
	var g poolGen
	return g.draw(rng, n)
}

// poolGen draws RandomPool's pools, reusing its buffers from one draw to
// the next (so that Bench makes little garbage for the collector to
// disturb the timings with); a pool is valid until the next draw.
type poolGen struct {
	merchants []string
	ids       []string
	items     []Item
	sets      []string // backing store of the merchant sets, 3 per item
	perm      [BenchMerchants]int
}

func (g *poolGen) draw(rng *rand.Rand, n int) ([]Item, uint64, string) {
	if g.merchants == nil {
		g.merchants = make([]string, BenchMerchants)
		for j := range g.merchants {
			g.merchants[j] = "m" + strconv.Itoa(j/10) + strconv.Itoa(j%10)
		}
	}
	for i := len(g.ids); i < n; i++ {
		g.ids = append(g.ids, benchID(i))
	}
	if cap(g.items) < n {
		g.items = make([]Item, n)
		g.sets = make([]string, 3*n)
	}
	items := g.items[:n]
	lmax := math.Log(BenchMaxBalance + 1)
	for i := range items {
		b := uint64(math.Exp(rng.Float64() * lmax))
		b = min(max(b, 1), BenchMaxBalance)
		items[i] = Item{ID: g.ids[i], Balance: b}
		if rng.Float64() < BenchRestricted {
			// The first k of a partial Fisher–Yates shuffle of the merchants.
			k := 1 + rng.IntN(3)
			for j := range g.perm {
				g.perm[j] = j
			}
			set := g.sets[3*i : 3*i : 3*i+3]
			for j := range k {
				r := j + rng.IntN(BenchMerchants-j)
				g.perm[j], g.perm[r] = g.perm[r], g.perm[j]
				set = append(set, g.merchants[g.perm[j]])
			}
			items[i].Merchants = set
		}
	}
	return items, 1 + rng.Uint64N(BenchMaxAmount), g.merchants[rng.IntN(BenchMerchants)]
}

func benchID(i int) string {
	s := strconv.Itoa(i)
	for len(s) < 5 {
		s = "0" + s
	}
	return "sv" + s
}

// Bench runs Allocate (default Options) on trials random pools of n items
// drawn by RandomPool from a generator seeded with seed, and judges each
// answer with ExactReference. Everything but the latencies is a
// deterministic function of (n, trials, seed).
func Bench(n, trials int, seed uint64) BenchResult {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	res := BenchResult{N: n, Trials: trials, Seed: seed, Methods: map[string]int{}}
	lat := make([]time.Duration, 0, trials)
	var plans, exact, items int
	var gen poolGen
	var ref refBuffers
	for t := 0; t < trials; t++ {
		pool, amount, merchant := gen.draw(rng, n)
		if t == 0 { // warm up code and caches, untimed
			_, _ = Allocate(pool, amount, merchant, Options{})
		}
		start := time.Now()
		plan, err := Allocate(pool, amount, merchant, Options{})
		lat = append(lat, time.Since(start))

		opt, rerr := exactReference(pool, amount, merchant, &ref)
		switch {
		case errors.Is(err, ErrInsufficient):
			res.Insufficient++
			if errors.Is(rerr, ErrInsufficient) {
				res.Compared++
				res.Optimal++
			} else if rerr == nil {
				res.Compared++
			}
			continue
		case err != nil:
			if rerr == nil {
				res.Compared++
			}
			continue
		}
		plans++
		items += len(plan.Spends)
		res.Methods[plan.Method]++
		if plan.Exact {
			exact++
		}
		if rerr == nil {
			res.Compared++
			if plan.Residual == opt {
				res.Optimal++
			}
		}
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		res.P50 = lat[rank(len(lat), 0.50)]
		res.P99 = lat[rank(len(lat), 0.99)]
		res.Max = lat[len(lat)-1]
	}
	if res.Compared > 0 {
		res.OptimalShare = float64(res.Optimal) / float64(res.Compared)
	}
	if plans > 0 {
		res.ExactShare = float64(exact) / float64(plans)
		res.MeanItems = float64(items) / float64(plans)
	}
	return res
}

// rank is the nearest-rank index of quantile q among n sorted samples.
func rank(n int, q float64) int {
	return max(0, min(n-1, int(math.Ceil(q*float64(n)))-1))
}
