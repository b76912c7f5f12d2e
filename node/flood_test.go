package node

import (
	"context"
	"encoding/binary"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/p2p"
	"github.com/holiman/uint256"
	"github.com/libp2p/go-libp2p/core/peer"
)

// idleQuota is the pool's quota, per account, of pending transactions
// that move no value.
const idleQuota = 8

// seedKey is a device key derived from (tag, i): replayable, and distinct
// for thousands of i (offlineKey wraps at 255).
func seedKey(t *testing.T, tag byte, i int) *account.Key {
	t.Helper()
	var b [32]byte
	b[0] = tag
	binary.BigEndian.PutUint32(b[28:], uint32(i)+1)
	k, err := account.FromBytes(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestAttackValidSpamFromOnePeer: a real libp2p host floods a node with
// transactions that are well formed and honestly signed but refused —
// transfers from empty accounts, idle kinds beyond their account's quota,
// other transactions for a pooled nonce — at fifteen times the rate of an
// honest node's transfers. Each costs the victim a signature recovery and
// none is invalid, so peer scoring alone never stops it. The honest node
// meanwhile relays, now and then, what the victim refuses in good faith:
// the news of an equivocation (it saw the other transaction first), then
// spends of the credit the victim never took.
//
// The victim validates no more of the flood than the flooder's refusal
// budget and what was in validation when it ran out; the rest is dropped
// unvalidated; the flooder's score turns negative and it leaves the
// victim's mesh. Every honest transfer reaches the victim's pending view,
// and the honest node keeps its place in the mesh, its score and most of
// its budget.
func TestAttackValidSpamFromOnePeer(t *testing.T) {
	victim, recs := offlineNode(t)
	honest, _ := offlineNode(t)

	issuer, quotaUser, conflicted, spender := offlineKey(t, 40), offlineKey(t, 41), offlineKey(t, 42), offlineKey(t, 43)
	ie, eur := issueTx(t, issuer, "EUR", 0)
	const honestTxs = 150
	sender := func(i int) *account.Key { return seedKey(t, 0x31, i) }
	fund := []*ledger.Tx{ie}
	for i := 0; i < honestTxs+2; i++ {
		var to ledger.Address
		switch i {
		case honestTxs:
			to = conflicted.Address()
		case honestTxs + 1:
			to = spender.Address()
		default:
			to = sender(i).Address()
		}
		fund = append(fund, signTx(t, issuer, &ledger.Transfer{From: issuer.Address(), To: to, Asset: eur,
			Amount: *uint256.NewInt(1000), Nonce: uint64(1 + i)}))
	}
	for _, n := range []*Node{victim, honest} {
		for _, tx := range fund {
			mustSubmit(t, n, tx)
		}
	}
	// On the victim only (it has no topic: nothing is gossiped): the
	// account whose nonce the flood contests, an account that used up its
	// quota of transactions that move no value, and the spender's nonce 0,
	// which the honest node will hold in another version.
	mustSubmit(t, victim, signTx(t, conflicted, &ledger.Transfer{From: conflicted.Address(), To: issuer.Address(), Asset: eur,
		Amount: *uint256.NewInt(1), Nonce: 0}))
	for nonce := uint64(0); nonce < idleQuota; nonce++ {
		tx, _ := issueTx(t, quotaUser, fmt.Sprintf("Q%d", nonce), nonce)
		mustSubmit(t, victim, tx)
	}
	payee, otherPayee := seedKey(t, 0x32, 0), seedKey(t, 0x32, 1)
	mustSubmit(t, victim, signTx(t, spender, &ledger.Transfer{From: spender.Address(), To: payee.Address(), Asset: eur,
		Amount: *uint256.NewInt(500), Nonce: 0}))

	// The flood, signed beforehand: fifteen per honest transfer, each
	// payload distinct (gossip drops identical ones).
	const perTick = 15
	type spam struct {
		raw  []byte
		kind string
	}
	var flood []spam
	for i := 0; i < honestTxs*perTick; i++ {
		var tx *ledger.Tx
		var kind string
		switch i % 3 {
		case 0: // from an empty account
			k := seedKey(t, 0x33, i%50)
			tx, kind = signTx(t, k, &ledger.Transfer{From: k.Address(), To: issuer.Address(), Asset: eur,
				Amount: *uint256.NewInt(uint64(1 + i)), Nonce: 0}), "unfundable"
		case 1: // beyond the account's quota of idle transactions
			tx, _ = issueTx(t, quotaUser, fmt.Sprintf("X%d", i), idleQuota)
			kind = "over quota"
		default: // another transaction for a pooled nonce
			tx, kind = signTx(t, conflicted, &ledger.Transfer{From: conflicted.Address(), To: issuer.Address(), Asset: eur,
				Amount: *uint256.NewInt(uint64(2 + i)), Nonce: 0}), "conflict"
		}
		flood = append(flood, spam{tx.Encode(), kind})
	}
	floodKind := make(map[string]string, len(flood))
	for _, s := range flood {
		floodKind[string(s.raw)] = s.kind
	}

	vv := recordVerdicts(victim.validateGossip)
	hv := recordVerdicts(honest.validateGossip)
	vh, vt := gossipHost(t, vv.validate, 0)
	hh, ht := gossipHost(t, hv.validate, 0, vh)
	honest.txTopic = ht
	xh, xt := gossipHost(t, func(context.Context, peer.ID, []byte) p2p.Verdict { return p2p.Accept }, 0, vh)
	waitUntil(t, 15*time.Second, "both peers in the victim's mesh", func() bool { return vt.InMesh(hh.ID()) && vt.InMesh(xh.ID()) })
	waitUntil(t, 15*time.Second, "the victim in the others' meshes", func() bool { return ht.InMesh(vh.ID()) && xt.InMesh(vh.ID()) })
	waitUntil(t, 5*time.Second, "the victim scores both", func() bool {
		_, ok1 := vh.PeerScore(hh.ID())
		_, ok2 := vh.PeerScore(xh.ID())
		return ok1 && ok2
	})
	recBefore := recs.n.Load()

	// The honest node relays the other version of the spender's nonce 0
	// (news of an equivocation, to the victim) and then, every fifteenth
	// tick, a spend of the credit it carries (unfundable on the victim).
	otherSpend := signTx(t, spender, &ledger.Transfer{From: spender.Address(), To: otherPayee.Address(), Asset: eur,
		Amount: *uint256.NewInt(500), Nonce: 0})
	mustSubmit(t, honest, otherSpend)
	var credits [][]byte

	// Honest: one transfer every 20 ms for 3 s; the flooder fifteen
	// payloads in the same time.
	ctx := context.Background()
	sent := make(map[ledger.Hash]time.Time, honestTxs)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	for i := 0; i < honestTxs; i++ {
		<-tick.C
		k := sender(i)
		tx := signTx(t, k, &ledger.Transfer{From: k.Address(), To: issuer.Address(), Asset: eur, Amount: *uint256.NewInt(7), Nonce: 0})
		sent[tx.ID(offlineDomain)] = time.Now()
		mustSubmit(t, honest, tx)
		if i%15 == 14 {
			spend := signTx(t, otherPayee, &ledger.Transfer{From: otherPayee.Address(), To: issuer.Address(), Asset: eur,
				Amount: *uint256.NewInt(10), Nonce: uint64(len(credits))})
			mustSubmit(t, honest, spend)
			credits = append(credits, spend.Encode())
		}
		for _, s := range flood[perTick*i : perTick*(i+1)] {
			if err := xt.Publish(ctx, s.raw); err != nil {
				t.Fatalf("flooder publish: %v", err)
			}
		}
	}
	floodTime := time.Since(start)

	// Every honest transfer reached the victim's pending view.
	waitUntil(t, 10*time.Second, "honest transfers pending on the victim", func() bool {
		for id := range sent {
			if st, ok := victim.pool.Status(id); !ok || !st.Pending {
				return false
			}
		}
		return true
	})
	var lat []time.Duration
	for id, at := range sent {
		st, _ := victim.pool.Status(id)
		lat = append(lat, max(0, st.Arrived.Sub(at)))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("honest transfers to the victim's pending view: p50 %v, max %v", lat[len(lat)/2], lat[len(lat)-1])

	// Every flood payload is accounted for: judged by the victim, or
	// dropped unvalidated (its budget spent), or by pubsub's own throttle.
	judged := func() (n int, byKind map[string]map[p2p.Verdict]int) {
		byKind = map[string]map[p2p.Verdict]int{}
		vv.mu.Lock()
		defer vv.mu.Unlock()
		for raw, v := range vv.m {
			kind, ok := floodKind[raw]
			if !ok {
				continue
			}
			n++
			if byKind[kind] == nil {
				byKind[kind] = map[p2p.Verdict]int{}
			}
			byKind[kind][v]++
		}
		return n, byKind
	}
	waitUntil(t, 10*time.Second, "every flood payload judged or dropped", func() bool {
		n, _ := judged()
		st := vh.Stats()
		return n+int(st.BudgetDropped+st.ThrottledMessages) >= len(flood)
	})
	n, byKind := judged()
	st, fb := vh.Stats(), vh.PeerBudget(xh.ID())
	t.Logf("flood: %d sent in %v, %d judged by the victim %v, %d dropped unvalidated, %d throttled by pubsub; %d signatures recovered since the flood began; flooder's budget %+v",
		len(flood), floodTime.Round(time.Millisecond), n, byKind, st.BudgetDropped, st.ThrottledMessages, recs.n.Load()-recBefore, fb)
	// What the budget lets through: the burst, what it regains, the free
	// first evidence of the equivocation, and a window in validation.
	const inFlight = 256
	if limit := p2p.DefaultRefusalBurst + int(p2p.DefaultRefusalRate*time.Since(start).Seconds()) + 1 + inFlight; n > limit {
		t.Errorf("the victim validated %d of the flooder's %d payloads, want at most %d", n, len(flood), limit)
	}
	for kind, vs := range byKind {
		if vs[p2p.Accept] != 0 || vs[p2p.Reject] != 0 {
			t.Errorf("%s: verdicts %v, want only Refuse (and Ignore for the first conflict)", kind, vs)
		}
	}
	if !fb.Throttled || fb.Dropped == 0 {
		t.Errorf("the flooder is not throttled: %+v", fb)
	}
	waitUntil(t, 5*time.Second, "the flooder's score negative", func() bool { s, ok := vh.PeerScore(xh.ID()); return ok && s < 0 })
	waitUntil(t, 5*time.Second, "the flooder pruned from the victim's mesh", func() bool { return !vt.InMesh(xh.ID()) })

	// The honest node's refusals: the news free, the spends charged; it is
	// neither throttled nor penalized.
	if v, ok := vv.of(otherSpend.Encode()); !ok || v != p2p.Ignore {
		t.Errorf("the other version of the spender's nonce 0: %v (%v), want Ignore", v, ok)
	}
	waitUntil(t, 5*time.Second, "the honest node's spends judged by the victim", func() bool {
		for _, raw := range credits {
			if _, ok := vv.of(raw); !ok {
				return false
			}
		}
		return true
	})
	for i, raw := range credits {
		if v, _ := vv.of(raw); v != p2p.Refuse {
			t.Errorf("spend %d of the credit the victim never took: %v, want Refuse", i, v)
		}
	}
	hb := vh.PeerBudget(hh.ID())
	t.Logf("honest node's budget on the victim: %+v", hb)
	if hb.Throttled || hb.Penalty != 0 || hb.Dropped != 0 || hb.Refused != uint64(len(credits)) {
		t.Errorf("the honest node's budget: %+v, want %d refusals and nothing else", hb, len(credits))
	}
	if s, ok := vh.PeerScore(hh.ID()); !ok || s < 0 {
		t.Errorf("the victim scores the honest node %v (%v)", s, ok)
	}
	if !vt.InMesh(hh.ID()) {
		t.Error("the honest node left the victim's mesh")
	}
	if n := hv.count(p2p.Reject) + hv.count(p2p.Refuse); n != 0 {
		t.Errorf("the honest node refused or rejected %d payloads the victim forwarded", n)
	}
}

// Which refusals of gossip cost the relaying peer a token of its refusal
// budget (Refuse) and which are not its doing (Ignore): the first evidence
// of an account's equivocation is news, the next is spam; an empty
// account's transfer is charged; a full pool is this node's own state.
func TestGossipRefusalVerdicts(t *testing.T) {
	n, _ := offlineNode(t)
	issuer, a := offlineKey(t, 50), offlineKey(t, 51)
	ie, eur := issueTx(t, issuer, "EUR", 0)
	mustSubmit(t, n, ie)
	mustSubmit(t, n, signTx(t, issuer, &ledger.Transfer{From: issuer.Address(), To: a.Address(), Asset: eur, Amount: *uint256.NewInt(100), Nonce: 1}))
	version := func(amount uint64) []byte {
		return signTx(t, a, &ledger.Transfer{From: a.Address(), To: issuer.Address(), Asset: eur, Amount: *uint256.NewInt(amount), Nonce: 0}).Encode()
	}
	ctx := context.Background()
	if got := n.validateGossip(ctx, "", version(1)); got != p2p.Accept {
		t.Fatalf("a's nonce 0: %v", got)
	}
	empty := offlineKey(t, 52)
	for _, c := range []struct {
		what string
		raw  []byte
		want p2p.Verdict
	}{
		{"another version of a's nonce 0 (news)", version(2), p2p.Ignore},
		{"a third version", version(3), p2p.Refuse},
		{"the second version again", version(2), p2p.Refuse},
		{"a transfer from an empty account", signTx(t, empty, &ledger.Transfer{From: empty.Address(), To: issuer.Address(), Asset: eur,
			Amount: *uint256.NewInt(1), Nonce: 0}).Encode(), p2p.Refuse},
		{"a gap from an unknown account", signTx(t, empty, &ledger.Transfer{From: empty.Address(), To: issuer.Address(), Asset: eur,
			Amount: *uint256.NewInt(1), Nonce: 5}).Encode(), p2p.Refuse},
	} {
		if got := n.validateGossip(ctx, "", c.raw); got != c.want {
			t.Errorf("%s: %v, want %v", c.what, got, c.want)
		}
	}

	full, err := New(Config{InMemory: true, ChainID: 1337, Anchor: ledger.Address{0xa1}, EthRPC: "http://127.0.0.1:1", MaxPending: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { full.Close() })
	mustSubmit(t, full, ie)
	mustSubmit(t, full, signTx(t, issuer, &ledger.Transfer{From: issuer.Address(), To: a.Address(), Asset: eur, Amount: *uint256.NewInt(100), Nonce: 1}))
	next := signTx(t, issuer, &ledger.Transfer{From: issuer.Address(), To: a.Address(), Asset: eur, Amount: *uint256.NewInt(1), Nonce: 2})
	if got := full.validateGossip(ctx, "", next.Encode()); got != p2p.Ignore {
		t.Errorf("a full pool: %v, want Ignore", got)
	}
}
