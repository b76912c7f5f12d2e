package node

import (
	"context"
	"crypto/rand"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/p2p"
	"github.com/holiman/uint256"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

const hostileNet = "hostile"

// gossipHost starts a libp2p host on 127.0.0.1 and joins the tx topic with
// v. It is closed when the test ends.
func gossipHost(t *testing.T, v p2p.Validator, maxMsg int, bootstrap ...*p2p.Host) (*p2p.Host, *p2p.Topic) {
	t.Helper()
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cfg := p2p.Config{Network: hostileNet, Identity: key, MaxMessageSize: maxMsg}
	for _, b := range bootstrap {
		cfg.Bootstrap = append(cfg.Bootstrap, b.Addrs()...)
	}
	h, err := p2p.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	tp, err := h.Topic(p2p.TxTopicName(hostileNet), v)
	if err != nil {
		t.Fatal(err)
	}
	return h, tp
}

// verdicts wraps a validator and records its verdict on each payload.
type verdicts struct {
	mu sync.Mutex
	v  p2p.Validator
	m  map[string]p2p.Verdict
	n  map[p2p.Verdict]int
}

func recordVerdicts(v p2p.Validator) *verdicts {
	return &verdicts{v: v, m: map[string]p2p.Verdict{}, n: map[p2p.Verdict]int{}}
}

func (r *verdicts) validate(ctx context.Context, from peer.ID, raw []byte) p2p.Verdict {
	got := r.v(ctx, from, raw)
	r.mu.Lock()
	r.m[string(raw)] = got
	r.n[got]++
	r.mu.Unlock()
	return got
}

func (r *verdicts) of(raw []byte) (p2p.Verdict, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[string(raw)]
	return v, ok
}

func (r *verdicts) count(v p2p.Verdict) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[v]
}

