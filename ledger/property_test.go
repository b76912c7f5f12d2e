package ledger

import (
	"testing"

	"github.com/holiman/uint256"
	"pgregory.net/rapid"
)

// simNode is one node of the property test: a settled store folded from the
// shared chain, and a pending view built from transactions in the order it
// heard them, with a nonce-gap queue.
type simNode struct {
	state  mapState
	nodes  mapState
	root   Hash
	heard  []*Verified
	queued map[Address][]*Verified
}

func newSimNode() *simNode {
	return &simNode{state: mapState{}, nodes: mapState{}, queued: map[Address][]*Verified{}}
}

// pendingView rebuilds the pending overlay from heard transactions.
func (n *simNode) pendingView() *Overlay {
	st := NewOverlay(n.state)
	waiting := append([]*Verified(nil), n.heard...)
	for progress := true; progress; {
		progress = false
		rest := waiting[:0]
		for _, tx := range waiting {
			if _, err := Apply(st, tx, Env{}); err != nil && errorsIsGap(err) {
				rest = append(rest, tx)
				continue
			}
			progress = true
		}
		waiting = rest
	}
	return st
}

func errorsIsGap(err error) bool { return err != nil && IsSkip(err) && !isTooLow(err) }

func isTooLow(err error) bool {
	for e := err; e != nil; {
		if e == ErrNonceTooLow {
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

func (n *simNode) fold(t *rapid.T, batch []byte) {
	txs, err := DecodeBatch(batch, n.state)
	if err != nil {
		t.Fatalf("decode own batch: %v", err)
	}
	var vs []*Verified
	for _, bt := range txs {
		if bt.Err != nil {
			continue
		}
		v, err := Verify(bt.Tx, testDomain, btcecRecoverer{})
		if err != nil {
			t.Fatalf("batch tx does not verify: %v", err)
		}
		vs = append(vs, v)
	}
	res, err := Fold(n.state, n.nodes, vs, Env{})
	if err != nil {
		t.Fatal(err)
	}
	n.state.commit(res.StateWrites)
	n.nodes.commit(res.TreeWrites)
	n.root = res.StateRoot
}

// supplies sums every balance per asset from raw state.
func supplies(st mapState) map[Hash]*uint256.Int {
	out := map[Hash]*uint256.Int{}
	for k, v := range st {
		if kind, _, asset := ParseStateKey([]byte(k)); kind == "balance" {
			if out[asset] == nil {
				out[asset] = new(uint256.Int)
			}
			out[asset].Add(out[asset], new(uint256.Int).SetBytes(v))
		}
	}
	return out
}

func TestPropertyNodesAgree(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nKeys := rapid.IntRange(2, 6).Draw(t, "accounts")
		keys := make([]*testKey, nKeys)
		for i := range keys {
			keys[i] = newTestKey(uint64(100 + i))
		}
		// The issuer (key 0) issues two assets; the first batch settles them.
		var all []*Verified
		nonces := make([]uint64, nKeys)
		assets := []Hash{}
		for i := 0; i < 2; i++ {
			v := mustVerify(keys[0].sign(&IssueAsset{Issuer: keys[0].addr, Symbol: "A", Decimals: 0, Supply: u(1000), Nonce: nonces[0]}, testDomain))
			nonces[0]++
			assets = append(assets, v.ID)
			all = append(all, v)
		}
		nTx := rapid.IntRange(1, 40).Draw(t, "txs")
		for i := 0; i < nTx; i++ {
			from := rapid.IntRange(0, nKeys-1).Draw(t, "from")
			to := (from + 1 + rapid.IntRange(0, nKeys-2).Draw(t, "to")) % nKeys
			nonce := nonces[from]
			switch rapid.IntRange(0, 9).Draw(t, "nonce-mode") {
			case 0: // equivocation or replay: reuse an old nonce
				if nonce > 0 {
					nonce--
				}
			case 1: // a gap that may never fill
				nonce += 2
			default:
				nonces[from]++
			}
			p := &Transfer{From: keys[from].addr, To: keys[to].addr, Asset: assets[rapid.IntRange(0, 1).Draw(t, "asset")],
				Amount: u(uint64(rapid.IntRange(1, 700).Draw(t, "amount"))), Nonce: nonce}
			all = append(all, mustVerify(keys[from].sign(p, testDomain)))
		}
		nodes := []*simNode{newSimNode(), newSimNode(), newSimNode()}
		// Each node hears every tx, in its own order.
		for _, n := range nodes {
			perm := rapid.Permutation(all).Draw(t, "delivery")
			n.heard = perm
			pv := n.pendingView()
			if pv.Err() != nil {
				t.Fatal(pv.Err())
			}
		}
		// Racing settlers: each round a random node posts a batch of what it
		// heard, in its own order, possibly overlapping earlier batches.
		var chain [][]byte
		rounds := rapid.IntRange(1, 5).Draw(t, "rounds")
		for r := 0; r < rounds; r++ {
			// One to three settlers build against the same settled state;
			// their batches then land one after another.
			var posted [][]byte
			for p := rapid.IntRange(1, 3).Draw(t, "settlers"); p > 0; p-- {
				poster := nodes[rapid.IntRange(0, len(nodes)-1).Draw(t, "poster")]
				b := NewBatchBuilder(poster.state)
				lo := rapid.IntRange(0, len(poster.heard)).Draw(t, "lo")
				for _, v := range poster.heard[lo:] {
					b.Add(v.Tx)
				}
				posted = append(posted, b.Bytes())
			}
			for _, batch := range posted {
				chain = append(chain, batch)
				for _, n := range nodes {
					n.fold(t, batch)
				}
			}
			for _, n := range nodes[1:] {
				if n.root != nodes[0].root {
					t.Fatalf("batch %d: roots differ: %x vs %x", r, n.root, nodes[0].root)
				}
			}
			for id, sum := range supplies(nodes[0].state) {
				if sum.Uint64() != 1000 {
					t.Fatalf("asset %x: balances sum to %s, supply 1000", id, sum.Dec())
				}
			}
		}
		// A node that joins late folds the same chain to the same root.
		late := newSimNode()
		for _, b := range chain {
			late.fold(t, b)
		}
		if late.root != nodes[0].root {
			t.Fatalf("late node root %x, others %x", late.root, nodes[0].root)
		}
		// Every pending view conserves supply too.
		for _, n := range nodes {
			pv := n.pendingView()
			merged := mapState{}
			for k, v := range n.state {
				merged[k] = v
			}
			merged.commit(pv.Writes())
			for id, sum := range supplies(merged) {
				if sum.Uint64() != 1000 {
					t.Fatalf("pending view: asset %x sums to %s", id, sum.Dec())
				}
			}
		}
	})
}
