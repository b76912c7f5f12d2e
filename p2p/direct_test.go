package p2p

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// TestSendDirectReachesAPeerThatMissedTheGossip: a payload gossiped before
// a peer joined cannot reach it by gossip (Publish of a payload delivered
// within the seen period is a no-op), but a direct send to the peer that
// joins does, through its validator, from the sender.
func TestSendDirectReachesAPeerThatMissedTheGossip(t *testing.T) {
	checkLeaks(t)
	a := newHost(t)
	b := newHost(t, bootstrapFrom(a))
	ra, rb := newRecorder(nil), newRecorder(nil)
	ta, tb := joinTx(t, a, ra), joinTx(t, b, rb)
	joins, err := ta.Joins(8)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Joins(8); err == nil {
		t.Fatal("Joins twice: no error")
	}
	var joined []peer.ID
	sawJoin := func(id peer.ID) bool {
		for {
			select {
			case p := <-joins:
				joined = append(joined, p)
			default:
				return slices.Contains(joined, id)
			}
		}
	}
	waitMesh(t, ta, 1)
	waitMesh(t, tb, 1)
	ctx := context.Background()
	if err := ta.Publish(ctx, []byte("early")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "early at B", func() bool { return rb.seen("early") == 1 })

	c := newHost(t, bootstrapFrom(a))
	rc := newRecorder(nil)
	tc := joinTx(t, c, rc)
	waitFor(t, 10*time.Second, "C joins A's topic", func() bool { return sawJoin(c.ID()) })
	waitMesh(t, tc, 1)
	if err := ta.Publish(ctx, []byte("early")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * testHeartbeat)
	if n := rc.seen("early"); n != 0 {
		t.Fatalf("gossip brought the early payload to C (%d times): the direct send is not needed", n)
	}
	if err := ta.SendDirect(ctx, c.ID(), [][]byte{[]byte("early"), []byte("second")}); err != nil {
		t.Fatal(err)
	}
	// SendDirect returns once C has validated them.
	if rc.seen("early") != 1 || rc.seen("second") != 1 || rc.sender("early") != a.ID() {
		t.Fatalf("C validated early %d times (from %s), second %d times", rc.seen("early"), rc.sender("early"), rc.seen("second"))
	}
	// C does not forward direct payloads: B saw "second" from nobody.
	time.Sleep(5 * testHeartbeat)
	if n := rb.seen("second"); n != 0 {
		t.Fatalf("a direct payload was forwarded to B (%d times)", n)
	}
	if len(joined) < 2 || joined[0] != b.ID() {
		t.Fatalf("A saw joins %v, want B then C", joined)
	}
}

// TestSendDirectRejectedClosesTheConnection: a direct send stops at the
// first payload the receiver rejects, and the receiver drops the sender.
func TestSendDirectRejectedClosesTheConnection(t *testing.T) {
	checkLeaks(t)
	a := newHost(t)
	b := newHost(t, bootstrapFrom(a))
	rb := newRecorder(func(p []byte) Verdict {
		if bytes.HasPrefix(p, []byte("bad")) {
			return Reject
		}
		if bytes.HasPrefix(p, []byte("meh")) {
			return Ignore
		}
		return Accept
	})
	ta, tb := joinTx(t, a, newRecorder(nil)), joinTx(t, b, rb)
	waitMesh(t, ta, 1)
	waitMesh(t, tb, 1)
	ctx := context.Background()
	// Ignore is no offence.
	if err := ta.SendDirect(ctx, b.ID(), [][]byte{[]byte("meh"), []byte("fine")}); err != nil {
		t.Fatal(err)
	}
	err := ta.SendDirect(ctx, b.ID(), [][]byte{[]byte("ok"), []byte("bad"), []byte("never")})
	if err == nil {
		t.Fatal("a rejected direct send returned no error")
	}
	if rb.seen("ok") != 1 || rb.seen("bad") != 1 || rb.seen("never") != 0 {
		t.Fatalf("B validated ok %d, bad %d, never %d times", rb.seen("ok"), rb.seen("bad"), rb.seen("never"))
	}
	if st := b.Stats(); st.DirectRejected != 1 {
		t.Fatalf("B's stats: %+v", st)
	}
	waitFor(t, 5*time.Second, "B drops A", func() bool { return len(b.h.Network().ConnsToPeer(a.ID())) == 0 })
}

