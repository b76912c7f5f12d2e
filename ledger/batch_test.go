package ledger

import (
	"encoding/binary"
	"errors"
	"testing"
)

// rawBatch compresses a body of the given version: an empty asset table
// but for assets, and the transactions as given (already length-prefixed
// for version 2).
func rawBatch(version byte, assets []Hash, n int, txs ...[]byte) []byte {
	var raw []byte
	raw = binary.AppendUvarint(raw, uint64(len(assets)))
	for _, a := range assets {
		raw = append(raw, a[:]...)
	}
	raw = binary.AppendUvarint(raw, uint64(n))
	for _, t := range txs {
		raw = append(raw, t...)
	}
	return append([]byte{version}, zstdEncoder().EncodeAll(raw, nil)...)
}

// sized prefixes a batch-form transaction with its length (format 2).
func sized(tx []byte) []byte { return append(binary.AppendUvarint(nil, uint64(len(tx))), tx...) }

// batchForm is a transaction's batch form against an empty state: its
// addresses literal, its asset the table's first.
func batchForm(t *testing.T, tx *Tx, asset Hash) []byte {
	t.Helper()
	b := NewBatchBuilder(mapState{})
	b.refs.assetIndex(asset)
	e := encoder{refs: &b.refs}
	e.byte1(byte(tx.Payload.Kind()) | (tx.Sig[64]-27)<<7)
	tx.Payload.encode(&e)
	return append(e.buf, tx.Sig[:64]...)
}

// TestBatchStepsOverUnknownKind: a format 2 batch holding a kind this
// version does not know decodes; that transaction alone is unusable and
// the ones around it fold.
func TestBatchStepsOverUnknownKind(t *testing.T) {
	a, b := newTestKey(301), newTestKey(302)
	issue := a.sign(&IssueAsset{Issuer: a.addr, Symbol: "EUR", Decimals: 2, Supply: u(1000)}, testDomain)
	eur := issue.ID(testDomain)
	pay := a.sign(&Transfer{From: a.addr, To: b.addr, Asset: eur, Amount: u(5), Nonce: 1}, testDomain)
	future := append([]byte{0x80 | 42, 1, 2, 3, 4, 5}, make([]byte, 64)...)
	data := rawBatch(2, []Hash{eur}, 3, sized(batchForm(t, issue, eur)), sized(future), sized(batchForm(t, pay, eur)))
	txs, err := DecodeBatch(data, mapState{})
	if err != nil {
		t.Fatalf("a batch with an unknown kind is junk: %v", err)
	}
	if len(txs) != 3 || txs[0].Err != nil || txs[2].Err != nil || !errors.Is(txs[1].Err, ErrUnknownKind) || txs[1].Tx != nil {
		t.Fatalf("decoded %+v", txs)
	}
	if txs[2].Tx.ID(testDomain) != pay.ID(testDomain) {
		t.Fatal("the transaction after the unknown kind decodes wrong")
	}
	res, err := Fold(mapState{}, mapState{}, []*Verified{mustVerify(txs[0].Tx), mustVerify(txs[2].Tx)}, Env{})
	if err != nil || len(res.Receipts) != 2 {
		t.Fatalf("fold: %v %+v", err, res)
	}
}

// TestBatchTxMustFillItsLength: a known kind that takes fewer or more
// bytes than its length makes the batch malformed (the length cannot hide
// bytes nobody signed, nor swallow the next transaction).
func TestBatchTxMustFillItsLength(t *testing.T) {
	a := newTestKey(303)
	issue := a.sign(&IssueAsset{Issuer: a.addr, Symbol: "EUR", Decimals: 2, Supply: u(1000)}, testDomain)
	body := batchForm(t, issue, Hash{})
	long := append(binary.AppendUvarint(nil, uint64(len(body)+1)), append(body, 0)...)
	short := append(binary.AppendUvarint(nil, uint64(len(body)-1)), body...)
	for name, tx := range map[string][]byte{"one byte more": long, "one byte less": short} {
		if _, err := DecodeBatch(rawBatch(2, nil, 1, tx), mapState{}); !errors.Is(err, ErrDecode) {
			t.Errorf("%s: %v, want a malformed batch", name, err)
		}
	}
	if txs, err := DecodeBatch(rawBatch(2, nil, 1, sized(body)), mapState{}); err != nil || len(txs) != 1 || txs[0].Err != nil {
		t.Fatalf("the exact length: %v %+v", err, txs)
	}
	// A length beyond the body, and a zero length (no kind byte).
	for name, tx := range map[string][]byte{"beyond": append([]byte{0xff, 0x01}, body...), "zero": {0}} {
		if _, err := DecodeBatch(rawBatch(2, nil, 1, tx), mapState{}); !errors.Is(err, ErrDecode) {
			t.Errorf("length %s: %v, want a malformed batch", name, err)
		}
	}
}

// TestBatchV1StillReadWithoutLengths: a format 1 batch (no lengths) still
// decodes, and there an unknown kind makes the batch junk, as it always
// did: nothing tells where the transaction ends.
func TestBatchV1StillReadWithoutLengths(t *testing.T) {
	a, b := newTestKey(304), newTestKey(305)
	issue := a.sign(&IssueAsset{Issuer: a.addr, Symbol: "EUR", Decimals: 2, Supply: u(1000)}, testDomain)
	eur := issue.ID(testDomain)
	pay := a.sign(&Transfer{From: a.addr, To: b.addr, Asset: eur, Amount: u(5), Nonce: 1}, testDomain)
	txs, err := DecodeBatch(rawBatch(1, []Hash{eur}, 2, batchForm(t, issue, eur), batchForm(t, pay, eur)), mapState{})
	if err != nil || len(txs) != 2 || txs[1].Tx.ID(testDomain) != pay.ID(testDomain) {
		t.Fatalf("version 1: %v %+v", err, txs)
	}
	future := append([]byte{42, 1, 2, 3}, make([]byte, 64)...)
	if _, err := DecodeBatch(rawBatch(1, []Hash{eur}, 2, batchForm(t, issue, eur), future), mapState{}); !errors.Is(err, ErrUnknownKind) {
		t.Fatalf("version 1 with an unknown kind: %v", err)
	}
}

// TestBatchBuilderWritesLengths: what the builder writes is format 2, each
// transaction behind its length.
func TestBatchBuilderWritesLengths(t *testing.T) {
	a := newTestKey(306)
	issue := a.sign(&IssueAsset{Issuer: a.addr, Symbol: "EUR", Decimals: 2, Supply: u(1000)}, testDomain)
	bb := NewBatchBuilder(mapState{})
	bb.Add(issue)
	data := bb.Bytes()
	raw, err := zstdDecoder().DecodeAll(data[1:], nil)
	if err != nil || data[0] != 2 {
		t.Fatal(err, data[0])
	}
	form := batchForm(t, issue, Hash{})
	want := append([]byte{0, 1}, sized(form)...)
	if string(raw) != string(want) {
		t.Fatalf("body %x\nwant %x", raw, want)
	}
}
