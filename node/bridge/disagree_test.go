package bridge

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
)

// An attester's signed roots that differ from the batch this node folded
// are an error in the log and in the node's status, whether the
// attestation arrives after the fold or before it.
func TestRootDisagreementIsLoud(t *testing.T) {
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logs bytes.Buffer
	attester := ledger.Address{0xa7}
	n, err := New(Config{Vault: ledger.Address{0x7a}, Ledger: st, Attestations: st.Records(store.NSAttestation),
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n.attesters = []ledger.Address{attester}
	rec := store.BatchRecord{Seq: 4, DataHash: ledger.Hash{1}, StateRoot: ledger.Hash{2}, ReceiptsRoot: ledger.Hash{3}}
	same := signedAttestation{Signer: attester, Attestation: ledger.Attestation{Seq: 4, DataHash: ledger.Hash{1}, StateRoot: ledger.Hash{2}, ReceiptsRoot: ledger.Hash{3}}}
	n.compareAttestation(rec, same)
	if n.Disagreement() != nil || logs.Len() > 0 {
		t.Fatalf("agreeing roots reported: %s", logs.String())
	}

	// Held before the fold: found when the batch is folded.
	other := same
	other.Attestation.StateRoot = ledger.Hash{9}
	raw, _ := json.Marshal(other)
	if err := st.Records(store.NSAttestation).Put(attestationKey(4, attester), raw); err != nil {
		t.Fatal(err)
	}
	n.checkAttested(rec)
	d := n.Disagreement()
	if d == nil || d.Seq != 4 || d.Attester != attester || d.Theirs.StateRoot != (ledger.Hash{9}) || d.Ours.StateRoot != (ledger.Hash{2}) {
		t.Fatalf("disagreement %+v", d)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "settled state disagrees") {
		t.Fatalf("log: %s", logs.String())
	}
}
