package applet

import (
	"errors"
	"testing"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/ledger"
)

// TestAttackStrippedAttachmentsBurnRecord, card side: the card signs which
// received records its payment carries, so the transaction a terminal
// builds from its answer verifies and a copy without them never does; a
// record read back after a lost answer carries them too.
func TestAttackStrippedAttachmentsBurnRecord(t *testing.T) {
	a, b := newActiveCard(t, 5), newActiveCard(t, 6)
	b.card.rand = newRand(2)
	a.selectCard()
	b.selectCard()
	a.must(0x80, cardproto.INSUpdate, 0, 0, a.updateTLV(5000, 1))
	a.must(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456"))
	var recvs []cardproto.Received
	for _, amt := range []uint64{1500, 700} {
		ch := b.must(0x00, cardproto.INSChallenge, 0, 0, nil)
		pr, _ := cardproto.ParsePayResponse(a.must(0x80, cardproto.INSSend, 0, 0, payTLV(amt, b.addr, ledger.Hash(ch))))
		if !pr.AttachedHash.IsZero() || len(pr.Attached) != 0 {
			t.Fatal("a card-to-card record carries attachments")
		}
		rc := cardproto.Received{Payer: a.addr, PayerOwner: a.owner.Address(), PayerCert: a.card.st.Cert,
			Asset: eurID, Amount: u128(amt), Counter: pr.Counter, Sig: pr.Sig}
		if sw := b.card.receive(rc.Bytes()); sw != apdu.SWOK {
			t.Fatalf("receive: %04X", sw)
		}
		recvs = append(recvs, rc)
	}
	b.must(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456"))
	req := cardproto.PayRequest{Asset: eurID, Amount: u128(2000), Payee: ledger.Address{0x3e}, Challenge: ledger.Hash{9}}
	pr, err := cardproto.ParsePayResponse(b.must(0x80, cardproto.INSPay, 2, 0, req.Bytes()))
	if err != nil || len(pr.Attached) != 2 {
		t.Fatalf("PAY: %v, %d attached", err, len(pr.Attached))
	}
	tx := cardclient.PaymentTx(b.addr, &req, ledger.CardModeOnline, &pr)
	v, err := ledger.Verify(tx, testDomain, secpRecoverer{})
	if err != nil {
		t.Fatalf("the card's payment does not verify: %v", err)
	}
	if len(v.Attached) != 2 {
		t.Fatalf("%d attachments verified", len(v.Attached))
	}
	p := *tx.Payload.(*ledger.CardPayment)
	for _, keep := range [][]*ledger.Tx{nil, p.Attached[:1], {p.Attached[1], p.Attached[0]}} {
		c := p
		c.Attached = keep
		if _, err := ledger.Verify(&ledger.Tx{Payload: &c, Sig: tx.Sig}, testDomain, secpRecoverer{}); !errors.Is(err, ledger.ErrBadField) {
			t.Fatalf("a copy with %d attachments: %v", len(keep), err)
		}
	}
	// The answer was lost: READ RECORDS gives the same transaction back,
	// attachments included, even after an update confirmed them.
	b.must(0x80, cardproto.INSUpdate, 0, 0, b.updateTLV(2200, 1, b.card.st.Received[0].ID, b.card.st.Received[1].ID))
	if len(b.card.st.Received) != 0 {
		t.Fatal("confirmed records still held")
	}
	rv, err := cardproto.ParseRecordView(b.must(0x80, cardproto.INSReadRecords, 0, 0, nil))
	if err != nil {
		t.Fatal(err)
	}
	back := cardclient.RecordTx(b.addr, &rv)
	if back.ID(testDomain) != tx.ID(testDomain) || string(back.Encode()) != string(tx.Encode()) {
		t.Fatal("the record read back is not the one PAY answered")
	}
	// Its next payment has nothing unconfirmed to carry.
	req2 := cardproto.PayRequest{Asset: eurID, Amount: u128(10), Payee: ledger.Address{0x3e}, Challenge: ledger.Hash{10}}
	pr2, _ := cardproto.ParsePayResponse(b.must(0x80, cardproto.INSPay, 1, 0, req2.Bytes()))
	if _, err := ledger.Verify(cardclient.PaymentTx(b.addr, &req2, ledger.CardModeOffline, &pr2), testDomain, secpRecoverer{}); err != nil || len(pr2.Attached) != 0 {
		t.Fatalf("plain payment: %v, %d attached", err, len(pr2.Attached))
	}
}

// TestAttackStrangerRegistersCard, card side: CARD CONSENT signs a
// consent to registration under the card's own issuer and owner only,
// and only once the card knows them.
func TestAttackStrangerRegistersCard(t *testing.T) {
	h := &harness{t: t, mem: NewMemMedium(), issuer: key(t, 1), owner: key(t, 2)}
	h.reload()
	h.card.rand = newRand(3)
	h.selectCard()
	if _, sw := h.do(0x80, cardproto.INSConsent, 0, 0, nil); sw != apdu.SWConditionsNotSatisfied {
		t.Fatalf("consent from a blank card: %04X", sw)
	}
	h = newActiveCard(t, 4)
	h.selectCard()
	sig := ledger.Sig(h.must(0x80, cardproto.INSConsent, 0, 0, nil))
	cc := ledger.CardConsent{Card: h.addr, Issuer: h.issuer.Address(), Owner: h.owner.Address()}
	if who, err := account.Recover(testDomain.Digest(cc.StructHash()), sig); err != nil || who != h.addr {
		t.Fatalf("consent signed by %s: %v", who.Hex(), err)
	}
	reg := &ledger.CardRegister{Issuer: h.issuer.Address(), Card: h.addr, Owner: h.owner.Address(), Consent: sig}
	s, _ := h.issuer.Sign(testDomain.Digest(reg.StructHash()))
	if _, err := ledger.Verify(&ledger.Tx{Payload: reg, Sig: ledger.Sig(s)}, testDomain, secpRecoverer{}); err != nil {
		t.Fatalf("registration with the card's consent: %v", err)
	}
	// The consent names this issuer and owner: a thief's registration
	// copying it does not verify.
	thief := key(t, 9)
	stolen := &ledger.CardRegister{Issuer: thief.Address(), Card: h.addr, Owner: thief.Address(), Consent: sig}
	s, _ = thief.Sign(testDomain.Digest(stolen.StructHash()))
	if _, err := ledger.Verify(&ledger.Tx{Payload: stolen, Sig: ledger.Sig(s)}, testDomain, secpRecoverer{}); !errors.Is(err, ledger.ErrWrongSigner) {
		t.Fatalf("front-run registration: %v", err)
	}
}
