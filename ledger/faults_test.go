package ledger

import (
	"errors"
	"testing"
)

// failingState fails reads of one key.
type failingState struct {
	mapState
	bad string
}

var errDisk = errors.New("disk on fire")

func (f failingState) Get(k []byte) ([]byte, error) {
	if string(k) == f.bad {
		return nil, errDisk
	}
	return f.mapState.Get(k)
}

// A store failure while decoding is ErrState (retry), never a junk batch
// or a skipped transaction: otherwise one node's disk error would fork its
// root from everyone else's.
func TestDecodeBatchStoreFailureIsNotJunk(t *testing.T) {
	st := mapState{}
	a, b := newTestKey(301), newTestKey(302)
	ov := NewOverlay(st)
	eur := issueTo(t, ov, a, 0, 1000)
	tx := a.sign(&Transfer{From: a.addr, To: b.addr, Asset: eur, Amount: u(1), Nonce: 1}, testDomain)
	if _, err := Apply(ov, mustVerify(tx), Env{}); err != nil {
		t.Fatal(err)
	}
	st.commit(ov.Writes())
	bb := NewBatchBuilder(st)
	bb.Add(a.sign(&Transfer{From: a.addr, To: b.addr, Asset: eur, Amount: u(1), Nonce: 2}, testDomain))
	data := bb.Bytes()
	for _, bad := range []string{keyCounters, numberKey(0)} {
		_, err := DecodeBatch(data, failingState{st, bad})
		if !errors.Is(err, ErrState) || !errors.Is(err, errDisk) {
			t.Fatalf("read failure of %q: %v, want ErrState wrapping the disk error", bad, err)
		}
	}
	if txs, err := DecodeBatch(data, st); err != nil || len(txs) != 1 || txs[0].Err != nil {
		t.Fatalf("healthy decode: %v %+v", err, txs)
	}
}

// A long-lived view recovers from a failed read: the next Apply works.
func TestOverlayReadErrorIsNotSticky(t *testing.T) {
	st := mapState{}
	a, b := newTestKey(303), newTestKey(304)
	ov := NewOverlay(failingState{st, string(StateKeyAccount(Address{0xde}))})
	ov.Account(Address{0xde})
	if ov.Err() == nil {
		t.Fatal("expected a read error")
	}
	eur := issueTo(t, ov, a, 0, 10)
	tx := a.sign(&Transfer{From: a.addr, To: b.addr, Asset: eur, Amount: u(1), Nonce: 1}, testDomain)
	if r, err := Apply(ov, mustVerify(tx), Env{}); err != nil || r.Status != StatusOK {
		t.Fatalf("apply after an old read error: %v", err)
	}
}

func TestProofEmptyValueMeansAbsent(t *testing.T) {
	nodes := mapState{}
	tr := NewTree(nodes)
	root, _ := tr.Update([]KV{{Key: []byte("x"), Value: []byte("1")}})
	nodes.commit(tr.Writes())
	p, err := NewTree(nodes).Prove([]byte("y"))
	if err != nil {
		t.Fatal(err)
	}
	if !VerifyProof(root, []byte("y"), []byte{}, p) || !VerifyProof(root, []byte("y"), nil, p) {
		t.Fatal("absence proof with an empty value refused")
	}
}
