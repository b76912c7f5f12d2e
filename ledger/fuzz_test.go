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
	o := Offer{Maker: k.addr, Give: Hash{1}, GiveAmount: u(5), Want: Hash{2}, WantAmount: u(7), Partial: true, Expiry: 9}
	so := SignedOffer{Offer: o, Sig: k.signDigest(testDomain.Digest(o.StructHash()))}
	f.Add(newTestKey(9).sign(&Fill{Taker: newTestKey(9).addr, Offer: so, Take: u(2), Nonce: 3}, testDomain).Encode())
	f.Add(k.sign(&CancelOffer{Maker: k.addr, Offer: Hash{5}, Nonce: 1}, testDomain).Encode())
	f.Add(k.sign(&CardPayment{CardRecord: CardRecord{Card: k.addr, Asset: Hash{1}, Amount: u(3), Payee: Address{4}, Counter: 1, Mode: 1}}, testDomain).Encode())
	f.Add(registerCard(k, newTestKey(5), Address{6}, 0).Encode())
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

func FuzzDecodeOffer(f *testing.F) {
	k := newTestKey(8)
	o := Offer{Maker: k.addr, Give: Hash{1}, GiveAmount: u(5), Want: Hash{2}, WantAmount: u(7), Partial: true, Expiry: 9}
	f.Add((&SignedOffer{Offer: o, Sig: k.signDigest(testDomain.Digest(o.StructHash()))}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeOffer(b)
		if err != nil {
			return
		}
		if again := s.Encode(); !bytes.Equal(again, b) {
			t.Fatalf("offer re-encodes differently")
		}
		_, _ = VerifyOffer(s, testDomain, btcecRecoverer{})
	})
}
