package ledger

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vectorSeeds reads the golden vectors (testdata/vectors.json and
// batch_vectors.json) as fuzz seeds: every case's wire bytes and JSON form
// (with what it carries), every batch of both files, every signed offer,
// and the amounts their messages carry.
type vectorSeeds struct {
	wires, jsons, batches, offers [][]byte
	amounts                       []string
}

func loadVectorSeeds(tb testing.TB) *vectorSeeds {
	tb.Helper()
	var vs vectorSeeds
	unhex := func(s string) []byte {
		b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
		if err != nil {
			tb.Fatalf("vector hex %q: %v", s, err)
		}
		return b
	}
	var f struct {
		Cases, Negative []struct {
			Type                   string            `json:"type"`
			Message                json.RawMessage   `json:"message"`
			Signature              string            `json:"signature"`
			Wire                   string            `json:"wire"`
			ConsentSignature       string            `json:"consent_signature"`
			OfferSignature         string            `json:"offer_signature"`
			AuthorizationSignature string            `json:"authorization_signature"`
			OfferSignatures        []string          `json:"offer_signatures"`
			Attached               []json.RawMessage `json:"attached"`
		}
		Offers []struct {
			Wire string `json:"wire"`
		}
		Batches []struct {
			Batch string `json:"batch"`
		}
	}
	b, err := os.ReadFile(filepath.Join("testdata", "vectors.json"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		tb.Fatal(err)
	}
	for _, c := range append(f.Cases, f.Negative...) {
		vs.wires = append(vs.wires, unhex(c.Wire))
		if c.Type == "" {
			continue
		}
		doc := map[string]any{"type": c.Type, "message": c.Message, "signature": c.Signature}
		for k, v := range map[string]string{"consent_signature": c.ConsentSignature, "offer_signature": c.OfferSignature,
			"authorization_signature": c.AuthorizationSignature} {
			if v != "" {
				doc[k] = v
			}
		}
		if c.OfferSignatures != nil {
			doc["offer_signatures"] = c.OfferSignatures
		}
		if len(c.Attached) > 0 {
			var att []any
			for _, a := range c.Attached {
				var x struct {
					Type      string          `json:"type"`
					Message   json.RawMessage `json:"message"`
					Signature string          `json:"signature"`
				}
				json.Unmarshal(a, &x)
				att = append(att, x)
			}
			doc["attached"] = att
		}
		j, _ := json.Marshal(doc)
		vs.jsons = append(vs.jsons, j)
		var m map[string]any
		if json.Unmarshal(c.Message, &m) == nil {
			for _, k := range []string{"amount", "supply", "take"} {
				if a, ok := m[k].(string); ok {
					vs.amounts = append(vs.amounts, a)
				}
			}
		}
	}
	for _, o := range f.Offers {
		vs.offers = append(vs.offers, unhex(o.Wire))
	}
	for _, bt := range f.Batches {
		vs.batches = append(vs.batches, unhex(bt.Batch))
	}
	var bf struct {
		Batches []struct {
			Batch string `json:"batch"`
		} `json:"batches"`
	}
	if b, err = os.ReadFile(filepath.Join("testdata", "batch_vectors.json")); err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, &bf); err != nil {
		tb.Fatal(err)
	}
	for _, bt := range bf.Batches {
		vs.batches = append(vs.batches, unhex(bt.Batch))
	}
	if len(vs.batches) < 10 || len(vs.offers) == 0 {
		tb.Fatalf("%d batch seeds, %d offer seeds: the vectors lost them", len(vs.batches), len(vs.offers))
	}
	return &vs
}

// cardSeeds are card shapes the vectors lack: a record carrying an
// attachment, a registration with its consent.
func cardSeeds() []*Tx {
	issuer, cardA, cardB := newTestKey(7), newTestKey(17), newTestKey(18)
	a2b := cardA.record(Hash{1}, 3, cardB.addr, 1, CardModeToCard)
	return []*Tx{
		cardB.record(Hash{1}, 2, Address{4}, 1, CardModeOnline, a2b),
		registerCard(issuer, cardA, Address{6}, 0),
	}
}

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
	for _, tx := range cardSeeds() {
		f.Add(tx.Encode())
	}
	for _, w := range loadVectorSeeds(f).wires {
		f.Add(w)
	}
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
	for _, tx := range cardSeeds() {
		j, _ := tx.MarshalJSON()
		f.Add(j)
	}
	f.Add(nullAttachedJSON)
	for _, j := range loadVectorSeeds(f).jsons {
		f.Add(j)
	}
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
	for _, bt := range loadVectorSeeds(f).batches {
		f.Add(bt)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		txs, err := DecodeBatch(data, st)
		if err != nil {
			return
		}
		if len(txs) > MaxBatchTxs {
			t.Fatalf("%d txs past the cap", len(txs))
		}
		for i, bt := range txs {
			if bt.Tx == nil && bt.Err == nil {
				t.Fatalf("tx %d: neither decoded nor unusable", i)
			}
			if bt.Err != nil || data[0] != BatchVersion {
				continue
			}
			// A format 2 transaction has a wire form that decodes back to it
			// (when within the wire form's cap, which batches do not apply).
			if w := bt.Tx.Encode(); len(w) <= MaxTxSize {
				if _, err := DecodeTx(w); err != nil {
					t.Fatalf("tx %d: its wire form does not decode: %v", i, err)
				}
			}
		}
	})
}

