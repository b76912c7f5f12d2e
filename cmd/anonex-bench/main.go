// Command anonex-bench measures anonex and prints each figure beside a
// reference measured in the same run, with the ratio and the goal.
//
//	go run ./cmd/anonex-bench [-n 40000] [-only ingest,fold,gas,devnet,latency,recovery,flood]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"time"
)

type row struct {
	name, value, ref, refValue, ratio, goal, verdict string
}

var rows []row

func report(r row) {
	rows = append(rows, r)
	fmt.Fprintf(os.Stderr, "  %s: %s (ref %s: %s) %s\n", r.name, r.value, r.ref, r.refValue, r.ratio)
}

func main() {
	n := flag.Int("n", 40000, "transactions for the ingest and fold runs")
	only := flag.String("only", "", "comma-separated sections to run (ingest,fold,alloc,gas,bridge,devnet,latency,cards,recovery,prune,rebuild,flood)")
	behind := flag.Int("behind", 10000, "transactions a restarted node is behind in the recovery section")
	flag.IntVar(&benchChunk, "chunk", benchChunk, "transactions per ingest chunk")
	flag.IntVar(&floodHonestRate, "flood-rate", floodHonestRate, "honest transfers a second in the flood section (the flood is ten times as many)")
	flag.IntVar(&floodSeconds, "flood-seconds", floodSeconds, "seconds each flood run lasts")
	prof := flag.String("cpuprofile", "", "write a CPU profile to `FILE`")
	memprof := flag.String("memprofile", "", "write an allocation profile to `FILE` at the end")
	flag.Parse()
	if *memprof != "" {
		defer func() {
			f, err := os.Create(*memprof)
			if err == nil {
				pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	want := func(s string) bool { return *only == "" || strings.Contains(*only, s) }
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	if want("ingest") || want("fold") {
		step("ingest and fold", func() error { return benchIngestFold(*n, want("fold")) })
	}
	if want("alloc") {
		step("stored-value allocator", benchAlloc)
	}
	if want("gas") {
		step("gas per settled transfer", func() error { return benchGas(ctx) })
	}
	if want("bridge") {
		step("bridge gas", func() error { return benchBridge(ctx) })
	}
	if want("devnet") {
		step("devnet start", func() error { return benchDevnet(ctx) })
	}
	if want("latency") {
		step("latency", func() error { return benchLatency(ctx) })
	}
	if want("prune") {
		step("ingest while the book prunes", func() error { return benchPrune(100000) })
	}
	if want("rebuild") {
		step("ingest while the pending view is rebuilt", func() error { return benchRebuild(60000) })
	}
	if want("recovery") {
		step("recovery: catch-up and reorg", func() error { return benchRecovery(ctx, *behind) })
	}
	if want("flood") {
		step("honest gossip under a flood", func() error { return benchFlood(ctx) })
	}
	if want("cards") {
		step("cards through pcscd", func() error { return benchCards(ctx) })
	}
	printTable()
}

func step(what string, fn func() error) {
	fmt.Fprintf(os.Stderr, "== %s\n", what)
	if err := fn(); err != nil {
		fmt.Fprintf(os.Stderr, "   %s failed: %v\n", what, err)
		rows = append(rows, row{name: what, value: "FAILED: " + err.Error()})
	}
}

func printTable() {
	w := []int{0, 0, 0, 0, 0, 0, 0}
	cells := func(r row) []string { return []string{r.name, r.value, r.ref, r.refValue, r.ratio, r.goal, r.verdict} }
	head := row{"figure", "value", "reference", "ref value", "ratio", "goal", "met"}
	for _, r := range append([]row{head}, rows...) {
		for i, c := range cells(r) {
			w[i] = max(w[i], len(c))
		}
	}
	fmt.Println()
	for j, r := range append([]row{head}, rows...) {
		var b strings.Builder
		for i, c := range cells(r) {
			fmt.Fprintf(&b, "%-*s  ", w[i], c)
		}
		fmt.Println(strings.TrimRight(b.String(), " "))
		if j == 0 {
			fmt.Println(strings.Repeat("-", sum(w)+2*len(w)))
		}
	}
}

func sum(xs []int) (s int) {
	for _, x := range xs {
		s += x
	}
	return s
}

func met(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p * float64(len(s)-1))
	return s[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
