package alloc

import (
	"maps"
	"math/rand/v2"
	"testing"
)

// Bench is deterministic given its seed, except for the latencies.
func TestBenchDeterministic(t *testing.T) {
	a, b := Bench(2000, 25, 7), Bench(2000, 25, 7)
	if a.Compared != b.Compared || a.Optimal != b.Optimal || a.ExactShare != b.ExactShare ||
		a.MeanItems != b.MeanItems || a.Insufficient != b.Insufficient || !maps.Equal(a.Methods, b.Methods) {
		t.Fatalf("not deterministic:\n%v %v\n%v %v", a, a.Methods, b, b.Methods)
	}
	if a.Compared != 25 || a.OptimalShare < 0.99 || a.P99 < a.P50 || a.Max < a.P99 {
		t.Fatalf("unexpected: %v", a)
	}
	t.Log(a)
}

func TestRank(t *testing.T) {
	for _, c := range []struct {
		n    int
		q    float64
		want int
	}{{500, 0.5, 249}, {500, 0.99, 494}, {1, 0.99, 0}, {100, 0.99, 98}} {
		if got := rank(c.n, c.q); got != c.want {
			t.Errorf("rank(%d, %v) = %d, want %d", c.n, c.q, got, c.want)
		}
	}
}

// BenchmarkAllocate10000 times Allocate on pools of the benchmark
// distribution (go test -bench Allocate).
func BenchmarkAllocate10000(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	type inst struct {
		items    []Item
		amount   uint64
		merchant string
	}
	var insts []inst
	for range 16 {
		items, amount, merchant := RandomPool(rng, 10000)
		insts = append(insts, inst{items, amount, merchant})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x := insts[i%len(insts)]
		if _, err := Allocate(x.items, x.amount, x.merchant, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// errorer reports checkPlan's failures from other goroutines than the
// test's, where Fatalf must not be called.
type errorer struct{ t *testing.T }

func (e errorer) Helper()                        { e.t.Helper() }
func (e errorer) Fatalf(format string, a ...any) { e.t.Errorf(format, a...) }

// Concurrent calls share nothing but the pooled buffers (run with -race).
func TestConcurrent(t *testing.T) {
	done := make(chan Plan)
	for g := range 4 {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(g), 5))
			var last Plan
			for range 40 {
				kind := largeKinds[rng.IntN(len(largeKinds))]
				items, amount, merchant := largePool(rng, kind, 20+rng.IntN(400))
				p, err := Allocate(items, amount, merchant, Options{Now: frozen})
				if err == nil {
					checkPlan(errorer{t}, items, amount, merchant, p)
					last = p
				}
			}
			done <- last
		}()
	}
	for range 4 {
		<-done
	}
}
