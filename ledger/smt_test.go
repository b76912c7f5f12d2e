package ledger

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

// treeState applies KVs incrementally to a tree over a map node store.
type treeState struct {
	nodes  mapState
	values map[string][]byte
	root   Hash
}

func newTreeState() *treeState { return &treeState{nodes: mapState{}, values: map[string][]byte{}} }

func (s *treeState) apply(t *rapid.T, kvs []KV) {
	tr := NewTree(s.nodes)
	root, err := tr.Update(kvs)
	if err != nil {
		t.Fatal(err)
	}
	s.nodes.commit(tr.Writes())
	s.root = root
	for _, kv := range kvs {
		if kv.Value == nil {
			delete(s.values, string(kv.Key))
		} else {
			s.values[string(kv.Key)] = kv.Value
		}
	}
}

// fromScratch builds the tree of the current values in one update.
func (s *treeState) fromScratch(t *rapid.T) Hash {
	var kvs []KV
	for k, v := range s.values {
		kvs = append(kvs, KV{Key: []byte(k), Value: v})
	}
	tr := NewTree(mapState{})
	root, err := tr.Update(kvs)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestTreeShapeIndependentOfHistory(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := newTreeState()
		keys := rapid.SliceOfNDistinct(rapid.IntRange(0, 400), 1, 60, rapid.ID[int]).Draw(t, "keys")
		rounds := rapid.IntRange(1, 6).Draw(t, "rounds")
		for r := 0; r < rounds; r++ {
			var kvs []KV
			seen := map[int]bool{}
			for _, k := range rapid.SliceOf(rapid.SampledFrom(keys)).Draw(t, fmt.Sprint("touch", r)) {
				if seen[k] {
					continue
				}
				seen[k] = true
				var v []byte
				if rapid.Bool().Draw(t, "set") {
					v = []byte(fmt.Sprintf("v%d-%d", k, rapid.IntRange(0, 3).Draw(t, "val")))
				}
				kvs = append(kvs, KV{Key: []byte(fmt.Sprint("k", k)), Value: v})
			}
			s.apply(t, kvs)
			if want := s.fromScratch(t); s.root != want {
				t.Fatalf("round %d: incremental root %x, from scratch %x", r, s.root, want)
			}
			// Stored nodes: exactly what a fresh build stores (no garbage).
			fresh := NewTree(mapState{})
			var all []KV
			for k, v := range s.values {
				all = append(all, KV{Key: []byte(k), Value: v})
			}
			fresh.Update(all)
			live := 0
			for _, w := range fresh.Writes() {
				if w.Value != nil {
					live++
				}
			}
			if live != len(s.nodes) {
				t.Fatalf("round %d: %d nodes stored, canonical tree has %d", r, len(s.nodes), live)
			}
			// Proofs: every key, present or absent.
			tr := NewTree(s.nodes)
			for _, k := range keys {
				sk := []byte(fmt.Sprint("k", k))
				p, err := tr.Prove(sk)
				if err != nil {
					t.Fatal(err)
				}
				v := s.values[string(sk)]
				if !VerifyProof(s.root, sk, v, p) {
					t.Fatalf("proof of %s=%q fails", sk, v)
				}
				if VerifyProof(s.root, sk, []byte("forged"), p) {
					t.Fatalf("forged value for %s verifies", sk)
				}
				if v != nil && VerifyProof(s.root, sk, nil, p) {
					t.Fatalf("absence of present %s verifies", sk)
				}
			}
		}
	})
}

func TestTreeEmpty(t *testing.T) {
	tr := NewTree(mapState{})
	root, err := tr.Update([]KV{{Key: []byte("a"), Value: []byte("1")}})
	if err != nil || root.IsZero() {
		t.Fatal(root, err)
	}
	nodes := mapState{}
	nodes.commit(tr.Writes())
	tr = NewTree(nodes)
	root, _ = tr.Update([]KV{{Key: []byte("a")}})
	nodes.commit(tr.Writes())
	if !root.IsZero() || len(nodes) != 0 {
		t.Fatalf("emptied tree: root %x, %d nodes", root, len(nodes))
	}
}
