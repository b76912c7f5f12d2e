package main

import (
	"fmt"
	"os"
	"time"

	"github.com/anonex/anonex/exchange/alloc"
)

// benchAlloc measures the stored-value allocator on 10,000-item pools: its
// p99 latency against the 1 ms goal, and the share of instances where its
// residual equals the optimum that alloc.ExactReference (a plain bitset
// DP over every sum, given all the time it needs) finds. 10,000 items is
// far beyond the allocator's own exact path (256 items).
func benchAlloc() error {
	start := time.Now()
	r := alloc.Bench(10000, 500, 1)
	fmt.Fprintf(os.Stderr, "   %s (%.1f s)\n", r, time.Since(start).Seconds())
	fmt.Fprintf(os.Stderr, "   methods: %v\n", r.Methods)
	report(row{name: "allocator p99, 10,000 items", value: fmt.Sprintf("%.3f ms", float64(r.P99.Microseconds())/1000),
		ref: "goal", refValue: "1 ms", ratio: fmt.Sprintf("%.2f", float64(r.P99)/float64(time.Millisecond)),
		goal: "≤ 1 ms", verdict: met(r.P99 <= time.Millisecond)})
	report(row{name: "allocator optimal share", value: fmt.Sprintf("%d/%d", r.Optimal, r.Compared),
		ref: "optimum by exact reference DP", refValue: "no time limit", ratio: fmt.Sprintf("%.2f %%", 100*r.OptimalShare),
		goal: "≥ 99 %", verdict: met(r.OptimalShare >= 0.99)})
	return nil
}
