package p2p

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestStatsCountVerdicts: a received message is counted under the verdict
// its validator gave (a panic as Ignore); the host's own publishes are
// not counted, whatever its validator said of them.
func TestStatsCountVerdicts(t *testing.T) {
	checkLeaks(t)
	ctx := context.Background()
	judge := newRecorder(func(p []byte) Verdict {
		switch {
		case strings.HasPrefix(string(p), "ignore"):
			return Ignore
		case strings.HasPrefix(string(p), "refuse"):
			return Refuse
		case strings.HasPrefix(string(p), "reject"):
			return Reject
		case strings.HasPrefix(string(p), "panic"):
			panic("validator bug")
		}
		return Accept
	})
	a := newHost(t)
	ta := joinTx(t, a, judge)
	b := newHost(t, bootstrapFrom(a))
	tb := joinTx(t, b, newRecorder(nil))
	waitMesh(t, ta, 1)
	waitMesh(t, tb, 1)

	sent := []string{"accept 1", "accept 2", "ignore 1", "refuse 1", "panic 1", "reject 1"}
	for _, p := range sent {
		if err := tb.Publish(ctx, []byte(p)); err != nil {
			t.Fatalf("publish %q: %v", p, err)
		}
		waitFor(t, 5*time.Second, p+" validated at a", func() bool { return judge.seen(p) == 1 })
	}
	// The deferred count runs after the validator returns.
	want := [NumVerdicts]uint64{Accept: 2, Ignore: 2, Refuse: 1, Reject: 1}
	waitFor(t, 5*time.Second, "the counts", func() bool { return a.Stats().Verdicts == want })
	if st := a.Stats(); st.Validated != uint64(len(sent)) {
		t.Fatalf("validated %d, want %d", st.Validated, len(sent))
	}
	// a's own publish is validated by a, and not counted.
	if err := ta.Publish(ctx, []byte("refuse own")); err == nil {
		t.Fatal("a published a payload its own validator refuses")
	}
	if got := a.Stats().Verdicts; got != want {
		t.Fatalf("after an own publish: %v, want %v", got, want)
	}
	if got := b.Stats().Verdicts; got != ([NumVerdicts]uint64{}) {
		t.Fatalf("b counted its own publishes: %v", got)
	}
}
