package main

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/holiman/uint256"
)

// population is a set of funded device accounts and their signed traffic.
type population struct {
	dom     ledger.Domain
	issuer  *account.Key
	keys    []*account.Key
	asset   ledger.Hash
	setup   [][]byte // issue + funding, in order
	traffic [][]byte // the measured transfers
	digests []ledger.Hash
	sigs    []ledger.Sig
}

func keyAt(i int) *account.Key {
	var seed [32]byte
	binary.BigEndian.PutUint64(seed[24:], uint64(i)+1)
	h := ledger.Keccak256(seed[:])
	k, err := account.FromBytes(h[:])
	if err != nil {
		panic(err)
	}
	return k
}

func signAll(dom ledger.Domain, ps []ledger.Payload, keys []*account.Key) ([][]byte, []ledger.Hash, []ledger.Sig) {
	raws := make([][]byte, len(ps))
	ds := make([]ledger.Hash, len(ps))
	ss := make([]ledger.Sig, len(ps))
	parallelDo(len(ps), func(i int) {
		d := dom.Digest(ps[i].StructHash())
		sig, err := keys[i].Sign(d)
		if err != nil {
			panic(err)
		}
		tx := &ledger.Tx{Payload: ps[i], Sig: ledger.Sig(sig)}
		raws[i], ds[i], ss[i] = tx.Encode(), d, tx.Sig
	})
	return raws, ds, ss
}

