package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/anonex/anonex/internal/strictjson"
)

// editJSON decodes a JSON object, lets edit change it, and encodes it back.
func editJSON(t *testing.T, b []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func obj(m map[string]any, key string) map[string]any { return m[key].(map[string]any) }

// jsonFixtures are one transaction of each nesting the JSON form has: a
// plain transfer, a fill (an offer inside the message, its signature
// beside it), a card record carrying another (a transaction inside
// "attached"), and a registration (a consent beside the message).
func jsonFixtures(t *testing.T) map[string][]byte {
	k, maker, cardA, cardB, issuer := newTestKey(7), newTestKey(8), newTestKey(17), newTestKey(18), newTestKey(19)
	o := maker.offer(Hash{1}, 100, Hash{2}, 50, true, 1<<40)
	a2b := cardA.record(Hash{1}, 3, cardB.addr, 1, CardModeToCard)
	out := map[string][]byte{}
	for name, tx := range map[string]*Tx{
		"transfer": k.sign(&Transfer{From: k.addr, To: Address{1}, Asset: Hash{2}, Amount: u(5), Nonce: 1}, testDomain),
		"fill":     k.fill(o, 10, 2),
		"record":   cardB.record(Hash{1}, 2, Address{4}, 1, CardModeOnline, a2b),
		"register": registerCard(issuer, cardA, Address{6}, 0),
	} {
		b, err := tx.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Tx
		if err := back.UnmarshalJSON(b); err != nil {
			t.Fatalf("%s: the fixture itself is refused: %v", name, err)
		}
		out[name] = b
	}
	return out
}

// TestTxJSONUnknownFieldRefusedAtEveryLevel: a field the JSON form does
// not have — beside "message", inside it, inside the offer a fill carries,
// inside a carried card record — is a decode error naming the field and
// where it is, never ignored. So is a known field in another case, and a
// field given twice.
func TestTxJSONUnknownFieldRefusedAtEveryLevel(t *testing.T) {
	fx := jsonFixtures(t)
	cases := []struct {
		name, fixture string
		edit          func(m map[string]any)
		where         string
	}{
		{"top level", "transfer", func(m map[string]any) { m["memo"] = "hi" }, `"memo" at $`},
		{"typo of offer_signature", "fill", func(m map[string]any) { m["offer_sig"] = m["offer_signature"] }, `"offer_sig" at $`},
		{"in the message", "transfer", func(m map[string]any) { obj(m, "message")["memo"] = "hi" }, `"memo" at $.message`},
		{"in a fill's offer", "fill", func(m map[string]any) { obj(obj(m, "message"), "offer")["memo"] = "x" }, `"memo" at $.message.offer`},
		{"in a carried record", "record", func(m map[string]any) { m["attached"].([]any)[0].(map[string]any)["memo"] = 1 }, `"memo" at $.attached[0]`},
		{"in a carried record's message", "record", func(m map[string]any) {
			obj(m["attached"].([]any)[0].(map[string]any), "message")["memo"] = 1
		}, `"memo" at $.attached[0].message`},
		{"beside a registration", "register", func(m map[string]any) { m["consent"] = m["consent_signature"] }, `"consent" at $`},
		{"another case", "transfer", func(m map[string]any) { obj(m, "message")["Amount"] = obj(m, "message")["amount"] }, `"Amount"`},
		{"another case at the top", "transfer", func(m map[string]any) { m["Signature"] = m["signature"]; delete(m, "signature") }, `"Signature"`},
	}
	for _, c := range cases {
		b := editJSON(t, fx[c.fixture], c.edit)
		var tx Tx
		err := tx.UnmarshalJSON(b)
		if !errors.Is(err, ErrDecode) || !errors.Is(err, strictjson.ErrUnknownField) {
			t.Errorf("%s: %s gives %v, want ErrDecode (unknown field)", c.name, b, err)
			continue
		}
		if !strings.Contains(err.Error(), c.where) {
			t.Errorf("%s: %q does not name %s", c.name, err, c.where)
		}
	}
	// A field given twice: JavaScript keeps the last, so does encoding/json;
	// a reader that kept the first would see another transaction.
	dup := bytes.Replace(fx["transfer"], []byte(`"amount":"5"`), []byte(`"amount":"5","amount":"6"`), 1)
	var tx Tx
	if err := tx.UnmarshalJSON(dup); !errors.Is(err, ErrDecode) || !errors.Is(err, strictjson.ErrDuplicateField) {
		t.Errorf("%s: %v, want a duplicate-field decode error", dup, err)
	}
}

// TestTxJSONNumberAbove2To53Refused: an amount or a nonce written as a
// JSON number is read only up to 2^53 − 1; beyond, JavaScript clients
// round it, so the node refuses it (the same value as a decimal string is
// read exactly).
func TestTxJSONNumberAbove2To53Refused(t *testing.T) {
	tr := jsonFixtures(t)["transfer"]
	with := func(field string, v any) []byte {
		return editJSON(t, tr, func(m map[string]any) { obj(m, "message")[field] = v })
	}
	for _, c := range []struct {
		field string
		v     any
		ok    bool
	}{
		{"amount", json.Number("9007199254740991"), true},
		{"nonce", json.Number("9007199254740991"), true},
		{"amount", json.Number("9007199254740992"), false},
		{"amount", json.Number("9007199254740993"), false},
		{"nonce", json.Number("9007199254740993"), false},
		{"amount", json.Number("100000000000000000000000"), false},
		{"amount", json.Number("5e3"), false},
		{"amount", json.Number("5.0"), false},
		{"amount", "9007199254740993", true},
		{"nonce", "18446744073709551615", true},
		{"amount", "0x1f", true},
		{"nonce", "0x1f", false},
		{"amount", "007", false},
		{"nonce", "007", false},
		{"amount", "-1", false},
		{"amount", "", false},
	} {
		b := with(c.field, c.v)
		var tx Tx
		err := tx.UnmarshalJSON(b)
		if c.ok != (err == nil) {
			t.Errorf("%s = %v: err %v, want ok %v", c.field, c.v, err, c.ok)
		}
		if !c.ok && err != nil && !errors.Is(err, ErrDecode) && !errors.Is(err, ErrBadAmount) {
			t.Errorf("%s = %v: %v is neither ErrDecode nor ErrBadAmount", c.field, c.v, err)
		}
	}
	// The exact value read from a decimal string above 2^53.
	var tx Tx
	if err := tx.UnmarshalJSON(with("amount", "9007199254740993")); err != nil {
		t.Fatal(err)
	}
	if got := tx.Payload.(*Transfer).Amount; got.Uint64() != 9007199254740993 {
		t.Fatalf("amount read as %s", got.Dec())
	}
	// The refusal says what to do instead.
	err := tx.UnmarshalJSON(with("amount", json.Number("9007199254740993")))
	if err == nil || !strings.Contains(err.Error(), "decimal string") || !strings.Contains(err.Error(), "$.message.amount") {
		t.Fatalf("refusal %q does not say where and what to send instead", err)
	}
}

// TestSignedOfferJSONStrict: a signed offer (POST /v1/offers) follows the
// same rules.
func TestSignedOfferJSONStrict(t *testing.T) {
	o := newTestKey(8).offer(Hash{1}, 100, Hash{2}, 50, true, 1<<40)
	b, err := json.Marshal(&o)
	if err != nil {
		t.Fatal(err)
	}
	var back SignedOffer
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, edit := range []func(m map[string]any){
		func(m map[string]any) { m["memo"] = 1 },
		func(m map[string]any) { obj(m, "message")["giveamount"] = "1" },
		func(m map[string]any) { obj(m, "message")["expiry"] = json.Number("9007199254740992") },
	} {
		if err := json.Unmarshal(editJSON(t, b, edit), &back); !errors.Is(err, ErrDecode) {
			t.Errorf("%v, want ErrDecode", err)
		}
	}
}
