package main

import (
	"context"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node"
	"github.com/anonex/anonex/p2p"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/holiman/uint256"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Flood section settings: the honest peer publishes floodHonestRate
// transfers a second for floodSeconds; the hostile peer publishes ten
// times as many payloads in the same time.
var (
	floodHonestRate = 2000 // node.Config.SubmitRate's default
	floodSeconds    = 4
)

const floodFactor = 10

// floodRun is what one run measured.
type floodRun struct {
	name       string
	honest     int           // honest transfers published
	arrived    int           // of them, pending on the victim by the end
	throughput float64       // arrived / (last arrival - first publish), tx/s
	p50, p99   time.Duration // publish to pending on the victim
	flood      int           // hostile payloads published
	floodRate  float64       // of them, a second
	validated  uint64        // hostile payloads the victim validated (estimate: all validations less the honest ones)
	dropped    uint64        // hostile payloads dropped unvalidated (refusal budget spent)
	throttled  uint64        // payloads pubsub dropped for a full validation queue
}

// benchFlood measures honest throughput into a victim node's pending view
// over real libp2p gossip on 127.0.0.1: alone, then while a hostile peer
// publishes ten times as many payloads — a mix of invalid signatures,
// malformed bytes and valid signatures the victim refuses, then valid
// signatures only (the flood peer scoring alone does not stop). Each flood
// comes from a fresh peer. For reference, the valid-signature flood also
// hits a second victim whose refusal budgets never run out.
func benchFlood(ctx context.Context) error {
	ethKey := devchain.TestKey(0)
	ch, err := devchain.Start(devchain.Config{HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0",
		Alloc: devchain.Prefund(ethcrypto.PubkeyToAddress(ethKey.PublicKey))})
	if err != nil {
		return err
	}
	defer ch.Close()
	anchor, err := ch.DeployAnchor(ctx, ethKey)
	if err != nil {
		return err
	}
	dom := ledger.NewDomain(ch.ChainID().Uint64(), ledger.Address(anchor))

	// Accounts, funded on each victim alone (IngestRaw does not gossip):
	// the honest senders, an account whose nonce 0 the flood contests, an
	// account that used up its quota of transactions moving no value.
	honestAccts := floodHonestRate
	perRun := floodHonestRate * floodSeconds
	issuer, contested, quota := keyAt(300000), keyAt(300001), keyAt(300002)
	issue := &ledger.IssueAsset{Issuer: issuer.Address(), Symbol: "FLOOD", Decimals: 2, Nonce: 0}
	issue.Supply.SetAllOne()
	asset := dom.Digest(issue.StructHash())
	ps := []ledger.Payload{issue}
	signers := []*account.Key{issuer}
	keys := make([]*account.Key, honestAccts)
	parallelDo(honestAccts, func(j int) { keys[j] = keyAt(310000 + j) })
	for j := 0; j <= honestAccts; j++ {
		to := contested.Address()
		if j < honestAccts {
			to = keys[j].Address()
		}
		t := &ledger.Transfer{From: issuer.Address(), To: to, Asset: asset, Nonce: uint64(1 + j)}
		t.Amount = *uint256.NewInt(1_000_000_000)
		ps, signers = append(ps, t), append(signers, issuer)
	}
	ps, signers = append(ps, &ledger.Transfer{From: contested.Address(), To: issuer.Address(), Asset: asset,
		Amount: *uint256.NewInt(1), Nonce: 0}), append(signers, contested)
	for nonce := uint64(0); nonce < 8; nonce++ {
		ps = append(ps, &ledger.IssueAsset{Issuer: quota.Address(), Symbol: fmt.Sprintf("Q%d", nonce), Decimals: 2,
			Supply: *uint256.NewInt(1), Nonce: nonce})
		signers = append(signers, quota)
	}
	setup, _, _ := signAll(dom, ps, signers)

	// Honest traffic for three runs: account j sends its k-th transfer of
	// a run at (k·accounts + j)/rate, a second after its previous one, so
	// its nonces arrive in order.
	honestRuns := make([][][]byte, 3)
	honestIDs := make([][]ledger.Hash, 3)
	for r := range honestRuns {
		ps, signers = ps[:0], signers[:0]
		for i := 0; i < perRun; i++ {
			j := i % honestAccts
			ps = append(ps, &ledger.Transfer{From: keys[j].Address(), To: issuer.Address(), Asset: asset,
				Amount: *uint256.NewInt(1), Nonce: uint64(r*perRun/honestAccts + i/honestAccts)})
			signers = append(signers, keys[j])
		}
		honestRuns[r], honestIDs[r], _ = signAll(dom, ps, signers)
	}

	// Hostile payloads, each distinct (gossip drops identical ones) and
	// never sent twice to one victim.
	serial := 0
	valid := func(n int) []*ledger.Tx {
		ps, signers := make([]ledger.Payload, n), make([]*account.Key, n)
		for i := range ps {
			serial++
			switch serial % 3 {
			case 0: // from an empty account
				k := keyAt(400000 + serial%200)
				ps[i] = &ledger.Transfer{From: k.Address(), To: issuer.Address(), Asset: asset, Amount: *uint256.NewInt(uint64(serial)), Nonce: 0}
				signers[i] = k
			case 1: // beyond its account's quota of idle transactions
				ps[i] = &ledger.IssueAsset{Issuer: quota.Address(), Symbol: fmt.Sprintf("X%d", serial), Decimals: 2,
					Supply: *uint256.NewInt(1), Nonce: 8}
				signers[i] = quota
			default: // another transaction for a pooled nonce
				ps[i] = &ledger.Transfer{From: contested.Address(), To: issuer.Address(), Asset: asset,
					Amount: *uint256.NewInt(uint64(1 + serial)), Nonce: 0}
				signers[i] = contested
			}
		}
		txs := make([]*ledger.Tx, n)
		parallelDo(n, func(i int) {
			sig, err := signers[i].Sign(dom.Digest(ps[i].StructHash()))
			if err != nil {
				panic(err)
			}
			txs[i] = &ledger.Tx{Payload: ps[i], Sig: ledger.Sig(sig)}
		})
		return txs
	}
	floodN := floodFactor * perRun
	var mixed [][]byte
	rng := mrand.New(mrand.NewPCG(7, 7))
	txs := valid(floodN - (floodN+1)/3) // all but the malformed
	for i := 0; i < floodN; i++ {
		switch i % 3 {
		case 0: // a signature that is not the signer's
			tx := txs[len(txs)-1]
			txs = txs[:len(txs)-1]
			tx.Sig[64] ^= 27 ^ 28
			mixed = append(mixed, tx.Encode())
		case 1: // not a transaction
			junk := make([]byte, 160)
			for k := range junk {
				junk[k] = byte(rng.Uint32())
			}
			junk[0] = 0xff
			mixed = append(mixed, junk)
		default:
			tx := txs[len(txs)-1]
			txs = txs[:len(txs)-1]
			mixed = append(mixed, tx.Encode())
		}
	}
	var refused [][]byte
	for _, tx := range valid(floodN) {
		refused = append(refused, tx.Encode())
	}

	type run struct {
		name   string
		honest int // which honest traffic
		flood  [][]byte
	}
	var res []floodRun
	measure := func(cfg node.Config, runs []run) error {
		dir, err := os.MkdirTemp("", "anonex-bench-flood-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		// The victim settles nothing: what it holds pending stays, and the
		// pending view is what is measured.
		cfg.DataDir, cfg.EthRPC, cfg.Anchor = dir, ch.WSURL(), ledger.Address(anchor)
		victim, err := startNode(ctx, cfg)
		if err != nil {
			return err
		}
		defer victim.Close()
		for i, err := range victim.IngestRaw(setup) {
			if err != nil {
				return fmt.Errorf("setup tx %d: %w", i, err)
			}
		}
		// The honest peer: a bare libp2p host relaying transfers (it
		// accepts what it publishes), connected to the victim alone.
		honest, ht, err := floodHost(victim)
		if err != nil {
			return err
		}
		defer honest.Close()
		for _, r := range runs {
			fr, err := floodOnce(ctx, victim, ht, honestRuns[r.honest], honestIDs[r.honest], r.flood)
			if err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			fr.name = r.name
			res = append(res, fr)
			fmt.Fprintf(os.Stderr, "   %s: %d/%d honest pending, %.0f tx/s, p50 %s, p99 %s; hostile: %d sent (%.0f/s), ~%d validated, %d dropped unvalidated, %d throttled by pubsub\n",
				r.name, fr.arrived, fr.honest, fr.throughput, ms(fr.p50), ms(fr.p99), fr.flood, fr.floodRate, fr.validated, fr.dropped, fr.throttled)
		}
		return nil
	}
	if err := measure(node.Config{}, []run{
		{"no flood", 0, nil},
		{"mixed flood (bad signatures, malformed, valid but refused)", 1, mixed},
		{"valid-signature flood (over quota, unfundable, conflicting)", 2, refused},
	}); err != nil {
		return err
	}
	if err := measure(node.Config{RefusalBurst: p2p.MaxRefusalBurst, RefusalRate: p2p.MaxRefusalBurst}, []run{
		{"same valid-signature flood, budgets that never run out", 0, refused},
	}); err != nil {
		return err
	}

	ref := res[0]
	for i, fr := range res[1:] {
		ratio := fr.throughput / ref.throughput
		tenfold := fr.floodRate >= 0.9*floodFactor*float64(floodHonestRate)
		r := row{name: fmt.Sprintf("honest tx/s into pending over gossip (%d/s offered), %s at %.1fx",
			floodHonestRate, fr.name, fr.floodRate/float64(floodHonestRate)),
			value: fmt.Sprintf("%.0f tx/s (%d/%d, p50 %s, p99 %s)", fr.throughput, fr.arrived, fr.honest, ms(fr.p50), ms(fr.p99)),
			ref:   "no flood, same run", refValue: fmt.Sprintf("%.0f tx/s (%d/%d, p50 %s, p99 %s)", ref.throughput, ref.arrived, ref.honest, ms(ref.p50), ms(ref.p99)),
			ratio: fmt.Sprintf("%.2f", ratio)}
		if i < 2 {
			r.goal, r.verdict = ">= 0.8", met(ratio >= 0.8 && tenfold)
			if !tenfold {
				r.verdict += " (flood short of 10x)"
			}
		}
		report(r)
		report(row{name: fmt.Sprintf("  hostile payloads the victim validated, %s", fr.name),
			value: fmt.Sprintf("%d of %d", fr.validated, fr.flood), ref: "refusal burst + rate x seconds", refValue: fmt.Sprintf("%.0f", p2p.DefaultRefusalBurst+p2p.DefaultRefusalRate*float64(floodSeconds)),
			ratio: fmt.Sprintf("%.3f", float64(fr.validated)/float64(fr.flood))})
	}
	return nil
}

// floodHost starts a bare libp2p host on 127.0.0.1 that accepts whatever
// it publishes, connected to the victim, and waits until the victim is a
// peer of its tx topic.
func floodHost(victim *node.Node) (*p2p.Host, *p2p.Topic, error) {
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	// Its payloads may be anything up to the size limit.
	h, err := p2p.New(context.Background(), p2p.Config{Network: "devnet", Identity: key, Bootstrap: victim.Multiaddrs()})
	if err != nil {
		return nil, nil, err
	}
	tp, err := h.Topic(p2p.TxTopicName("devnet"), func(context.Context, peer.ID, []byte) p2p.Verdict { return p2p.Accept })
	if err != nil {
		h.Close()
		return nil, nil, err
	}
	deadline := time.Now().Add(15 * time.Second)
	for tp.Peers() == 0 {
		if time.Now().After(deadline) {
			h.Close()
			return nil, nil, fmt.Errorf("the victim did not join the tx topic with a bench peer within 15 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return h, tp, nil
}

// paced publishes raws on tp at rate a second from start, catching up in
// bursts when it falls behind; it returns how many it published.
func paced(ctx context.Context, tp *p2p.Topic, raws [][]byte, rate float64, start time.Time) int {
	for i, raw := range raws {
		if wait := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); wait > 0 {
			time.Sleep(wait)
		}
		if err := tp.Publish(ctx, raw); err != nil {
			return i
		}
	}
	return len(raws)
}

// floodOnce runs one measurement: the honest peer's transfers at
// floodHonestRate, and, if flood is not empty, a fresh hostile peer's
// payloads at ten times that rate over the same seconds.
func floodOnce(ctx context.Context, victim *node.Node, ht *p2p.Topic, honest [][]byte, ids []ledger.Hash, flood [][]byte) (floodRun, error) {
	fr := floodRun{honest: len(honest), flood: len(flood)}
	var xh *p2p.Host
	var xt *p2p.Topic
	if len(flood) > 0 {
		var err error
		if xh, xt, err = floodHost(victim); err != nil {
			return fr, err
		}
		defer xh.Close()
	}
	before := victim.GossipStats()
	start := time.Now().Add(50 * time.Millisecond)
	sentAt := func(i int) time.Time {
		return start.Add(time.Duration(float64(i) / float64(floodHonestRate) * float64(time.Second)))
	}
	var wg sync.WaitGroup
	var floodTook time.Duration
	if xt != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fr.flood = paced(ctx, xt, flood, float64(floodFactor*floodHonestRate), start)
			floodTook = time.Since(start)
		}()
	}
	if n := paced(ctx, ht, honest, float64(floodHonestRate), start); n != len(honest) {
		return fr, fmt.Errorf("the honest peer published %d of %d", n, len(honest))
	}
	wg.Wait()
	if fr.flood > 0 {
		fr.floodRate = float64(fr.flood) / floodTook.Seconds()
	}

	// Wait (10 s at most) for the honest transfers to be pending.
	pool := victim.Pool()
	arrived := make([]time.Time, len(ids))
	deadline := time.Now().Add(10 * time.Second)
	for left := len(ids); left > 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		left = 0
		for i, id := range ids {
			if !arrived[i].IsZero() {
				continue
			}
			if st, ok := pool.Status(id); ok && st.Pending {
				arrived[i] = st.Arrived
			} else {
				left++
			}
		}
	}
	var lat []time.Duration
	var last time.Time
	for i, at := range arrived {
		if at.IsZero() {
			continue
		}
		fr.arrived++
		lat = append(lat, max(0, at.Sub(sentAt(i))))
		if at.After(last) {
			last = at
		}
	}
	if fr.arrived == 0 {
		return fr, fmt.Errorf("no honest transfer reached the victim")
	}
	fr.throughput = float64(fr.arrived) / last.Sub(start).Seconds()
	fr.p50, fr.p99 = percentile(lat, 0.5), percentile(lat, 0.99)

	after := victim.GossipStats()
	if v := after.Validated - before.Validated; v > uint64(fr.arrived) {
		fr.validated = v - uint64(fr.arrived)
	}
	fr.dropped = after.BudgetDropped - before.BudgetDropped
	fr.throttled = after.ThrottledMessages - before.ThrottledMessages
	return fr, nil
}
