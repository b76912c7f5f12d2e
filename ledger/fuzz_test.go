package ledger

import (
	"bytes"
	"testing"
)

func FuzzDecodeTx(f *testing.F) {
	k := newTestKey(7)
	f.Add(k.sign(&Transfer{From: k.addr, To: Address{1}, Asset: Hash{2}, Amount: u(5), Nonce: 1}, testDomain).Encode())
	f.Add(k.sign(&IssueAsset{Issuer: k.addr, Symbol: "EUR", Decimals: 2, Supply: u(9), Nonce: 0}, testDomain).Encode())
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := DecodeTx(b)
		if err != nil {
			return
		}
		// Canonical: what decodes re-encodes to the same bytes.
		if again := tx.Encode(); !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", b, again)
		}
		_, _ = Precheck(tx, testDomain)
	})
}

func FuzzTxJSON(f *testing.F) {
	k := newTestKey(7)
	j, _ := k.sign(&Transfer{From: k.addr, To: Address{1}, Asset: Hash{2}, Amount: u(5), Nonce: 1}, testDomain).MarshalJSON()
	f.Add(j)
	f.Add([]byte(`{"type":"Transfer","message":{"amount":"0x10"},"signature":"0x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var tx Tx
		if tx.UnmarshalJSON(b) != nil {
			return
		}
		out, err := tx.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Tx
		if err := back.UnmarshalJSON(out); err != nil || back.ID(testDomain) != tx.ID(testDomain) {
			t.Fatalf("json round trip: %v", err)
		}
	})
}

func FuzzDecodeBatch(f *testing.F) {
	k := newTestKey(7)
	st := mapState{}
	b := NewBatchBuilder(st)
	b.Add(k.sign(&Transfer{From: k.addr, To: Address{1}, Asset: Hash{2}, Amount: u(5), Nonce: 1}, testDomain))
	f.Add(b.Bytes())
	f.Add([]byte{1, 0x28, 0xb5, 0x2f, 0xfd})
	f.Fuzz(func(t *testing.T, data []byte) {
		txs, err := DecodeBatch(data, st)
		if err != nil {
			return
		}
		if len(txs) > MaxBatchTxs {
			t.Fatalf("%d txs past the cap", len(txs))
		}
	})
}

func FuzzParseAmount(f *testing.F) {
	f.Add("1.50", uint8(2))
	f.Fuzz(func(t *testing.T, s string, dec uint8) {
		v, err := ParseAmount(s, dec)
		if err != nil {
			return
		}
		back, err := ParseAmount(FormatAmount(v, dec), dec)
		if err != nil || !back.Eq(v) {
			t.Fatalf("%q → %s → %v", s, FormatAmount(v, dec), err)
		}
	})
}
