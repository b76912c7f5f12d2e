package pool

import (
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// settledWith returns a copy of base with vs applied, each successfully.
func settledWith(t *testing.T, base memState, vs ...*ledger.Verified) memState {
	t.Helper()
	out := maps.Clone(base)
	if out == nil {
		out = memState{}
	}
	o := ledger.NewOverlay(out)
	for _, v := range vs {
		if r, err := ledger.Apply(o, v, ledger.Env{}); err != nil || r.Status != ledger.StatusOK {
			t.Fatalf("settling %s: %v %+v", v.Tx.Payload.Kind(), err, r)
		}
	}
	for _, kv := range o.Writes() {
		if kv.Value == nil {
			delete(out, string(kv.Key))
		} else {
			out[string(kv.Key)] = kv.Value
		}
	}
	return out
}

// gate is a Base whose reads wait until it is opened: it holds a rebuild
// over it in the middle, so a test can act on the pool meanwhile.
type gate struct {
	Base
	entered chan struct{}
	once    sync.Once
	open    chan struct{}
}

func newGate(b Base) *gate {
	return &gate{Base: b, entered: make(chan struct{}), open: make(chan struct{})}
}

func (g *gate) Get(k []byte) ([]byte, error) {
	g.once.Do(func() { close(g.entered) })
	<-g.open
	return g.Base.Get(k)
}

// advanceHeld starts Advance onto a gated base and returns once the
// rebuild is reading it; done is closed when Advance returns.
func advanceHeld(t *testing.T, p *Pool, next memState) (g *gate, done chan []ledger.Hash) {
	t.Helper()
	g = newGate(Static(next))
	done = make(chan []ledger.Hash, 1)
	go func() { done <- p.Advance(g, nil) }()
	select {
	case <-g.entered:
	case d := <-done:
		t.Fatalf("Advance returned %v without reading the new settled state", d)
	case <-time.After(10 * time.Second):
		t.Fatal("Advance never read the new settled state")
	}
	return g, done
}

func within(t *testing.T, what string, fn func()) {
	t.Helper()
	ok := make(chan struct{})
	go func() { fn(); close(ok) }()
	select {
	case <-ok:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s waited on the rebuild: the pool's lock is held across it", what)
	}
}

func balance(p *Pool, a ledger.Address, asset ledger.Hash) uint64 {
	var b uint64
	p.View(func(v *ledger.Overlay) { b = v.Balance(a, asset).Uint64() })
	return b
}

// A fold that is not a prefix of the view makes the pool rebuild its view
// over the new settled state. The rebuild runs off the pool's lock:
// transactions arriving meanwhile are admitted against the old view at
// once, readers are answered, and the arrivals are caught up on the new
// view before it is swapped in.
func TestAdvanceRebuildsOffTheLock(t *testing.T) {
	issuer, a, b, c, d := poolKey(t, 0), poolKey(t, 1), poolKey(t, 2), poolKey(t, 3), poolKey(t, 4)
	issue := signed(t, issuer, &ledger.IssueAsset{Issuer: issuer.Address(), Symbol: "EUR", Decimals: 2, Supply: *uint256.NewInt(1e9)})
	eur := issue.ID
	s0 := settledWith(t, nil, issue, xfer(t, issuer, a.Address(), eur, 100, 1))
	p := New(Static(s0), Config{MaxQueue: 4, MaxPool: 100})
	now := time.Now()
	pending := xfer(t, issuer, b.Address(), eur, 10, 2)
	if _, err := p.Add(pending, nil, now); err != nil {
		t.Fatal(err)
	}
	// Another node's batch settled a transfer this pool never saw.
	s1 := settledWith(t, s0, xfer(t, a, c.Address(), eur, 30, 0))
	g, done := advanceHeld(t, p, s1)

	late := xfer(t, issuer, d.Address(), eur, 1, 3)
	within(t, "Add", func() {
		if res, err := p.Add(late, nil, now); err != nil || res != Added {
			t.Errorf("a transaction arriving during the rebuild: %v %v", res, err)
		}
	})
	within(t, "View", func() { balance(p, b.Address(), eur) })
	within(t, "Candidates", func() { p.Candidates(10, 0, now, time.Second) })
	close(g.open)
	if dropped := <-done; len(dropped) != 0 {
		t.Fatalf("the rebuild dropped %v", dropped)
	}
	for _, want := range []struct {
		who  ledger.Address
		name string
		bal  uint64
	}{{a.Address(), "a", 70}, {b.Address(), "b", 10}, {c.Address(), "c", 30}, {d.Address(), "d", 1}} {
		if got := balance(p, want.who, eur); got != want.bal {
			t.Errorf("after the rebuild %s holds %d in the pending view, want %d", want.name, got, want.bal)
		}
	}
	var nonce uint64
	p.View(func(v *ledger.Overlay) { nonce = v.Account(issuer.Address()).Nonce })
	if nonce != 4 || p.Len() != 2 {
		t.Fatalf("issuer's pending nonce %d, %d pending; want 4 and 2", nonce, p.Len())
	}
	// The arrival has its place after the rebuilt ones: a settler posts
	// them in an order that applies.
	cs := p.Candidates(10, 0, now, time.Second)
	if len(cs) != 2 || cs[0].Verified().ID != pending.ID || cs[1].Verified().ID != late.ID {
		t.Fatalf("candidates after the rebuild: %d", len(cs))
	}
}

// An entry that leaves the pool while the new view is built (here: its
// nonce gap expired) must not leave its writes in the new view: the
// rebuild notices and builds again under the lock.
func TestAdvanceForgetsWhatLeftDuringTheRebuild(t *testing.T) {
	issuer, a, b, c := poolKey(t, 0), poolKey(t, 1), poolKey(t, 2), poolKey(t, 3)
	issue := signed(t, issuer, &ledger.IssueAsset{Issuer: issuer.Address(), Symbol: "EUR", Decimals: 2, Supply: *uint256.NewInt(1e9)})
	eur := issue.ID
	s0 := settledWith(t, nil, issue, xfer(t, issuer, a.Address(), eur, 100, 1))
	p := New(Static(s0), Config{MaxQueue: 4, MaxPool: 100})
	now := time.Now()
	gapped := xfer(t, a, b.Address(), eur, 5, 1) // a's nonce 0 unseen here
	if res, err := p.Add(gapped, nil, now); err != nil || res != Queued {
		t.Fatalf("gapped: %v %v", res, err)
	}
	// The gap is filled by a batch of another node: over the new state the
	// gapped transfer applies.
	s1 := settledWith(t, s0, xfer(t, a, c.Address(), eur, 5, 0))
	g, done := advanceHeld(t, p, s1)
	if ids := p.ExpireQueued(now.Add(time.Hour), time.Minute); len(ids) != 1 || ids[0] != gapped.ID {
		t.Fatalf("expired %v", ids)
	}
	close(g.open)
	<-done
	var nonce uint64
	p.View(func(v *ledger.Overlay) { nonce = v.Account(a.Address()).Nonce })
	if got := balance(p, b.Address(), eur); got != 0 || nonce != 1 || p.Len() != 0 {
		t.Fatalf("after the rebuild: b holds %d, a's nonce is %d, %d pending; want 0, 1 and 0 (the expired transfer is gone)", got, nonce, p.Len())
	}
}

// A fold that settled exactly the view's first transactions keeps the
// view's writes and only moves it to the new settled state; what it left
// pending still applies on top.
func TestAdvanceOverAPrefixKeepsTheView(t *testing.T) {
	issuer, a, b := poolKey(t, 0), poolKey(t, 1), poolKey(t, 2)
	issue := signed(t, issuer, &ledger.IssueAsset{Issuer: issuer.Address(), Symbol: "EUR", Decimals: 2, Supply: *uint256.NewInt(1e9)})
	eur := issue.ID
	s0 := settledWith(t, nil, issue)
	p := New(Static(s0), Config{MaxQueue: 4, MaxPool: 100})
	now := time.Now()
	first, second := xfer(t, issuer, a.Address(), eur, 10, 1), xfer(t, issuer, b.Address(), eur, 20, 2)
	for _, v := range []*ledger.Verified{first, second} {
		if _, err := p.Add(v, nil, now); err != nil {
			t.Fatal(err)
		}
	}
	s1 := settledWith(t, s0, first)
	old := p.base
	res := &ledger.FoldResult{Receipts: []ledger.Receipt{{TxID: first.ID, Kind: ledger.KindTransfer, Status: ledger.StatusOK}}}
	g := newGate(Static(s1))
	close(g.open)
	if dropped := p.Advance(g, res); len(dropped) != 0 {
		t.Fatalf("dropped %v", dropped)
	}
	if p.base != Base(g) || p.Len() != 1 {
		t.Fatalf("after a prefix fold: base moved %v, %d pending", p.base != old, p.Len())
	}
	if balance(p, a.Address(), eur) != 10 || balance(p, b.Address(), eur) != 20 {
		t.Fatal("the view lost a write")
	}
	if _, ok := p.Status(first.ID); ok {
		t.Fatal("the settled transfer is still pending")
	}
}
