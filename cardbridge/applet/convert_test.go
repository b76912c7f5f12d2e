package applet

import (
	"testing"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/ledger"
)

// convertRequest runs CONVERT phase 1 for a EUR amount and keeps the nonce.
func (h *harness) convertRequest(fiat uint64, payee ledger.Address) (cardproto.ConvertRequestResponse, uint16) {
	h.t.Helper()
	req := cardproto.ConvertRequest{Type: cardproto.TxPurchase, Fiat: eurID, FiatAmount: u128(fiat), Payee: payee, Challenge: ledger.Hash{0xc4}}
	out, sw := h.do(0x80, cardproto.INSConvert, 1, 0, req.Bytes())
	if sw != apdu.SWOK {
		return cardproto.ConvertRequestResponse{}, sw
	}
	r, err := cardproto.ParseConvertRequestResponse(out)
	if err != nil {
		h.t.Fatal(err)
	}
	h.lastNonce = r.Nonce
	return r, sw
}

// approval is CONVERT phase 2's body for the last request, signed by who.
func (h *harness) approval(who *account.Key, asset ledger.Hash, amount uint64, collector ledger.Address) []byte {
	ca := ledger.ConversionApproval{Card: h.addr, Nonce: h.lastNonce, Asset: asset, Amount: u128(amount), Collector: collector}
	sig, _ := who.Sign(testDomain.Digest(ca.StructHash()))
	a := cardproto.ConvertApproval{Nonce: h.lastNonce, Asset: asset, Amount: u128(amount), Collector: collector, Sig: ledger.Sig(sig)}
	return a.Bytes()
}

func TestConvert(t *testing.T) {
	h := newActiveCard(t, 3)
	h.selectCard()
	merchant := ledger.Address{0x3e}
	// Nothing to convert from: only EUR is loaded.
	h.must(0x80, cardproto.INSUpdate, 0, 0, h.updateTLV(1000, 1))
	if _, sw := h.convertRequest(500, merchant); sw != apdu.SWInsufficientFunds {
		t.Fatalf("no other purse funded: %04X", sw)
	}
	h.must(0x80, cardproto.INSUpdate, 0, 0, h.updateFor(ethID, 5000, 1))

	// Phase 1: signed by the card, the purse list sealed to the owner.
	r, sw := h.convertRequest(1200, merchant)
	if sw != apdu.SWOK {
		t.Fatalf("request: %04X", sw)
	}
	cr := ledger.ConversionRequest{Card: h.addr, Fiat: eurID, FiatAmount: u128(1200), Payee: merchant, Challenge: ledger.Hash{0xc4},
		Nonce: r.Nonce, Sealed: ledger.Keccak256(r.Sealed)}
	if who, err := account.Recover(testDomain.Digest(cr.StructHash()), r.Sig); err != nil || who != h.addr {
		t.Fatalf("request signature: %v %s", err, who)
	}
	pt, err := cardproto.Open(h.owner, r.Sealed, r.Nonce[:])
	if err != nil {
		t.Fatal(err)
	}
	offers, _ := cardproto.DecodePurseOffers(pt)
	if len(offers) != 1 || offers[0].Asset != ethID || offers[0].Available.Uint64() != 5000 {
		t.Fatalf("sealed purses: %+v", offers)
	}
	if _, err := cardproto.Open(h.issuer, r.Sealed, r.Nonce[:]); err == nil {
		t.Fatal("the issuer opened the owner's sealed purses")
	}
	before := h.card.st.Counter

	// Phase 2 refusals, each ending the session: a stranger's approval, a
	// collector other than the owner, more than T − D.
	stranger := key(t, 77)
	for name, c := range map[string]struct {
		body func() []byte
		sw   uint16
	}{
		"stranger":  {func() []byte { return h.approval(stranger, ethID, 480, h.owner.Address()) }, apdu.SWDataInvalid},
		"collector": {func() []byte { return h.approval(h.owner, ethID, 480, merchant) }, apdu.SWWrongData},
		"too much": {func() []byte {
			// Above the ETH purse's no-PIN limit too: the PIN, verified
			// between the two phases, keeps the request.
			h.must(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456"))
			return h.approval(h.owner, ethID, 5001, h.owner.Address())
		}, apdu.SWInsufficientFunds},
		"in fiat": {func() []byte { return h.approval(h.owner, eurID, 10, h.owner.Address()) }, apdu.SWWrongData},
	} {
		h.convertRequest(1200, merchant)
		if _, sw := h.do(0x80, cardproto.INSConvert, 2, 0, c.body()); sw != c.sw {
			t.Fatalf("%s: %04X, want %04X", name, sw, c.sw)
		}
		if _, sw := h.do(0x80, cardproto.INSConvert, 2, 0, h.approval(h.owner, ethID, 480, h.owner.Address())); sw != apdu.SWConditionsNotSatisfied {
			t.Fatalf("%s: the session survived a refused approval: %04X", name, sw)
		}
	}
	// An approval for an older request, or after another command.
	old := h.approval(h.owner, ethID, 480, h.owner.Address())
	h.convertRequest(1200, merchant)
	if _, sw := h.do(0x80, cardproto.INSConvert, 2, 0, old); sw != apdu.SWDataInvalid {
		t.Fatalf("stale approval: %04X", sw)
	}
	h.convertRequest(1200, merchant)
	h.must(0x80, cardproto.INSGetStatus, 0, 0, nil)
	if _, sw := h.do(0x80, cardproto.INSConvert, 2, 0, h.approval(h.owner, ethID, 480, h.owner.Address())); sw != apdu.SWConditionsNotSatisfied {
		t.Fatalf("approval after another command: %04X", sw)
	}
	if h.card.st.Counter != before {
		t.Fatal("a refused conversion signed something")
	}

	// The approved conversion: an online record paying the owner, in D.
	h.convertRequest(1200, merchant)
	out := h.must(0x80, cardproto.INSConvert, 2, 0, h.approval(h.owner, ethID, 480, h.owner.Address()))
	pr, err := cardproto.ParsePayResponse(out)
	if err != nil || pr.Counter != before+1 {
		t.Fatalf("record: %+v %v", pr, err)
	}
	rec := ledger.CardRecord{Card: h.addr, Asset: ethID, Amount: u128(480), Payee: h.owner.Address(), Counter: pr.Counter,
		Challenge: ledger.Hash{0xc4}, Mode: ledger.CardModeOnline}
	if who, err := account.Recover(testDomain.Digest(rec.StructHash()), pr.Sig); err != nil || who != h.addr {
		t.Fatalf("record signature: %v", err)
	}
	if p := h.card.st.purse(ethID); p.D.Uint64() != 480 {
		t.Fatalf("D of the ETH purse: %d", p.D.Uint64())
	}
	// Above the no-PIN limit the PIN is needed first.
	h.selectCard() // a new session: no PIN verified
	if _, sw := h.convertRequest(3000, merchant); sw != apdu.SWSecurityNotSatisfied {
		t.Fatalf("30.00 without PIN: %04X", sw)
	}
	h.must(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456"))
	if _, sw := h.convertRequest(3000, merchant); sw != apdu.SWOK {
		t.Fatalf("30.00 with PIN: %04X", sw)
	}
}
