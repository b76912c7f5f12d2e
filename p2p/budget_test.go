package p2p

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// fakeClock is a settable clock for budgets.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) add(d time.Duration)     { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock               { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }
func near(a, b float64) bool                 { return math.Abs(a-b) < 1e-6 }
func budgetOf(bs *budgets, p peer.ID) budget { return *bs.peers[p] }

// The budget's arithmetic, step by step on a fake clock: burst refusals
// in a row, then throttled (messages counted dropped) until an eighth of
// the burst is back; debt for refusals in flight, floored at -burst;
// accepts earn a tenth; each exhaustion costs 100 score, capped at 400,
// decaying to 1% in 10 minutes; a budget back to full with no penalty is
// forgotten.
func TestBudgetArithmetic(t *testing.T) {
	clk := newFakeClock()
	bs := newBudgets(16, 2, clk.now)
	const p, q = peer.ID("flooder"), peer.ID("relay")

	if !bs.allow(p, 1) || bs.score(p) != 0 || bs.state(p).Tokens != 16 {
		t.Fatal("an unknown peer does not have a full budget")
	}
	bs.accepted(p) // no entry is made for a peer that was never refused
	if bs.len() != 0 {
		t.Fatal("an accept created a budget")
	}
	for i := 0; i < 15; i++ {
		bs.refused(p)
	}
	if !bs.allow(p, 1) || bs.state(p).Throttled {
		t.Fatal("throttled before the burst was spent")
	}
	bs.refused(p) // the 16th
	st := bs.state(p)
	if !st.Throttled || st.Tokens != 0 || st.Refused != 16 || !near(st.Penalty, 100) || !near(bs.score(p), -100) {
		t.Fatalf("after the burst: %+v, score %v", st, bs.score(p))
	}
	if bs.allow(p, 3) || bs.allow(p, 2) || bs.state(p).Dropped != 5 {
		t.Fatalf("a throttled peer's messages allowed: %+v", bs.state(p))
	}
	// Refusals of messages already in validation go into debt.
	for i := 0; i < 100; i++ {
		bs.refused(p)
	}
	if st := bs.state(p); st.Tokens != -16 || !near(st.Penalty, 100) {
		t.Fatalf("debt: %+v (want -16, one exhaustion)", st)
	}
	// Back at an eighth of the burst (2 tokens) after (16+2)/2 = 9 s.
	clk.add(8900 * time.Millisecond)
	if bs.allow(p, 1) {
		t.Fatalf("resumed at %v tokens", bs.state(p).Tokens)
	}
	clk.add(100 * time.Millisecond)
	if !bs.allow(p, 1) {
		t.Fatalf("still throttled at %v tokens", bs.state(p).Tokens)
	}
	// Running out again is a second exhaustion: 200 (less 9 s of decay).
	bs.refused(p)
	bs.refused(p)
	decay9 := math.Pow(0.01, 9.0/600)
	if st := bs.state(p); !st.Throttled || !near(st.Penalty, 100*(1+decay9)) {
		t.Fatalf("second exhaustion: %+v, want penalty %v", st, 100*(1+decay9))
	}
	// The penalty is capped at 400.
	for i := 0; i < 10; i++ {
		clk.add(9 * time.Second)
		for !bs.state(p).Throttled {
			bs.refused(p)
		}
	}
	if st := bs.state(p); !near(st.Penalty, 400) || !near(bs.score(p), -400) {
		t.Fatalf("penalty after 12 exhaustions: %+v", st)
	}

	// An honest relay: a few refusals, accepts earn a tenth each, capped.
	for i := 0; i < 4; i++ {
		bs.refused(q)
	}
	for i := 0; i < 25; i++ {
		bs.accepted(q)
	}
	if st := bs.state(q); !near(st.Tokens, 14.5) || st.Throttled || st.Penalty != 0 || bs.score(q) != 0 {
		t.Fatalf("relay: %+v", st)
	}
	for i := 0; i < 100; i++ {
		bs.accepted(q)
	}
	if st := bs.state(q); st.Tokens != 16 {
		t.Fatalf("earned beyond the burst: %+v", st)
	}

	// The sweep forgets q (full, no penalty), keeps p (penalized).
	if n := bs.sweep(); n != 1 || bs.peers[p] == nil {
		t.Fatalf("sweep kept %d", n)
	}
	// Ten minutes later p's penalty is below 1% of 400... and gone at 1%
	// of one exhaustion; its budget is full: forgotten.
	clk.add(20 * time.Minute)
	if st := bs.state(p); st.Penalty != 0 || st.Throttled || st.Tokens != 16 {
		t.Fatalf("after 20 minutes: %+v (episodes %v)", st, budgetOf(bs, p).episodes)
	}
	if n := bs.sweep(); n != 0 {
		t.Fatalf("sweep kept %d", n)
	}
}

