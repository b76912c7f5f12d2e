package store

import (
	"testing"

	"github.com/anonex/anonex/ledger"
)

// Namespaces do not overlap even where one's name starts another's ("att"
// and "attx"); keys come back without their namespace; a nil value in
// PutMany deletes.
func TestRecordsNamespacesDoNotOverlap(t *testing.T) {
	s, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	att, attx := s.Records(NSAttestation), s.Records(NSAttestationConflict)
	if err := att.PutMany([]ledger.KV{{Key: []byte("0001/a"), Value: []byte{1}}, {Key: []byte("0001/b"), Value: []byte{2}}}); err != nil {
		t.Fatal(err)
	}
	if err := attx.Put("0001/a", []byte{9}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	if err := att.Scan("", func(k string, v []byte) bool { keys = append(keys, k); return true }); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0] != "0001/a" || keys[1] != "0001/b" {
		t.Fatalf("att holds %q, want its own two records", keys)
	}
	if v, err := attx.Get("0001/a"); err != nil || len(v) != 1 || v[0] != 9 {
		t.Fatalf("attx: %v %v", v, err)
	}
	if err := att.PutMany([]ledger.KV{{Key: []byte("0001/a")}}); err != nil {
		t.Fatal(err)
	}
	if v, err := att.Get("0001/a"); err != nil || v != nil {
		t.Fatalf("deleted record reads %v %v", v, err)
	}
	if got := string(s.Records(NSWithdrawal).Key("x")); got != "wd/x" {
		t.Fatalf("a withdrawal record's full key is %q", got)
	}
}
