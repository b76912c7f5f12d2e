package ledger

import (
	"errors"
	"testing"
)

// record signs a card record with a test key standing in for a card.
// The card commits to its attachments as a card does: the ids in order.
func (k *testKey) record(asset Hash, amount uint64, payee Address, counter uint64, mode uint8, attached ...*Tx) *Tx {
	p := &CardPayment{CardRecord: CardRecord{Card: k.addr, Asset: asset, Amount: u(amount), Payee: payee, Counter: counter,
		Challenge: Hash{byte(counter)}, Mode: mode, AttachedHash: attachedIDsHash(attached)}, Attached: attached}
	return k.sign(p, testDomain)
}

func attachedIDsHash(attached []*Tx) Hash {
	var ids []Hash
	for _, a := range attached {
		ids = append(ids, a.ID(testDomain))
	}
	return AttachmentsHash(ids)
}

// registerCard is an issuer's registration of a card, with the card's consent.
func registerCard(issuer, card *testKey, owner Address, nonce uint64) *Tx {
	r := &CardRegister{Issuer: issuer.addr, Card: card.addr, Owner: owner, Nonce: nonce}
	cc := r.ConsentOf()
	r.Consent = card.signDigest(testDomain.Digest(cc.StructHash()))
	return issuer.sign(r, testDomain)
}

func TestCardRecords(t *testing.T) {
	st := NewOverlay(mapState{})
	issuer, owner, merchant := newTestKey(401), newTestKey(402), newTestKey(403)
	cardA, cardB := newTestKey(404), newTestKey(405)
	eur := issueTo(t, st, issuer, 0, 100000)
	apply := func(tx *Tx) (*Receipt, error) { return Apply(st, mustVerify(tx), Env{}) }
	ok := func(tx *Tx) {
		t.Helper()
		if r, err := apply(tx); err != nil || r.Status != StatusOK {
			t.Fatalf("%v %+v", err, r)
		}
	}
	// A record of an unregistered card is skipped, not failed.
	if _, err := apply(cardA.record(eur, 1, merchant.addr, 1, CardModeOffline)); !errors.Is(err, ErrCardUnknown) || !IsSkip(err) {
		t.Fatalf("unregistered card: %v", err)
	}
	ok(registerCard(issuer, cardA, owner.addr, 1))
	ok(registerCard(issuer, cardB, owner.addr, 2))
	if r, _ := apply(registerCard(issuer, cardA, owner.addr, 3)); r.Reason != ReasonCardExists {
		t.Fatalf("registered twice: %+v", r)
	}
	// Load: the issuer pays the card account.
	ok(issuer.sign(&Transfer{From: issuer.addr, To: cardA.addr, Asset: eur, Amount: u(4000), Nonce: 4}, testDomain))
	// Records arrive in any order: counter 2 before 1.
	r2 := cardA.record(eur, 700, merchant.addr, 2, CardModeOffline)
	ok(r2)
	ok(cardA.record(eur, 300, merchant.addr, 1, CardModeOnline))
	// An identical record twice is a no-op.
	if _, err := apply(r2); !errors.Is(err, ErrRecordApplied) {
		t.Fatalf("replayed record: %v", err)
	}
	// A card account is never debited by a Transfer, even one its key signs.
	if r, _ := apply(cardA.sign(&Transfer{From: cardA.addr, To: merchant.addr, Asset: eur, Amount: u(1), Nonce: 0}, testDomain)); r.Reason != ReasonCardAccount {
		t.Fatalf("transfer from a card account: %+v", r)
	}
	// Card to card, spent by B before A's record reaches the ledger: B's
	// payment carries A's record, which applies first.
	a2b := cardA.record(eur, 1000, cardB.addr, 3, CardModeToCard)
	ok(cardB.record(eur, 900, merchant.addr, 1, CardModeOnline, a2b))
	if got := st.Balance(merchant.addr, eur).Uint64(); got != 700+300+900 {
		t.Fatalf("merchant has %d", got)
	}
	// What each card account was ever credited: the issuer's T.
	if a, b := st.CardCredited(cardA.addr, eur).Uint64(), st.CardCredited(cardB.addr, eur).Uint64(); a != 4000 || b != 1000 {
		t.Fatalf("credited: A %d, B %d", a, b)
	}
	if n := st.CardReceivedCount(cardB.addr, eur); n != 1 || st.CardReceived(cardB.addr, eur, 0, 1)[0] != a2b.ID(testDomain) {
		t.Fatalf("B's received list: %d", n)
	}
	if _, err := apply(a2b); !errors.Is(err, ErrRecordApplied) {
		t.Fatalf("attached record applied twice: %v", err)
	}
	// A clone: the same counter with another record. Flagged, no value moves.
	before := st.Balance(cardA.addr, eur).Uint64()
	if r, _ := apply(cardA.record(eur, 5, merchant.addr, 2, CardModeOffline)); r.Reason != ReasonCloned {
		t.Fatalf("clone: %+v", r)
	}
	if c, _ := st.Card(cardA.addr); !c.Cloned || st.Balance(cardA.addr, eur).Uint64() != before {
		t.Fatalf("clone not flagged or value moved: %+v", c)
	}
	// Never valid: attachments that do not pay this card, or nest.
	bad := cardB.record(eur, 1, merchant.addr, 2, CardModeOnline, cardA.record(eur, 1, merchant.addr, 9, CardModeToCard))
	if _, err := Verify(bad, testDomain, btcecRecoverer{}); !errors.Is(err, ErrBadField) {
		t.Fatalf("attachment paying someone else: %v", err)
	}
	// Wire and JSON forms carry attachments.
	tx := cardB.record(eur, 1, merchant.addr, 5, CardModeOnline, a2b)
	back, err := DecodeTx(tx.Encode())
	if err != nil || len(back.Payload.(*CardPayment).Attached) != 1 || back.ID(testDomain) != tx.ID(testDomain) {
		t.Fatalf("wire round trip: %v", err)
	}
	j, _ := tx.MarshalJSON()
	var jb Tx
	if err := jb.UnmarshalJSON(j); err != nil || len(jb.Payload.(*CardPayment).Attached) != 1 {
		t.Fatalf("json round trip: %v %s", err, j)
	}
	if _, err := Verify(&jb, testDomain, btcecRecoverer{}); err != nil {
		t.Fatalf("json round trip does not verify: %v", err)
	}
}
