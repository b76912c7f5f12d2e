package p2p

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// stamper is a Validator recording when each numbered payload (index in
// its first 4 bytes) first reached it.
type stamper struct {
	mu   sync.Mutex
	at   []time.Time
	seen int
	done chan struct{}
}

func newStamper(n int) *stamper {
	return &stamper{at: make([]time.Time, n), done: make(chan struct{})}
}

func (s *stamper) validate(_ context.Context, _ peer.ID, p []byte) Verdict {
	now := time.Now()
	i := int(binary.BigEndian.Uint32(p))
	s.mu.Lock()
	defer s.mu.Unlock()
	if i < len(s.at) && s.at[i].IsZero() {
		s.at[i] = now
		s.seen++
		if s.seen == len(s.at) {
			close(s.done)
		}
	}
	return Accept
}

func (s *stamper) wait(timeout time.Duration) {
	select {
	case <-s.done:
	case <-time.After(timeout):
	}
}

func (s *stamper) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen
}

// latencies returns the sorted publish→validator delays of the payloads
// that arrived.
func (s *stamper) latencies(sent []time.Time) []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var d []time.Duration
	for i, at := range s.at {
		if !at.IsZero() {
			d = append(d, at.Sub(sent[i]))
		}
	}
	slices.Sort(d)
	return d
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// payloadBytes fills payloads: distinct on every call (a message's ID is
// the hash of its payload, so a repeat would be deduplicated), and the
// same sequence on every run.
var payloadBytes = rand.NewChaCha8([32]byte{'p', '2', 'p'})

func payload(i, size int) []byte {
	p := make([]byte, size)
	payloadBytes.Read(p[4:])
	binary.BigEndian.PutUint32(p, uint32(i))
	return p
}

// TestGossipPerformance measures publish → validator latency across the
// 3-host star (C publishes; A is one hop, B two hops through A) and
// one-hop throughput. It reports numbers and asserts only delivery.
func TestGossipPerformance(t *testing.T) {
	checkLeaks(t)
	const n, size = 1000, 200
	a := newHost(t)
	b := newHost(t, bootstrapFrom(a))
	c := newHost(t, bootstrapFrom(a))
	topic := TxTopicName(testNetwork)
	sa, sb := newStamper(n), newStamper(n)
	ta, err := a.Topic(topic, sa.validate)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := b.Topic(topic, sb.validate)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := c.Topic(topic, func(context.Context, peer.ID, []byte) Verdict { return Accept })
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "star", func() bool { return a.Peers() == 2 })
	waitMesh(t, ta, 2)
	waitMesh(t, tb, 1)
	waitMesh(t, tc, 1)

	ctx := context.Background()
	// Paced: one message every 500 µs (2,000/s), latency without queueing.
	sent := make([]time.Time, n)
	tick := time.NewTicker(500 * time.Microsecond)
	for i := range n {
		<-tick.C
		sent[i] = time.Now()
		if err := tc.Publish(ctx, payload(i, size)); err != nil {
			t.Fatal(err)
		}
	}
	tick.Stop()
	sa.wait(10 * time.Second)
	sb.wait(10 * time.Second)
	la, lb := sa.latencies(sent), sb.latencies(sent)
	if os.Getenv("P2P_DEBUG") != "" {
		sa.mu.Lock()
		for i, at := range sa.at {
			if d := at.Sub(sent[i]); d > 5*time.Millisecond {
				t.Logf("slow %d: %v", i, d)
			}
		}
		sa.mu.Unlock()
	}
	t.Logf("paced 2000/s, %d × %d B from C: A (1 hop) got %d, p50 %v p99 %v max %v; B (2 hops) got %d, p50 %v p99 %v max %v",
		n, size, len(la), pct(la, .5), pct(la, .99), pct(la, 1), len(lb), pct(lb, .5), pct(lb, .99), pct(lb, 1))
	if len(la) != n || len(lb) != n {
		t.Errorf("paced: lost messages: A %d/%d, B %d/%d", len(la), n, len(lb), n)
	}

	// Burst: the same count published back to back, on the offer topic
	// (a topic's validator is fixed, so fresh stampers need a fresh topic).
	sa2, sb2 := newStamper(n), newStamper(n)
	offer := OfferTopicName(testNetwork)
	oa, err := a.Topic(offer, sa2.validate)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := b.Topic(offer, sb2.validate)
	if err != nil {
		t.Fatal(err)
	}
	oc, err := c.Topic(offer, func(context.Context, peer.ID, []byte) Verdict { return Accept })
	if err != nil {
		t.Fatal(err)
	}
	waitMesh(t, oa, 2)
	waitMesh(t, ob, 1)
	waitMesh(t, oc, 1)
	sent2 := make([]time.Time, n)
	for i := range n {
		sent2[i] = time.Now()
		if err := oc.Publish(ctx, payload(i, size)); err != nil {
			t.Fatal(err)
		}
	}
	pubDur := time.Since(sent2[0])
	sa2.wait(10 * time.Second)
	sb2.wait(10 * time.Second)
	la, lb = sa2.latencies(sent2), sb2.latencies(sent2)
	t.Logf("burst, %d × %d B from C (publish loop %v): A got %d, p50 %v p99 %v; B got %d, p50 %v p99 %v",
		n, size, pubDur.Round(time.Millisecond), len(la), pct(la, .5), pct(la, .99), len(lb), pct(lb, .5), pct(lb, .99))
	if len(la) != n || len(lb) != n {
		t.Errorf("burst: lost messages: A %d/%d, B %d/%d", len(la), n, len(lb), n)
	}

	// Throughput through one hop: C publishes to A (its direct
	// neighbour) as fast as A keeps up, with at most `window` messages
	// published but not yet validated at A. Pubsub has no backpressure: an
	// unpaced publisher overruns the per-peer queue and messages are
	// dropped (counted in Stats.DroppedRPCs).
	const m, window = 20000, 1000
	sa3 := newStamper(m)
	ea, err := a.Topic(EvidenceTopicName(testNetwork), sa3.validate)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := c.Topic(EvidenceTopicName(testNetwork), func(context.Context, peer.ID, []byte) Verdict { return Accept })
	if err != nil {
		t.Fatal(err)
	}
	waitMesh(t, ea, 1)
	waitMesh(t, ec, 1)
	dropsBefore := c.Stats().DroppedRPCs
	start := time.Now()
	// A message lost on the way (a dropped RPC, a throttled validation)
	// never frees its place in the window: without progress for 10 s the
	// test stops waiting and fails instead of spinning forever.
	stalled := false
	for i := range m {
		last, since := sa3.count(), time.Now()
		for i-sa3.count() >= window {
			if n := sa3.count(); n != last {
				last, since = n, time.Now()
			} else if time.Since(since) > 10*time.Second {
				stalled = true
				break
			}
			time.Sleep(50 * time.Microsecond)
		}
		if stalled {
			t.Errorf("throughput: no message validated at A for 10 s with %d in flight (published %d, validated %d)", window, i, last)
			break
		}
		if err := ec.Publish(ctx, payload(i, size)); err != nil {
			t.Fatal(err)
		}
	}
	sa3.wait(10 * time.Second)
	el := time.Since(start)
	got := sa3.count()
	t.Logf("one hop throughput: %d × %d B in %v = %.0f msg/s validated at A (window %d; dropped RPCs at C: %d, throttled at A: %d)",
		got, size, el.Round(time.Millisecond), float64(got)/el.Seconds(), window,
		c.Stats().DroppedRPCs-dropsBefore, a.Stats().ThrottledMessages)
	if got != m {
		t.Errorf("throughput: lost %d of %d", m-got, m)
	}
}