// TestHostilePeerFloodsAVictim: a real libp2p host joins a node's gossip
// and sends, at ten times the honest rate, invalid signatures, malformed
// and oversized payloads, replays, an equivocation and variants of pooled
// transactions (a Fill with a forged maker signature, a card record with a
// forged attachment). Meanwhile an honest node's transfers keep reaching
// the victim's pending view within a bound; the offender is scored below
// the graylist threshold and pruned from the victim's mesh; the honest
// node is not penalized, and the victim forwards it nothing it rejects.
func TestHostilePeerFloodsAVictim(t *testing.T) {
	victim, _ := offlineNode(t)
	honest, _ := offlineNode(t)

	// Funds on both nodes: honest senders, and an account of the
	// attacker's. Pooled on the victim only: a Fill and a card record the
	// attacker makes variants of, which the honest node lacks.
	issuer, attacker := offlineKey(t, 30), offlineKey(t, 31)
	ie, eur := issueTx(t, issuer, "EUR", 0)
	const honestTxs = 60
	fund := []*ledger.Tx{ie}
	for i := 0; i <= honestTxs; i++ {
		to := offlineKey(t, 100+i).Address()
		if i == honestTxs {
			to = attacker.Address()
		}
		fund = append(fund, signTx(t, issuer, &ledger.Transfer{From: issuer.Address(), To: to, Asset: eur,
			Amount: *uint256.NewInt(1000), Nonce: uint64(1 + i)}))
	}
	for _, n := range []*Node{victim, honest} {
		for _, tx := range fund {
			mustSubmit(t, n, tx)
		}
	}
	fill := fillSetup(t, victim)
	card := cardSetup(t, victim)

	vv := recordVerdicts(victim.validateGossip)
	hv := recordVerdicts(honest.validateGossip)
	vh, vt := gossipHost(t, vv.validate, 0)
	hh, ht := gossipHost(t, hv.validate, 0, vh)
	honest.txTopic = ht
	// The attacker's host accepts anything it publishes and may send
	// payloads up to 1 MiB.
	xh, xt := gossipHost(t, func(context.Context, peer.ID, []byte) p2p.Verdict { return p2p.Accept }, p2p.MaxMaxMessageSize, vh)
	waitUntil(t, 15*time.Second, "both peers in the victim's mesh", func() bool { return vt.InMesh(hh.ID()) && vt.InMesh(xh.ID()) })
	waitUntil(t, 15*time.Second, "the victim in the others' meshes", func() bool { return ht.InMesh(vh.ID()) && xt.InMesh(vh.ID()) })

	// The hostile payloads, each distinct (gossip dedups identical ones).
	hostile := func(i int) (raw []byte, kind string) {
		switch i % 7 {
		case 0: // a signature that is not the sender's
			tx := signTx(t, attacker, &ledger.Transfer{From: attacker.Address(), To: issuer.Address(), Asset: eur,
				Amount: *uint256.NewInt(uint64(1 + i)), Nonce: 5})
			tx.Sig[64] ^= 27 ^ 28
			return tx.Encode(), "bad signature"
		case 1: // not a transaction
			return []byte(fmt.Sprintf("\xff junk %d", i)), "malformed"
		case 2: // a transaction cut short
			tx := signTx(t, attacker, &ledger.Transfer{From: attacker.Address(), To: issuer.Address(), Asset: eur,
				Amount: *uint256.NewInt(uint64(1 + i)), Nonce: 6})
			raw := tx.Encode()
			return raw[:len(raw)-1], "truncated"
		case 3: // a Fill whose maker signature is another key's
			f := *fill.Payload.(*ledger.Fill)
			sig, err := attacker.Sign(ledger.Hash{byte(i), byte(i >> 8), 0xf1})
			if err != nil {
				t.Fatal(err)
			}
			f.Offer.Sig = ledger.Sig(sig)
			return (&ledger.Tx{Payload: &f, Sig: fill.Sig}).Encode(), "fill variant"
		case 4: // a card record carrying a forged card-to-card record
			forged := card.a2b(t, 1000, uint64(10+i))
			forged.Sig[64] ^= 27 ^ 28
			return withAttached(card.record, forged).Encode(), "card record variant"
		case 5: // above the message size limit
			raw := make([]byte, p2p.DefaultMaxMessageSize+512)
			raw[0], raw[1], raw[2] = 1, byte(i), byte(i>>8)
			return raw, "oversized"
		default: // the attacker equivocates: its nonce 0, again and again
			return signTx(t, attacker, &ledger.Transfer{From: attacker.Address(), To: offlineKey(t, 200+i%50).Address(), Asset: eur,
				Amount: *uint256.NewInt(uint64(1 + i%100)), Nonce: 0}).Encode(), "equivocation"
		}
	}

	// Honest: one transfer every 50 ms for 3 s. Hostile: ten payloads in
	// the same time, plus a replay of the previous honest transfer (gossip
	// knows it by its id and drops it).
	ctx := context.Background()
	sent := make(map[ledger.Hash]time.Time, honestTxs)
	kinds := map[string][][]byte{}
	var replays [][]byte // the honest transfers, as the attacker replays them
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < honestTxs; i++ {
		<-tick.C
		k := offlineKey(t, 100+i)
		tx := signTx(t, k, &ledger.Transfer{From: k.Address(), To: issuer.Address(), Asset: eur, Amount: *uint256.NewInt(7), Nonce: 0})
		sent[tx.ID(offlineDomain)] = time.Now()
		mustSubmit(t, honest, tx)
		for j := 0; j < 10; j++ {
			raw, kind := hostile(10*i + j)
			kinds[kind] = append(kinds[kind], raw)
			xt.Publish(ctx, raw) // errors (a graylisted sender's queue) do not matter
		}
		if i > 0 { // a replay of the previous honest transfer
			xt.Publish(ctx, replays[i-1])
		}
		replays = append(replays, tx.Encode())
	}

	// Every honest transfer reached the victim's pending view, in time.
	var lat []time.Duration
	waitUntil(t, 10*time.Second, "honest transfers pending on the victim", func() bool {
		for id := range sent {
			if st, ok := victim.pool.Status(id); !ok || !st.Pending {
				return false
			}
		}
		return true
	})
	for id, at := range sent {
		st, _ := victim.pool.Status(id)
		lat = append(lat, max(0, st.Arrived.Sub(at)))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	const bound = 2 * time.Second
	t.Logf("honest transfer latency to the victim's pending view: p50 %v, max %v (bound %v)", lat[len(lat)/2], lat[len(lat)-1], bound)
	if lat[len(lat)-1] > bound {
		t.Errorf("an honest transfer took %v to reach the victim", lat[len(lat)-1])
	}

	// The offender is graylisted and pruned; the honest peer is neither.
	waitUntil(t, 5*time.Second, "the attacker graylisted by the victim", func() bool {
		s, ok := vh.PeerScore(xh.ID())
		return ok && s < p2p.GraylistThreshold
	})
	waitUntil(t, 5*time.Second, "the attacker pruned from the victim's mesh", func() bool { return !vt.InMesh(xh.ID()) })
	if s, ok := vh.PeerScore(hh.ID()); !ok || s < 0 {
		t.Errorf("the victim scores the honest peer %v (%v)", s, ok)
	}
	if !vt.InMesh(hh.ID()) {
		t.Error("the honest peer left the victim's mesh")
	}
	// The victim forwarded nothing the honest node rejects.
	if s, ok := hh.PeerScore(vh.ID()); !ok || s < 0 {
		t.Errorf("the honest node scores the victim %v (%v)", s, ok)
	}
	if n := hv.count(p2p.Reject); n != 0 {
		t.Errorf("the honest node rejected %d payloads the victim forwarded", n)
	}

	// What the victim judged of each kind before it stopped listening.
	// Of the equivocation only the first the victim heard is accepted.
	for kind, raws := range kinds {
		judged, accepted := 0, 0
		for _, raw := range raws {
			v, ok := vv.of(raw)
			if !ok {
				continue
			}
			judged++
			if v == p2p.Accept {
				accepted++
			}
		}
		if allowed := map[bool]int{true: 1}[kind == "equivocation"]; accepted > allowed {
			t.Errorf("the victim accepted %d %s payloads, at most %d", accepted, kind, allowed)
		}
		// The first ten (nine rejects, 810 points) come before the
		// graylist (2,500): each kind is heard at least once; oversized
		// ones are rejected before the validator.
		if judged == 0 && kind != "oversized" {
			t.Errorf("no %s payload reached the victim's validator", kind)
		}
		t.Logf("%s: %d sent, %d judged by the victim, %d accepted", kind, len(raws), judged, accepted)
	}
	if n := vh.Stats().OversizeRejected; n == 0 {
		t.Error("no oversized payload reached the victim to be rejected")
	} else {
		t.Logf("oversized: %d rejected for their size", n)
	}
	for _, raw := range replays {
		if v, ok := vv.of(raw); ok && v != p2p.Accept {
			t.Errorf("a replayed honest transfer judged %v", v)
		}
	}
	// The pool still holds the originals of the variants.
	if string(pooledRaw(t, victim, fill.ID(offlineDomain))) != string(fill.Encode()) ||
		string(pooledRaw(t, victim, card.record.ID(offlineDomain))) != string(card.record.Encode()) {
		t.Error("a variant replaced a pooled transaction")
	}
}

// waitUntil polls cond every 10 ms until it holds or timeout passes.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