func TestSendDirectLimits(t *testing.T) {
	checkLeaks(t)
	a := newHost(t)
	b := newHost(t, bootstrapFrom(a))
	rb := newRecorder(nil)
	ta, _ := joinTx(t, a, newRecorder(nil)), joinTx(t, b, rb)
	waitFor(t, 10*time.Second, "connection", func() bool { return a.Peers() == 1 })
	ctx := context.Background()
	for name, tc := range map[string]struct {
		payloads [][]byte
		want     error
	}{
		"empty":    {[][]byte{[]byte("x"), {}}, ErrEmptyMessage},
		"too big":  {[][]byte{make([]byte, DefaultMaxMessageSize+1)}, ErrMessageTooLarge},
		"too many": {make([][]byte, MaxDirectPayloads+1), ErrTooManyPayloads},
	} {
		if err := ta.SendDirect(ctx, b.ID(), tc.payloads); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	if rb.seen("x") != 0 {
		t.Fatal("a refused send delivered something")
	}
	// A peer that does not serve the topic.
	c := newHost(t, bootstrapFrom(a))
	waitFor(t, 10*time.Second, "C connected", func() bool { return a.Peers() == 2 })
	if err := ta.SendDirect(ctx, c.ID(), [][]byte{[]byte("x")}); err == nil {
		t.Fatal("a direct send to a peer without the topic returned no error")
	}
	a.Close()
	if err := ta.SendDirect(ctx, b.ID(), [][]byte{[]byte("x")}); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// TestAttackDirectSendsAreAHandOverNotAChannel: direct sends are no way
// around gossip's limits. A peer gets one direct send per DirectInterval
// taken: a second one within it is refused unread, so what one peer can
// make a host validate that way is MaxDirectPayloads per interval. Its
// refusals there cost it nothing (a node handing its pending set to a
// peer still behind is honest), and a peer whose refusal budget is spent
// has its direct sends refused unread as its gossip is dropped.
func TestAttackDirectSendsAreAHandOverNotAChannel(t *testing.T) {
	checkLeaks(t)
	const burst = 20
	a := newHost(t, func(c *Config) { c.RefusalBurst = burst; c.RefusalRate = 0.01; c.directInterval = 0 })
	b := newHost(t, bootstrapFrom(a))
	ra := newRecorder(func(p []byte) Verdict {
		if bytes.HasPrefix(p, []byte("spam")) {
			return Refuse
		}
		return Accept
	})
	ta := joinTx(t, a, ra)
	tb := joinTx(t, b, newRecorder(nil))
	waitFor(t, 10*time.Second, "B connected to A", func() bool { return b.Peers() > 0 })
	validated := func(prefix string) (n int) {
		ra.mu.Lock()
		defer ra.mu.Unlock()
		for p, c := range ra.count {
			if bytes.HasPrefix([]byte(p), []byte(prefix)) {
				n += c
			}
		}
		return n
	}
	ctx := context.Background()
	spam := make([][]byte, 300)
	for i := range spam {
		spam[i] = []byte(fmt.Sprintf("spam %d", i))
	}
	if err := tb.SendDirect(ctx, a.ID(), spam); err != nil {
		t.Fatalf("the first direct send: %v", err)
	}
	if n := validated("spam"); n != len(spam) {
		t.Fatalf("A validated %d of the first direct send's %d payloads", n, len(spam))
	}
	if st := a.PeerBudget(b.ID()); st.Throttled || st.Refused != 0 {
		t.Fatalf("refusals in a direct send spent B's budget: %+v", st)
	}
	if err := tb.SendDirect(ctx, a.ID(), [][]byte{[]byte("spam again"), []byte("fine 1")}); err == nil {
		t.Fatal("a second direct send within the interval went through")
	}
	if n := validated("spam again") + validated("fine"); n != 0 {
		t.Fatalf("A validated %d payloads of a second direct send within the interval", n)
	}
	// A peer whose budget is spent on gossip gets no direct send read.
	c := newHost(t, bootstrapFrom(a))
	tc := joinTx(t, c, newRecorder(nil))
	waitFor(t, 10*time.Second, "C in A's mesh", func() bool { return ta.InMesh(c.ID()) })
	for i := 0; i < 5*burst; i++ {
		if err := tc.Publish(ctx, []byte(fmt.Sprintf("spam gossip %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 10*time.Second, "C throttled at A", func() bool { return a.PeerBudget(c.ID()).Throttled })
	if err := tc.SendDirect(ctx, a.ID(), [][]byte{[]byte("fine 2")}); err == nil || validated("fine") != 0 {
		t.Fatalf("a throttled peer's direct send: %v, %d validated", err, validated("fine"))
	}
}

// TestHandOverTriesAgainAfterARefusedSend: a peer refuses a second direct
// send from one host within its interval (a node that restarted quickly
// hands over again). The hand-over tries again once the interval is over,
// with the payloads of that moment, and the peer gets them; without the
// second try they would wait for gossip's seen period (2 minutes).
func TestHandOverTriesAgainAfterARefusedSend(t *testing.T) {
	checkLeaks(t)
	const every = time.Second
	a := newHost(t, func(c *Config) { c.directInterval = every })
	ta := joinTx(t, a, newRecorder(nil))
	primed := make(chan struct{})
	var asked atomic.Int32
	if err := ta.HandOver(func() [][]byte {
		<-primed // the peer has just taken another direct send from A
		asked.Add(1)
		return [][]byte{[]byte("handed over")}
	}); err != nil {
		t.Fatal(err)
	}
	if err := ta.HandOver(func() [][]byte { return nil }); err == nil {
		t.Fatal("HandOver twice on one topic: no error")
	}
	b := newHost(t, bootstrapFrom(a), func(c *Config) { c.directInterval = every })
	rb := newRecorder(nil)
	joinTx(t, b, rb)
	waitFor(t, 10*time.Second, "A sees B on the topic", func() bool { return slices.Contains(ta.t.ListPeers(), b.ID()) })
	if err := ta.SendDirect(context.Background(), b.ID(), [][]byte{[]byte("primer")}); err != nil {
		t.Fatalf("the primer: %v", err)
	}
	close(primed)
	waitFor(t, 10*time.Second, "B validates the hand-over", func() bool { return rb.seen("handed over") == 1 })
	if n := asked.Load(); n != 2 {
		t.Fatalf("the hand-over asked for its payloads %d times, want 2 (refused, then taken)", n)
	}
	if rb.sender("handed over") != a.ID() {
		t.Fatalf("the hand-over came from %s", rb.sender("handed over"))
	}
}
