package p2p

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// star starts A, and B and C bootstrapping from A, all in the tx topic
// with a formed mesh (A meshes with B and C, B and C with A).
func star(t *testing.T) (hs [3]*Host, tps [3]*Topic, recs [3]*recorder) {
	t.Helper()
	hs[0] = newHost(t)
	hs[1] = newHost(t, bootstrapFrom(hs[0]))
	hs[2] = newHost(t, bootstrapFrom(hs[0]))
	for i := range hs {
		recs[i] = newRecorder(nil)
		tps[i] = joinTx(t, hs[i], recs[i])
	}
	waitFor(t, 10*time.Second, "bootstrap connections", func() bool { return hs[0].Peers() == 2 })
	waitMesh(t, tps[0], 2)
	waitMesh(t, tps[1], 1)
	waitMesh(t, tps[2], 1)
	return hs, tps, recs
}

func TestGossipThroughMesh(t *testing.T) {
	checkLeaks(t)
	hs, tps, recs := star(t)
	a, b, c := hs[0], hs[1], hs[2]
	if b.Peers() != 1 || c.Peers() != 1 {
		t.Fatalf("B and C should only know A: B has %d peers, C has %d", b.Peers(), c.Peers())
	}

	const msg = "tx from C"
	if err := tps[2].Publish(context.Background(), []byte(msg)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "delivery at A and B", func() bool {
		return recs[0].seen(msg) == 1 && recs[1].seen(msg) == 1
	})
	// The local publish ran C's own validator, with C as sender.
	if n, from := recs[2].seen(msg), recs[2].sender(msg); n != 1 || from != c.ID() {
		t.Errorf("C's validator: seen %d times, from %s; want once, from C", n, from)
	}
	if from := recs[0].sender(msg); from != c.ID() {
		t.Errorf("A got it from %s, want C", from)
	}
	// B is not connected to C: the message came through A's mesh.
	if from := recs[1].sender(msg); from != a.ID() {
		t.Errorf("B got it from %s, want A (relay)", from)
	}
}