func FuzzParseAmount(f *testing.F) {
	f.Add("1.50", uint8(2))
	for _, a := range loadVectorSeeds(f).amounts {
		f.Add(a, uint8(0))
		f.Add(a, uint8(18))
	}
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
	seeds := loadVectorSeeds(f)
	for _, o := range seeds.offers {
		f.Add(o)
	}
	for _, w := range seeds.wires {
		// A transaction's body in an offer's place: the same field codecs.
		f.Add(append([]byte{0x4F}, w[min(1, len(w)):]...))
	}
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

// nullAttachedJSON is a card record whose attachments list holds a null.
var nullAttachedJSON = []byte(`{"type":"CardRecord","message":{"card":"0x0000000000000000000000000000000000000011",` +
	`"asset":"0x0100000000000000000000000000000000000000000000000000000000000000","amount":"2",` +
	`"payee":"0x0400000000000000000000000000000000000000","counter":"1",` +
	`"challenge":"0x0000000000000000000000000000000000000000000000000000000000000000","mode":2,` +
	`"attached":"0x0000000000000000000000000000000000000000000000000000000000000000"},` +
	`"signature":"0x` + strings.Repeat("11", 64) + `1b","attached":[null]}`)

// TestAttackNullAttachmentPanicsHandler: a remote JSON card record (or
// conversion payment) whose "attached" holds a null is a decode error, not
// a nil dereference in the first validation step.
func TestAttackNullAttachmentPanicsHandler(t *testing.T) {
	inputs := [][]byte{
		nullAttachedJSON,
		bytes.Replace(nullAttachedJSON, []byte(`[null]`), []byte(`[null,null]`), 1),
		[]byte(`{"type":"ConvertPay","message":{"owner":"0x0000000000000000000000000000000000000011","record":"0x0000000000000000000000000000000000000000000000000000000000000000","offers":[],"takes":[],"asset":"0x0100000000000000000000000000000000000000000000000000000000000000","amount":"1","payee":"0x0400000000000000000000000000000000000000","nonce":"0"},"signature":"0x` + strings.Repeat("11", 64) + `1b","offer_signatures":[],"attached":[null]}`),
	}
	for i, in := range inputs {
		var tx Tx
		err := tx.UnmarshalJSON(in)
		if !errors.Is(err, ErrDecode) {
			t.Fatalf("input %d: %v, want a decode error", i, err)
		}
		if !strings.Contains(err.Error(), "null") {
			t.Fatalf("input %d: unclear error %v", i, err)
		}
	}
}
