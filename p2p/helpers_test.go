package p2p

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"go.uber.org/goleak"
)

const testNetwork = "testnet"

// testHeartbeat speeds gossipsub up so meshes form within a few hundred
// milliseconds.
const testHeartbeat = 100 * time.Millisecond

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// checkLeaks verifies, after every other cleanup of t (hosts closed),
// that no goroutine is left over.
func checkLeaks(t *testing.T) {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t) })
}

func testKey(t testing.TB) crypto.PrivKey {
	t.Helper()
	k, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testLogger() *slog.Logger {
	if !testing.Verbose() {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// newHost starts a host on 127.0.0.1 and closes it when the test ends.
func newHost(t testing.TB, mod ...func(*Config)) *Host {
	t.Helper()
	cfg := Config{
		Network:   testNetwork,
		Identity:  testKey(t),
		Logger:    testLogger(),
		heartbeat: testHeartbeat,
		// Tests send direct payloads back to back; the interval has its own
		// test (TestAttackDirectSendsAreAHandOverNotAChannel).
		directInterval: -1,
	}
	for _, f := range mod {
		f(&cfg)
	}
	h, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return h
}

func bootstrapFrom(hs ...*Host) func(*Config) {
	return func(c *Config) {
		for _, h := range hs {
			c.Bootstrap = append(c.Bootstrap, h.Addrs()...)
		}
	}
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// recorder is a Validator that records what it sees.
type recorder struct {
	mu      sync.Mutex
	count   map[string]int
	from    map[string]peer.ID
	verdict func(payload []byte) Verdict
}

func newRecorder(verdict func([]byte) Verdict) *recorder {
	if verdict == nil {
		verdict = func([]byte) Verdict { return Accept }
	}
	return &recorder{count: map[string]int{}, from: map[string]peer.ID{}, verdict: verdict}
}

func (r *recorder) validate(_ context.Context, from peer.ID, payload []byte) Verdict {
	r.mu.Lock()
	r.count[string(payload)]++
	if _, ok := r.from[string(payload)]; !ok {
		r.from[string(payload)] = from
	}
	r.mu.Unlock()
	return r.verdict(payload)
}

func (r *recorder) seen(payload string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count[payload]
}

func (r *recorder) sender(payload string) peer.ID {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.from[payload]
}

func joinTx(t testing.TB, h *Host, r *recorder) *Topic {
	t.Helper()
	tp, err := h.Topic(TxTopicName(testNetwork), r.validate)
	if err != nil {
		t.Fatalf("Topic: %v", err)
	}
	return tp
}

func waitMesh(t testing.TB, tp *Topic, n int) {
	t.Helper()
	waitFor(t, 10*time.Second, "mesh of "+tp.h.ID().ShortString(), func() bool { return tp.MeshPeers() >= n })
}
