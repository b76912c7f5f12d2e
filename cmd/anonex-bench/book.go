package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node"
)

// benchPrune compares ingest latency (p99 of 64-transaction chunks through
// the pipelined path) while the book's pruning passes sweep 100,000 open
// offers — a pass every 100 ms, ten times the node's cadence — with the
// same ingest on an idle book.
func benchPrune(offers int) error {
	dom := ledger.NewDomain(1337, benchAnchor)
	const perMaker = 64
	makers := (offers + perMaker - 1) / perMaker
	nd, closeNode, err := newBenchNode(40000)
	if err != nil {
		return err
	}
	defer closeNode()
	fmt.Fprintf(os.Stderr, "  %d makers issue an asset each and sign %d offers…\n", makers, offers)
	// A common asset every offer wants, and one asset of its own per maker.
	common := keyAt(900_000)
	ci := &ledger.IssueAsset{Issuer: common.Address(), Symbol: "COMMON", Decimals: 2, Nonce: 0}
	ci.Supply.SetAllOne()
	want := dom.Digest(ci.StructHash())
	ps := []ledger.Payload{ci}
	signers := []*account.Key{common}
	mk := make([]*account.Key, makers)
	gives := make([]ledger.Hash, makers)
	for i := range mk {
		mk[i] = keyAt(1_000_000 + i)
		a := &ledger.IssueAsset{Issuer: mk[i].Address(), Symbol: "M", Decimals: 2, Nonce: 0}
		a.Supply.SetUint64(1 << 40)
		gives[i] = dom.Digest(a.StructHash())
		ps, signers = append(ps, a), append(signers, mk[i])
	}
	setup, _, _ := signAll(dom, ps, signers)
	if err := ingestAll(nd, setup, benchChunk); err != nil {
		return err
	}
	sos := make([]*ledger.SignedOffer, offers)
	parallelDo(offers, func(i int) {
		m := i / perMaker
		o := ledger.Offer{Maker: mk[m].Address(), Give: gives[m], Want: want, Partial: true, Expiry: 1 << 40}
		o.GiveAmount.SetUint64(1000)
		o.WantAmount.SetUint64(uint64(1000 + i%perMaker))
		o.Salt[0], o.Salt[1], o.Salt[2], o.Salt[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
		sig, err := mk[m].Sign(dom.Digest(o.StructHash()))
		if err != nil {
			panic(err)
		}
		sos[i] = &ledger.SignedOffer{Offer: o, Sig: ledger.Sig(sig)}
	})
	for i, so := range sos {
		if _, err := nd.Offers().AddOffer(context.Background(), so); err != nil {
			return fmt.Errorf("offer %d: %w", i, err)
		}
	}
	start := time.Now()
	nd.Offers().PruneBook()
	pass := time.Since(start)

	p := newPopulation(dom, 2000, 40000)
	if err := ingestAll(nd, p.setup, benchChunk); err != nil {
		return err
	}
	half := len(p.traffic) / 2
	idle, err := chunkLatencies(nd, p.traffic[:half])
	if err != nil {
		return err
	}
	var stop atomic.Bool
	done := make(chan int)
	go func() {
		passes := 0
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for !stop.Load() {
			nd.Offers().PruneBook()
			passes++
			<-t.C
		}
		done <- passes
	}()
	busy, err := chunkLatencies(nd, p.traffic[half:])
	stop.Store(true)
	passes := <-done
	if err != nil {
		return err
	}
	pi, pb := percentile(idle, 0.99), percentile(busy, 0.99)
	ratio := pb.Seconds() / pi.Seconds()
	report(row{name: fmt.Sprintf("ingest p99 (64-tx chunks) while the book of %d offers is pruned every 100 ms (%d passes, %s each)", offers, passes, ms(pass)),
		value: ms(pb), ref: "the same ingest, book idle", refValue: ms(pi), ratio: fmt.Sprintf("%.2f", ratio), goal: "<= 2", verdict: met(ratio <= 2)})
	return nil
}

// chunkLatencies ingests raws in chunks of 64, one at a time, and returns
// each chunk's latency (to durable).
func chunkLatencies(nd *node.Node, raws [][]byte) ([]time.Duration, error) {
	var out []time.Duration
	for lo := 0; lo < len(raws); lo += 64 {
		chunk := raws[lo:min(lo+64, len(raws))]
		start := time.Now()
		for i, err := range nd.IngestRaw(chunk) {
			if err != nil {
				return nil, fmt.Errorf("tx %d: %w", lo+i, err)
			}
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

// benchRebuild compares ingest latency (p99 of 64-transaction chunks)
// while the pending view of resident pending transfers is rebuilt over a
// new settled state every 100 ms — what a fold that is not a prefix of the
// view (another settler's batch) makes the pool do — with the same ingest
// while nothing is rebuilt. The rebuild runs off the pool's lock; before
// it did not, and every chunk that met one waited for all of it.
func benchRebuild(resident int) error {
	dom := ledger.NewDomain(1337, benchAnchor)
	const measured, adds = 20000, 5000
	total := resident + 2*measured + 2*adds
	nd, closeNode, err := newBenchNode(total)
	if err != nil {
		return err
	}
	defer closeNode()
	fmt.Fprintf(os.Stderr, "  signing %d transfers…\n", total)
	p := newPopulation(dom, 2000, total)
	if err := ingestAll(nd, p.setup, benchChunk); err != nil {
		return err
	}
	if err := ingestAll(nd, p.traffic[:resident], benchChunk); err != nil {
		return err
	}
	rebuild := func() (time.Duration, error) {
		snap, err := nd.Store().Snapshot()
		if err != nil {
			return 0, err
		}
		start := time.Now()
		if dropped := nd.Pool().Advance(snap, nil); len(dropped) > 0 {
			return 0, fmt.Errorf("a rebuild dropped %d pending transactions", len(dropped))
		}
		return time.Since(start), nil
	}
	one, err := rebuild()
	if err != nil {
		return err
	}
	// Single admissions to the pool, one every 200 µs, each timed: what
	// waits on the pool's lock shows here, apart from the CPU the rebuild
	// takes from the ingest's verification.
	vs := make([]*ledger.Verified, 2*adds)
	lo := resident + 2*measured
	var verr error
	parallelDo(len(vs), func(i int) {
		tx, err := ledger.DecodeTx(p.traffic[lo+i])
		if err == nil {
			vs[i], err = ledger.Verify(tx, dom, node.Secp256k1{})
		}
		if err != nil {
			verr = err
		}
	})
	if verr != nil {
		return verr
	}
	addLatencies := func(vs []*ledger.Verified, raws [][]byte) ([]time.Duration, error) {
		out := make([]time.Duration, len(vs))
		for i, v := range vs {
			start := time.Now()
			if _, err := nd.Pool().Add(v, raws[i], start); err != nil {
				return nil, fmt.Errorf("add %d: %w", i, err)
			}
			out[i] = time.Since(start)
			time.Sleep(200 * time.Microsecond)
		}
		return out, nil
	}
	var stop atomic.Bool
	passes := 0
	busyWhile := func(measure func() error) error {
		stop.Store(false)
		done := make(chan error, 1)
		go func() {
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for !stop.Load() {
				if _, err := rebuild(); err != nil {
					done <- err
					return
				}
				passes++
				<-t.C
			}
			done <- nil
		}()
		err := measure()
		stop.Store(true)
		return errors.Join(err, <-done)
	}

	idle, err := chunkLatencies(nd, p.traffic[resident:resident+measured])
	if err != nil {
		return err
	}
	var busy []time.Duration
	if err := busyWhile(func() (err error) { busy, err = chunkLatencies(nd, p.traffic[resident+measured:lo]); return err }); err != nil {
		return err
	}
	chunkPasses := passes
	addIdle, err := addLatencies(vs[:adds], p.traffic[lo:lo+adds])
	if err != nil {
		return err
	}
	var addBusy []time.Duration
	if err := busyWhile(func() (err error) { addBusy, err = addLatencies(vs[adds:], p.traffic[lo+adds:]); return err }); err != nil {
		return err
	}

	pi, pb := percentile(idle, 0.99), percentile(busy, 0.99)
	ratio := pb.Seconds() / pi.Seconds()
	report(row{name: fmt.Sprintf("ingest p99 (64-tx chunks) while the pending view of %d transfers is rebuilt every 100 ms (%d passes, %s each; the rebuild takes one of the cores)", resident, chunkPasses, ms(one)),
		value: ms(pb), ref: "the same ingest, no rebuild", refValue: ms(pi), ratio: fmt.Sprintf("%.2f", ratio), goal: "<= 2", verdict: met(ratio <= 2)})
	ai, ab := percentile(addIdle, 0.99), percentile(addBusy, 0.99)
	ratio = ab.Seconds() / ai.Seconds()
	report(row{name: fmt.Sprintf("pool admission p99 (one transfer) while the view is rebuilt every 100 ms (%d passes; max %s)", passes-chunkPasses, ms(slices.Max(addBusy))),
		value: ms(ab), ref: "the same admissions, no rebuild", refValue: ms(ai), ratio: fmt.Sprintf("%.2f", ratio), goal: "<= 2", verdict: met(ratio <= 2)})
	return nil
}