// A peer relaying messages the validator refuses runs out of budget: from
// then on its messages are dropped unvalidated (and not marked seen: the
// same payload from another peer is validated), its score goes negative
// and it leaves the mesh. A relay whose few refusals fit its budget keeps
// its place and its score, and the validators saw no more of the
// flooder's messages than its budget and what was already in flight.
func TestRefusalBudgetThrottlesAFlooder(t *testing.T) {
	checkLeaks(t)
	const burst = 20
	hub := newHost(t, func(c *Config) { c.RefusalBurst = burst; c.RefusalRate = 1 })
	flooder := newHost(t, bootstrapFrom(hub))
	relay := newHost(t, bootstrapFrom(hub))
	refuse := func(p []byte) Verdict {
		if bytes.HasPrefix(p, []byte("spam")) {
			return Refuse
		}
		return Accept
	}
	rh := newRecorder(refuse)
	th := joinTx(t, hub, rh)
	tf := joinTx(t, flooder, newRecorder(nil))
	tr := joinTx(t, relay, newRecorder(nil))
	waitMesh(t, th, 2)
	waitFor(t, 10*time.Second, "both in the hub's mesh", func() bool { return th.InMesh(flooder.ID()) && th.InMesh(relay.ID()) })
	waitFor(t, 5*time.Second, "the hub scores both", func() bool {
		_, ok1 := hub.PeerScore(flooder.ID())
		_, ok2 := hub.PeerScore(relay.ID())
		return ok1 && ok2
	})

	ctx := context.Background()
	const flood = 300
	for i := 0; i < flood; i++ {
		if err := tf.Publish(ctx, []byte(fmt.Sprintf("spam flood %d", i))); err != nil {
			t.Fatal(err)
		}
		if i%30 == 0 { // the relay: twenty payloads, ten of them refused
			if err := tr.Publish(ctx, []byte(fmt.Sprintf("spam relay %d", i))); err != nil {
				t.Fatal(err)
			}
			if err := tr.Publish(ctx, []byte(fmt.Sprintf("fine relay %d", i))); err != nil {
				t.Fatal(err)
			}
		}
	}
	validated := func(prefix string) (n int) {
		rh.mu.Lock()
		defer rh.mu.Unlock()
		for p, c := range rh.count {
			if len(p) >= len(prefix) && p[:len(prefix)] == prefix {
				n += c
			}
		}
		return n
	}
	// Every flood message is accounted for: validated or dropped.
	waitFor(t, 10*time.Second, "every flood message validated or dropped", func() bool {
		return validated("spam flood")+int(hub.Stats().BudgetDropped) >= flood
	})
	waitFor(t, 10*time.Second, "the relay's payloads validated", func() bool {
		return validated("spam relay")+validated("fine relay") == 20
	})
	fb, rb := hub.PeerBudget(flooder.ID()), hub.PeerBudget(relay.ID())
	n := validated("spam flood")
	t.Logf("flooder: %d of %d validated, budget %+v; relay: %+v", n, flood, fb, rb)
	// What was queued for validation when the budget ran out is still
	// validated (how much depends on the machine's load); the rest, and
	// everything after, is dropped unvalidated.
	if n < burst {
		t.Errorf("the hub validated %d flood messages, fewer than the budget of %d", n, burst)
	}
	if !fb.Throttled {
		t.Fatalf("the flooder is not throttled: %+v", fb)
	}
	const wave = 100
	before := hub.Stats().BudgetDropped
	for i := 0; i < wave; i++ {
		if err := tf.Publish(ctx, []byte(fmt.Sprintf("spam flood more %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 10*time.Second, "the second wave dropped", func() bool { return hub.Stats().BudgetDropped >= before+wave })
	if m := validated("spam flood more"); m != 0 {
		t.Errorf("the hub validated %d of a throttled flooder's next %d messages, want 0", m, wave)
	}
	if rb.Throttled || rb.Penalty != 0 {
		t.Errorf("the relay is throttled or penalized: %+v", rb)
	}
	waitFor(t, 5*time.Second, "the flooder's score negative", func() bool { s, ok := hub.PeerScore(flooder.ID()); return ok && s < 0 })
	waitFor(t, 5*time.Second, "the flooder pruned from the hub's mesh", func() bool { return !th.InMesh(flooder.ID()) })
	if s, ok := hub.PeerScore(flooder.ID()); !ok || s < -budgetPenaltyCap-1 {
		t.Errorf("the flooder's score %v: graylisting is for rejects", s)
	}
	if s, ok := hub.PeerScore(relay.ID()); !ok || s < 0 || !th.InMesh(relay.ID()) {
		t.Errorf("the relay: score %v (%v), in mesh %v", s, ok, th.InMesh(relay.ID()))
	}

	// A good payload the throttled flooder relays is dropped unseen: the
	// relay's copy of it is then validated.
	dropped := hub.Stats().BudgetDropped
	if err := tf.Publish(ctx, []byte("good")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the flooder's copy dropped", func() bool { return hub.Stats().BudgetDropped > dropped })
	if err := tr.Publish(ctx, []byte("good")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the relay's copy validated", func() bool { return rh.seen("good") == 1 })
	if from := rh.sender("good"); from != relay.ID() {
		t.Errorf("validated the copy from %s, want the relay %s", from, relay.ID())
	}
}