func parallelDo(n int, fn func(int)) {
	var wg sync.WaitGroup
	w := runtime.GOMAXPROCS(0)
	for g := 0; g < w; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += w {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// newPopulation makes accounts funded by one issuer and n transfers among
// them, every account sending in nonce order.
func newPopulation(dom ledger.Domain, accounts, n int) *population {
	p := &population{dom: dom, issuer: keyAt(0)}
	for i := 1; i <= accounts; i++ {
		p.keys = append(p.keys, keyAt(i))
	}
	issue := &ledger.IssueAsset{Issuer: p.issuer.Address(), Symbol: "BENCH", Decimals: 2, Nonce: 0}
	issue.Supply.SetAllOne()
	p.asset = dom.Digest(issue.StructHash())
	ps := []ledger.Payload{issue}
	signers := []*account.Key{p.issuer}
	for i, k := range p.keys {
		t := &ledger.Transfer{From: p.issuer.Address(), To: k.Address(), Asset: p.asset, Nonce: uint64(i + 1)}
		t.Amount = *uint256.NewInt(1_000_000_000)
		ps, signers = append(ps, t), append(signers, p.issuer)
	}
	p.setup, _, _ = signAll(dom, ps, signers)
	rng := rand.New(rand.NewPCG(1, 2))
	nonces := make([]uint64, accounts)
	ps, signers = nil, nil
	for i := 0; i < n; i++ {
		from := i % accounts
		to := (from + 1 + rng.IntN(accounts-1)) % accounts
		t := &ledger.Transfer{From: p.keys[from].Address(), To: p.keys[to].Address(), Asset: p.asset, Nonce: nonces[from]}
		t.Amount = *uint256.NewInt(uint64(1 + rng.IntN(1000)))
		nonces[from]++
		ps, signers = append(ps, t), append(signers, p.keys[from])
	}
	p.traffic, p.digests, p.sigs = signAll(dom, ps, signers)
	return p
}

// recoveryRate recovers every signature once on all cores with the
// fastest binding here (go-ethereum's libsecp256k1).
func recoveryRate(p *population) float64 {
	start := time.Now()
	parallelDo(len(p.digests), func(i int) {
		s := p.sigs[i]
		s[64] -= 27
		if _, err := crypto.Ecrecover(p.digests[i][:], s[:]); err != nil {
			panic(err)
		}
	})
	return float64(len(p.digests)) / time.Since(start).Seconds()
}

// newBenchNode opens a node on a fresh on-disk store (real fsyncs) without
// starting its network: ingest and fold need only the store and the pool.
func newBenchNode(n int) (*node.Node, func(), error) {
	dir, err := os.MkdirTemp("", "anonex-bench-")
	if err != nil {
		return nil, nil, err
	}
	nd, err := node.New(node.Config{DataDir: dir, ChainID: 1337, Anchor: benchAnchor, EthRPC: "http://127.0.0.1:1", MaxPending: 10 * n})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return nd, func() { nd.Close(); os.RemoveAll(dir) }, nil
}

var benchAnchor = ledger.Address{0xa1}

func benchIngestFold(n int, fold bool) error {
	dom := ledger.NewDomain(1337, benchAnchor)
	accounts := min(4000, max(100, n/10))
	fmt.Fprintf(os.Stderr, "  signing %d transfers among %d accounts…\n", n, accounts)
	p := newPopulation(dom, accounts, n)

	// Three rounds, each a recovery reference then an ingest into a fresh
	// store: the machine's speed drifts, so compare medians.
	var refs, rates []float64
	var nd *node.Node
	var closeNode func()
	for round := 0; round < 3; round++ {
		refs = append(refs, recoveryRate(p))
		var err error
		if closeNode != nil {
			closeNode()
		}
		if nd, closeNode, err = newBenchNode(n); err != nil {
			return err
		}
		if err := ingestAll(nd, p.setup, benchChunk); err != nil {
			return err
		}
		start := time.Now()
		if err := ingestAll(nd, p.traffic, benchChunk); err != nil {
			return err
		}
		rates = append(rates, float64(len(p.traffic))/time.Since(start).Seconds())
	}
	defer closeNode()
	ingest, ref := median(rates), median(refs)
	report(row{name: "ledger ingest (decode+recover+validate+apply+synced commit), median of 3", value: fmt.Sprintf("%.0f tx/s", ingest),
		ref: fmt.Sprintf("raw secp256k1 recovery, %d cores, median of 3", runtime.GOMAXPROCS(0)), refValue: fmt.Sprintf("%.0f /s", ref),
		ratio: fmt.Sprintf("%.2f", ingest/ref), goal: ">= 0.85", verdict: met(ingest/ref >= 0.85)})
	if err := benchFills(n, ingest); err != nil {
		return err
	}
	if !fold {
		return nil
	}
	// Settled fold: the pending txs go through batches of 1,000 into the
	// settled state with roots, as the follower folds them (recoveries
	// reused from the pool, as on a node that saw the txs).
	total := len(p.setup) + len(p.traffic)
	folded, seq := 0, uint64(0)
	start := time.Now()
	for folded < total {
		cands := nd.Pool().Candidates(1000, seq, time.Now(), time.Hour)
		if len(cands) == 0 {
			return fmt.Errorf("fold: %d of %d txs folded, none left in the pool", folded, total)
		}
		b := ledger.NewBatchBuilder(nd.Store().State())
		for _, e := range cands {
			if !b.Add(e.Tx()) {
				break
			}
		}
		if err := nd.FoldBatch(chain.Event{Batch: &chain.Batch{Seq: seq, Data: b.Bytes()}}, uint64(seq)); err != nil {
			return err
		}
		folded += b.Len()
		seq++
	}
	rate := float64(folded) / time.Since(start).Seconds()
	report(row{name: "settled fold (batches of 1,000 through Apply, roots, synced commit)", value: fmt.Sprintf("%.0f tx/s", rate),
		ref: "ledger ingest, same run", refValue: fmt.Sprintf("%.0f tx/s", ingest), ratio: fmt.Sprintf("%.2f", rate/ingest)})
	return nil
}

// ingestAll ingests raws through the pipelined path in chunks of size and
// reports the first error.
func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func ingestAll(nd *node.Node, raws [][]byte, size int) error {
	var chunks [][][]byte
	for lo := 0; lo < len(raws); lo += size {
		chunks = append(chunks, raws[lo:min(lo+size, len(raws))])
	}
	for c, errs := range nd.IngestStream(chunks) {
		for i, err := range errs {
			if err != nil {
				return fmt.Errorf("tx %d: %w", c*size+i, err)
			}
		}
	}
	return nil
}

// benchChunk is how many transactions the benchmark hands the ingest
// pipeline at a time, as a busy gossip or API front end would.
var benchChunk = 1024

// fillPopulation is makers with standing partial offers and takers filling
// them in small pieces, every taker in nonce order.
func fillPopulation(dom ledger.Domain, accounts, n int) (setup [][]byte, offers []*ledger.SignedOffer, traffic [][]byte) {
	issuer := keyAt(0)
	var ps []ledger.Payload
	var signers []*account.Key
	nonce := uint64(0)
	issue := func(sym string) ledger.Hash {
		a := &ledger.IssueAsset{Issuer: issuer.Address(), Symbol: sym, Decimals: 0, Nonce: nonce}
		a.Supply.SetAllOne()
		nonce++
		ps, signers = append(ps, a), append(signers, issuer)
		return dom.Digest(a.StructHash())
	}
	give, want := issue("GIVE"), issue("WANT")
	makers := make([]*account.Key, 10)
	for i := range makers {
		makers[i] = keyAt(500_000 + i)
	}
	takers := make([]*account.Key, accounts)
	for i := range takers {
		takers[i] = keyAt(600_000 + i)
	}
	fund := func(to ledger.Address, asset ledger.Hash) {
		t := &ledger.Transfer{From: issuer.Address(), To: to, Asset: asset, Nonce: nonce}
		t.Amount.SetUint64(1 << 40)
		nonce++
		ps, signers = append(ps, t), append(signers, issuer)
	}
	for _, m := range makers {
		fund(m.Address(), give)
	}
	for _, t := range takers {
		fund(t.Address(), want)
	}
	setup, _, _ = signAll(dom, ps, signers)
	for i, m := range makers {
		o := ledger.Offer{Maker: m.Address(), Give: give, Want: want, Partial: true, Expiry: 1 << 62, Salt: ledger.Hash{byte(i)}}
		o.GiveAmount.SetUint64(1 << 39)
		o.WantAmount.SetUint64(3 << 38)
		sig, err := m.Sign(dom.Digest(o.StructHash()))
		if err != nil {
			panic(err)
		}
		offers = append(offers, &ledger.SignedOffer{Offer: o, Sig: ledger.Sig(sig)})
	}
	ps, signers = nil, nil
	nonces := make([]uint64, accounts)
	for i := 0; i < n; i++ {
		ti := i % accounts
		f := &ledger.Fill{Taker: takers[ti].Address(), Offer: *offers[i%len(offers)], Nonce: nonces[ti]}
		f.Take.SetUint64(uint64(1 + i%97))
		nonces[ti]++
		ps, signers = append(ps, f), append(signers, takers[ti])
	}
	traffic, _, _ = signAll(dom, ps, signers)
	return setup, offers, traffic
}

// benchFills compares the ingest rate of fills with that of transfers on
// the same pipeline (every fill recovers its taker's signature; the
// offer's is recovered once per offer and then found in the cache).
func benchFills(n int, transferRate float64) error {
	dom := ledger.NewDomain(1337, benchAnchor)
	accounts := min(4000, max(100, n/10))
	setup, _, traffic := fillPopulation(dom, accounts, n)
	var rates []float64
	for round := 0; round < 3; round++ {
		nd, closeNode, err := newBenchNode(n)
		if err != nil {
			return err
		}
		if err := ingestAll(nd, setup, benchChunk); err != nil {
			closeNode()
			return err
		}
		start := time.Now()
		if err := ingestAll(nd, traffic, benchChunk); err != nil {
			closeNode()
			return err
		}
		rates = append(rates, float64(len(traffic))/time.Since(start).Seconds())
		closeNode()
	}
	fill := median(rates)
	report(row{name: "fill ingest (both legs, offer checked), median of 3", value: fmt.Sprintf("%.0f fills/s", fill),
		ref: "transfer ingest, same run", refValue: fmt.Sprintf("%.0f tx/s", transferRate),
		ratio: fmt.Sprintf("%.2f", fill/transferRate), goal: ">= 0.8", verdict: met(fill/transferRate >= 0.8)})
	return nil
}