func TestMessageIDIsSHA256(t *testing.T) {
	checkLeaks(t)
	payload := []byte("some payload")
	sum := sha256.Sum256(payload)
	if got := messageID(&pb.Message{Data: payload}); got != string(sum[:]) {
		t.Fatalf("messageID = %x, want %x", got, sum)
	}

	_, tps, recs := star(t)
	// A and B publish the identical payload at the same time: C must
	// deliver (validate) it once.
	const msg = "identical payload"
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { errs[i] = tps[i].Publish(context.Background(), []byte(msg)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	waitFor(t, 5*time.Second, "delivery at C", func() bool { return recs[2].seen(msg) >= 1 })
	// A marker published after it, on the same paths, proves the second
	// copy has had time to arrive.
	if err := tps[0].Publish(context.Background(), []byte("marker")); err != nil {
		t.Fatal(err)
	}
	if err := tps[1].Publish(context.Background(), []byte("marker 2")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "markers at C", func() bool { return recs[2].seen("marker") == 1 && recs[2].seen("marker 2") == 1 })
	time.Sleep(3 * testHeartbeat)
	if n := recs[2].seen(msg); n != 1 {
		t.Fatalf("C validated the identical payload %d times, want 1", n)
	}
	// Republishing an already delivered payload is a no-op.
	if err := tps[2].Publish(context.Background(), []byte(msg)); err != nil {
		t.Fatalf("republish: %v", err)
	}
	if n := recs[2].seen(msg); n != 1 {
		t.Fatalf("republish re-ran the validator: %d", n)
	}
}

func TestRejectedNotForwarded(t *testing.T) {
	checkLeaks(t)
	// Line A - B - C: A and C are connected only through B.
	a := newHost(t)
	b := newHost(t, bootstrapFrom(a))
	c := newHost(t, bootstrapFrom(b))
	ra := newRecorder(nil)
	rb := newRecorder(func(p []byte) Verdict {
		if bytes.HasPrefix(p, []byte("bad")) {
			return Reject
		}
		return Accept
	})
	rc := newRecorder(nil)
	ta, tb, tc := joinTx(t, a, ra), joinTx(t, b, rb), joinTx(t, c, rc)
	waitFor(t, 10*time.Second, "line topology", func() bool { return b.Peers() == 2 })
	waitMesh(t, ta, 1)
	waitMesh(t, tb, 2)
	waitMesh(t, tc, 1)
	if a.Peers() != 1 || c.Peers() != 1 {
		t.Fatalf("A and C must only know B: %d, %d", a.Peers(), c.Peers())
	}

	ctx := context.Background()
	for _, m := range []string{"bad 1", "good 1", "bad 2", "good 2"} {
		if err := ta.Publish(ctx, []byte(m)); err != nil {
			t.Fatalf("publish %q: %v", m, err)
		}
	}
	waitFor(t, 5*time.Second, "good messages at C", func() bool { return rc.seen("good 1") == 1 && rc.seen("good 2") == 1 })
	time.Sleep(3 * testHeartbeat) // let gossip (IHAVE) run too
	for _, m := range []string{"bad 1", "bad 2"} {
		if rb.seen(m) != 1 {
			t.Errorf("B validated %q %d times, want 1", m, rb.seen(m))
		}
		if rc.seen(m) != 0 {
			t.Errorf("C received %q, which B rejected", m)
		}
	}
	// Two rejects cost A its place in B's mesh (any negative score does)
	// but do not graylist it: B still accepts and forwards its messages.
	if err := ta.Publish(ctx, []byte("good 3")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "good 3 at C", func() bool { return rc.seen("good 3") == 1 })
}

func TestOversizeRefused(t *testing.T) {
	checkLeaks(t)
	victim := newHost(t)
	rv := newRecorder(nil)
	tv := joinTx(t, victim, rv)

	ctx := context.Background()
	if err := tv.Publish(ctx, make([]byte, DefaultMaxMessageSize+1)); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("publish oversize: %v, want ErrMessageTooLarge", err)
	}
	if err := tv.Publish(ctx, nil); !errors.Is(err, ErrEmptyMessage) {
		t.Fatalf("publish empty: %v, want ErrEmptyMessage", err)
	}
	if err := tv.Publish(ctx, bytes.Repeat([]byte{'x'}, DefaultMaxMessageSize)); err != nil {
		t.Fatalf("publish at the limit: %v", err)
	}

	// A rogue peer with a larger limit sends oversize payloads anyway.
	rogue := newHost(t, bootstrapFrom(victim), func(c *Config) { c.MaxMessageSize = MaxMaxMessageSize })
	tr := joinTx(t, rogue, newRecorder(nil))
	waitFor(t, 10*time.Second, "rogue in topic", func() bool { return tr.Peers() == 1 && tv.Peers() == 1 })

	justOver := bytes.Repeat([]byte{'j'}, DefaultMaxMessageSize+1)           // within the wire limit: rejected
	wayOver := bytes.Repeat([]byte{'w'}, DefaultMaxMessageSize+wireOverhead) // beyond it: dropped unread
	if err := tr.Publish(ctx, justOver); err != nil {
		t.Fatal(err)
	}
	if err := tr.Publish(ctx, []byte("ok 1")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "ok 1 at victim", func() bool { return rv.seen("ok 1") == 1 })
	if err := tr.Publish(ctx, wayOver); err != nil {
		t.Fatal(err)
	}
	// A marker published after it reaching the victim shows the victim has
	// handled the oversize payload (it came first on the same path). The
	// victim may reset that stream: a marker can be lost with it, so one
	// is sent each heartbeat until one arrives.
	// The victim resets the stream that carried it once it reads the
	// frame's length (the rogue then drops the victim from the topic):
	// the positive signal that the payload reached the victim and was
	// refused, before checking that no validator saw it.
	waitFor(t, 5*time.Second, "the victim refusing the oversize frame", func() bool { return tr.Peers() == 0 })
	if rv.seen(string(justOver)) != 0 || rv.seen(string(wayOver)) != 0 {
		t.Fatal("victim's validator saw an oversize payload")
	}
	if n := victim.Stats().OversizeRejected; n != 1 {
		t.Fatalf("victim rejected %d payloads for size, want 1 (the one within the wire limit)", n)
	}
}

func TestQUICOnly(t *testing.T) {
	checkLeaks(t)
	quicOnly := func(c *Config) { c.ListenAddrs = []string{"/ip4/127.0.0.1/udp/0/quic-v1"} }
	a := newHost(t, quicOnly)
	for _, addr := range a.Addrs() {
		if !strings.Contains(addr, "/quic-v1/p2p/") {
			t.Fatalf("QUIC-only host advertises %s", addr)
		}
	}
	b := newHost(t, quicOnly)
	if err := b.Connect(context.Background(), a.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	if a.Peers() != 1 || b.Peers() != 1 {
		t.Fatalf("peers: %d, %d", a.Peers(), b.Peers())
	}
	for _, conn := range b.h.Network().ConnsToPeer(a.ID()) {
		if _, err := conn.RemoteMultiaddr().ValueForProtocol(ma.P_QUIC_V1); err != nil {
			t.Fatalf("connection over %s, want QUIC", conn.RemoteMultiaddr())
		}
	}
	ra, rb := newRecorder(nil), newRecorder(nil)
	ta, tb := joinTx(t, a, ra), joinTx(t, b, rb)
	waitMesh(t, ta, 1)
	waitMesh(t, tb, 1)
	if err := ta.Publish(context.Background(), []byte("over quic")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "delivery over QUIC", func() bool { return rb.seen("over quic") == 1 })
	// Connecting again is a no-op.
	if err := b.Connect(context.Background(), a.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
}

func TestBootstrapReconnectsAfterRestart(t *testing.T) {
	checkLeaks(t)
	keyA := testKey(t)
	a1, err := New(context.Background(), Config{Network: testNetwork, Identity: keyA, heartbeat: testHeartbeat})
	if err != nil {
		t.Fatal(err)
	}
	addrs := a1.Addrs()
	var listen []string // the ports actually bound, for the restart
	for _, s := range addrs {
		listen = append(listen, strings.Split(s, "/p2p/")[0])
	}
	b := newHost(t, func(c *Config) { c.Bootstrap = addrs })
	rb := newRecorder(nil)
	tb := joinTx(t, b, rb)
	waitFor(t, 10*time.Second, "B connected to A", func() bool { return b.Peers() == 1 })

	if err := a1.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "B notices A is gone", func() bool { return b.Peers() == 0 })
	time.Sleep(time.Second) // let B fail a few dials and back off

	restarted := time.Now()
	a2 := newHost(t, func(c *Config) {
		c.Identity = keyA
		c.ListenAddrs = listen
	})
	if a2.ID() != a1.ID() {
		t.Fatal("restarted host has another ID")
	}
	waitFor(t, 20*time.Second, "B reconnects to restarted A", func() bool { return b.Peers() == 1 && a2.Peers() == 1 })
	t.Logf("B reconnected %v after A restarted", time.Since(restarted).Round(time.Millisecond))

	ta := joinTx(t, a2, newRecorder(nil))
	waitMesh(t, ta, 1)
	waitMesh(t, tb, 1)
	if err := ta.Publish(context.Background(), []byte("after restart")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "gossip after restart", func() bool { return rb.seen("after restart") == 1 })
}

func TestListenConflict(t *testing.T) {
	checkLeaks(t)
	a := newHost(t)
	for _, s := range a.Addrs() {
		taken := strings.Split(s, "/p2p/")[0]
		h, err := New(context.Background(), Config{Network: testNetwork, Identity: testKey(t),
			ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1", taken}})
		if err == nil {
			h.Close()
			t.Fatalf("second host listening on taken %s started", taken)
		}
		if !errors.Is(err, ErrListen) || !strings.Contains(err.Error(), taken) {
			t.Fatalf("taken %s: %v, want ErrListen naming it", taken, err)
		}
	}
	// Not a local address.
	h, err := New(context.Background(), Config{Network: testNetwork, Identity: testKey(t),
		ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0", "/ip4/192.0.2.1/tcp/4001"}})
	if err == nil {
		h.Close()
		t.Fatal("listening on a foreign address succeeded")
	}
	if !errors.Is(err, ErrListen) {
		t.Fatalf("foreign address: %v", err)
	}
}

func TestCloseTwice(t *testing.T) {
	checkLeaks(t)
	a := newHost(t)
	b := newHost(t, bootstrapFrom(a))
	ta := joinTx(t, a, newRecorder(nil))
	joinTx(t, b, newRecorder(nil))
	waitFor(t, 10*time.Second, "connection", func() bool { return a.Peers() == 1 })
	bAddr := b.Addrs()[0]

	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ta.Publish(context.Background(), []byte("late")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Publish after Close: %v, want ErrClosed", err)
	}
	if _, err := a.Topic(OfferTopicName(testNetwork), newRecorder(nil).validate); !errors.Is(err, ErrClosed) {
		t.Fatalf("Topic after Close: %v, want ErrClosed", err)
	}
	if err := a.Connect(context.Background(), bAddr); !errors.Is(err, ErrClosed) {
		t.Fatalf("Connect after Close: %v, want ErrClosed", err)
	}
}

func TestOwnVerdicts(t *testing.T) {
	checkLeaks(t)
	h := newHost(t)
	r := newRecorder(func(p []byte) Verdict {
		switch string(p) {
		case "reject":
			return Reject
		case "ignore":
			return Ignore
		case "refuse":
			return Refuse
		case "panic":
			panic("validator bug")
		}
		return Accept
	})
	tp := joinTx(t, h, r)
	ctx := context.Background()
	if err := tp.Publish(ctx, []byte("reject")); !errors.Is(err, ErrRejected) {
		t.Errorf("reject: %v", err)
	}
	if err := tp.Publish(ctx, []byte("ignore")); !errors.Is(err, ErrIgnored) {
		t.Errorf("ignore: %v", err)
	}
	if err := tp.Publish(ctx, []byte("refuse")); !errors.Is(err, ErrIgnored) {
		t.Errorf("refuse: %v", err)
	}
	if err := tp.Publish(ctx, []byte("panic")); !errors.Is(err, ErrIgnored) {
		t.Errorf("panic: %v", err)
	}
	if err := tp.Publish(ctx, []byte("fine")); err != nil {
		t.Errorf("accept: %v", err)
	}
	if from := r.sender("fine"); from != h.ID() {
		t.Errorf("local publish validated with from=%s, want own ID", from)
	}
	// The host's own publishes cost no refusal budget.
	if b := h.PeerBudget(h.ID()); b.Refused != 0 || b.Tokens != DefaultRefusalBurst {
		t.Errorf("own refusals charged: %+v", b)
	}
	// An ignored payload is not "delivered": publishing it again re-validates.
	if err := tp.Publish(ctx, []byte("ignore")); !errors.Is(err, ErrIgnored) || r.seen("ignore") != 2 {
		t.Errorf("re-publish of ignored payload: %v, validated %d times", err, r.seen("ignore"))
	}
}

func TestTopicErrors(t *testing.T) {
	checkLeaks(t)
	h := newHost(t)
	v := newRecorder(nil).validate
	if _, err := h.Topic(TxTopicName("othernet"), v); !errors.Is(err, ErrTopicName) {
		t.Errorf("foreign network: %v", err)
	}
	if _, err := h.Topic("/meshsub/whatever", v); !errors.Is(err, ErrTopicName) {
		t.Errorf("bad name: %v", err)
	}
	if _, err := h.Topic(TxTopicName(testNetwork), nil); !errors.Is(err, ErrNilValidator) {
		t.Errorf("nil validator: %v", err)
	}
	tp, err := h.Topic(TxTopicName(testNetwork), v)
	if err != nil {
		t.Fatal(err)
	}
	if tp.Name() != "/anonex/testnet/tx/1" {
		t.Errorf("name %q", tp.Name())
	}
	if _, err := h.Topic(TxTopicName(testNetwork), v); !errors.Is(err, ErrTopicJoined) {
		t.Errorf("join twice: %v", err)
	}
	for _, name := range []string{OfferTopicName(testNetwork), EvidenceTopicName(testNetwork)} {
		if _, err := h.Topic(name, v); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestConnectErrors(t *testing.T) {
	checkLeaks(t)
	h := newHost(t)
	ctx := context.Background()
	if err := h.Connect(ctx, "/ip4/127.0.0.1/tcp/1"); !errors.Is(err, ErrNoPeerID) {
		t.Errorf("no peer id: %v", err)
	}
	if err := h.Connect(ctx, "not a multiaddr"); !errors.Is(err, ErrBadAddr) {
		t.Errorf("garbage: %v", err)
	}
	if err := h.Connect(ctx, h.Addrs()[0]); !errors.Is(err, ErrSelfDial) {
		t.Errorf("self: %v", err)
	}
	other, _ := peer.IDFromPrivateKey(testKey(t))
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := h.Connect(cctx, "/ip4/127.0.0.1/tcp/1/p2p/"+other.String()); err == nil {
		t.Error("dialing a closed port succeeded")
	}
}

func TestAddrs(t *testing.T) {
	checkLeaks(t)
	h := newHost(t)
	addrs := h.Addrs()
	if len(addrs) != 2 {
		t.Fatalf("addrs %v, want one TCP and one QUIC", addrs)
	}
	for _, a := range addrs {
		ai, err := parseDialAddr(a)
		if err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		if ai.ID != h.ID() {
			t.Errorf("%s names %s", a, ai.ID)
		}
		if strings.Contains(a, "/tcp/0/") || strings.Contains(a, "/udp/0/") {
			t.Errorf("%s: port not resolved", a)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	checkLeaks(t)
	secp, _, err := crypto.GenerateSecp256k1Key(nil)
	if err != nil {
		t.Fatal(err)
	}
	self := testKey(t)
	selfID, _ := peer.IDFromPrivateKey(self)
	good := func() Config { return Config{Network: testNetwork, Identity: self} }
	cases := []struct {
		name string
		mod  func(*Config)
		want error
	}{
		{"no network", func(c *Config) { c.Network = "" }, ErrBadNetwork},
		{"bad network", func(c *Config) { c.Network = "Main/Net" }, ErrBadNetwork},
		{"no identity", func(c *Config) { c.Identity = nil }, ErrNoIdentity},
		{"secp256k1 identity", func(c *Config) { c.Identity = secp }, ErrIdentityType},
		{"bad listen", func(c *Config) { c.ListenAddrs = []string{"nope"} }, ErrBadAddr},
		{"listen with p2p", func(c *Config) { c.ListenAddrs = []string{"/ip4/127.0.0.1/tcp/0/p2p/" + selfID.String()} }, ErrBadAddr},
		{"plain udp listen", func(c *Config) { c.ListenAddrs = []string{"/ip4/127.0.0.1/udp/0"} }, ErrBadAddr},
		{"bootstrap without id", func(c *Config) { c.Bootstrap = []string{"/ip4/127.0.0.1/tcp/4001"} }, ErrNoPeerID},
		{"bootstrap self", func(c *Config) { c.Bootstrap = []string{"/ip4/127.0.0.1/tcp/4001/p2p/" + selfID.String()} }, ErrSelfDial},
		{"tiny messages", func(c *Config) { c.MaxMessageSize = 100 }, ErrBadConfig},
		{"huge messages", func(c *Config) { c.MaxMessageSize = 2 << 20 }, ErrBadConfig},
		{"conn low above high", func(c *Config) { c.ConnHigh = 10 }, ErrBadConfig},
		{"negative conn low", func(c *Config) { c.ConnLow = -1 }, ErrBadConfig},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good()
			tc.mod(&cfg)
			h, err := New(context.Background(), cfg)
			if err == nil {
				h.Close()
				t.Fatal("New succeeded")
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "p2p: ") {
				t.Errorf("error %q lacks the p2p: prefix", err)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(ctx, good()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: %v", err)
	}
}

// A peer that keeps relaying rejected messages sees its score, as
// Host.PeerScore reports it, fall below GraylistThreshold; it leaves the
// mesh and the rest of what it sends is ignored unvalidated.
func TestOffenderGraylistedAndPruned(t *testing.T) {
	checkLeaks(t)
	a := newHost(t)
	b := newHost(t, bootstrapFrom(a))
	ra := newRecorder(nil)
	rb := newRecorder(func(p []byte) Verdict {
		if bytes.HasPrefix(p, []byte("bad")) {
			return Reject
		}
		return Accept
	})
	ta, tb := joinTx(t, a, ra), joinTx(t, b, rb)
	waitMesh(t, ta, 1)
	waitMesh(t, tb, 1)
	if !tb.InMesh(a.ID()) {
		t.Fatal("A is not in B's mesh")
	}
	waitFor(t, 5*time.Second, "B scores A", func() bool { s, ok := b.PeerScore(a.ID()); return ok && s >= 0 })
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		if err := ta.Publish(ctx, []byte(fmt.Sprintf("bad %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 5*time.Second, "A graylisted at B", func() bool { s, _ := b.PeerScore(a.ID()); return s < GraylistThreshold })
	waitFor(t, 5*time.Second, "A pruned from B's mesh", func() bool { return !tb.InMesh(a.ID()) })
	if err := ta.Publish(ctx, []byte("good")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * testHeartbeat)
	if n := rb.seen("good"); n != 0 {
		t.Fatalf("B validated a graylisted peer's message %d times", n)
	}
}
