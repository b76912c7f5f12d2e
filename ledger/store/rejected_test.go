package store

import (
	"strings"
	"testing"

	"github.com/anonex/anonex/ledger"
)

// TestRejectionReasonSurvivesRestart: a pending transaction dropped with a
// reason keeps it across a reopen; accepted again, it loses it.
func TestRejectionReasonSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := ledger.Hash{7}
	if err := s.AppendPending(Pending{ID: id, Raw: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	long := "superseded: " + strings.Repeat("x", 2*MaxReasonBytes)
	if err := s.DropPending(Dropped{ID: id, Reason: long}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if p, _, _ := s.LoadPending(); len(p) != 0 {
		t.Fatalf("dropped record still pending: %d", len(p))
	}
	reason, ok, err := s.Rejected(id)
	if err != nil || !ok || !strings.HasPrefix(reason, "superseded: ") || len(reason) != MaxReasonBytes {
		t.Fatalf("reason after reopen: %q %v %v", reason, ok, err)
	}
	if err := s.AppendPending(Pending{ID: id, Raw: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Rejected(id); ok {
		t.Fatal("a transaction accepted again still reads as rejected")
	}
}
