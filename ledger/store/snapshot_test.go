package store

import (
	"errors"
	"testing"

	"github.com/anonex/anonex/ledger"
)

// A snapshot reads the store as it was when taken: a later commit changes
// neither its state, its tree nor its head. Once closed — by its owner or
// by the store closing under it — it answers ErrClosed instead of
// panicking, and the store closes cleanly with snapshots still open.
func TestSnapshotIsolatesLaterCommits(t *testing.T) {
	s, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	alice := ledger.Address{0xaa}
	key := ledger.StateKeyAccount(alice)
	before, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	res, err := ledger.Fold(s.State(), s.Tree(), nil, ledger.Env{})
	if err != nil {
		t.Fatal(err)
	}
	res.StateWrites = []ledger.KV{{Key: key, Value: make([]byte, 16)}}
	tree := ledger.NewTree(s.Tree())
	root, _ := tree.Update(res.StateWrites)
	res.TreeWrites, res.StateRoot = tree.Writes(), root
	if err := s.Commit(Commit{Result: res, Record: &BatchRecord{Seq: 0, StateRoot: root}, Cursor: []byte("c")}); err != nil {
		t.Fatal(err)
	}
	after, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if v, err := before.Get(key); err != nil || v != nil {
		t.Fatalf("the older snapshot sees a later commit: %x %v", v, err)
	}
	if h, err := before.Head(); err != nil || h.NextSeq != 0 {
		t.Fatalf("the older snapshot's head: %+v %v", h, err)
	}
	if v, err := after.Get(key); err != nil || len(v) != 16 {
		t.Fatalf("the newer snapshot misses the commit: %x %v", v, err)
	}
	if h, err := after.Head(); err != nil || h.NextSeq != 1 || h.StateRoot != root {
		t.Fatalf("the newer snapshot's head: %+v %v", h, err)
	}
	if got, err := ledger.NewTree(after.Tree()).Root(); err != nil || got != root {
		t.Fatalf("the newer snapshot's tree root %x %v, want %x", got, err, root)
	}
	if err := before.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := before.Get(key); !errors.Is(err, ErrClosed) {
		t.Fatalf("read of a closed snapshot: %v", err)
	}
	if err := before.Close(); err != nil {
		t.Fatalf("closing twice: %v", err)
	}
	// after stays open: the store closes it first, as Pebble requires.
	if err := s.Close(); err != nil {
		t.Fatalf("closing the store with a snapshot open: %v", err)
	}
	if _, err := after.Get(key); !errors.Is(err, ErrClosed) {
		t.Fatalf("read of a snapshot after the store closed: %v", err)
	}
	if err := after.Close(); err != nil {
		t.Fatalf("closing a snapshot after the store: %v", err)
	}
}
