package ledger

import (
	"errors"
	"testing"

	"github.com/holiman/uint256"
)

func TestConvertPay(t *testing.T) {
	st := NewOverlay(mapState{})
	issuer, owner, merchant, mm, card := newTestKey(501), newTestKey(502), newTestKey(503), newTestKey(504), newTestKey(505)
	apply := func(tx *Tx) (*Receipt, error) {
		v, err := Verify(tx, testDomain, btcecRecoverer{})
		if err != nil {
			return nil, err
		}
		return Apply(st, v, Env{Time: 100})
	}
	ok := func(tx *Tx) {
		t.Helper()
		if r, err := apply(tx); err != nil || r.Status != StatusOK {
			t.Fatalf("%v %+v", err, r)
		}
	}
	eur := issueTo(t, st, issuer, 0, 1_000_000)
	crypto := issueTo(t, st, issuer, 1, 1_000_000) // stands in for ETH
	ok(registerCard(issuer, card, owner.addr, 2))
	ok(issuer.sign(&Transfer{From: issuer.addr, To: card.addr, Asset: crypto, Amount: u(5000), Nonce: 3}, testDomain))
	ok(issuer.sign(&Transfer{From: issuer.addr, To: mm.addr, Asset: eur, Amount: u(100_000), Nonce: 4}, testDomain))
	// The market maker gives 1,000 EUR units for 400 crypto units.
	offer := Offer{Maker: mm.addr, Give: eur, GiveAmount: u(1000), Want: crypto, WantAmount: u(400), Partial: true, Expiry: 1000, Salt: Hash{1}}
	so := SignedOffer{Offer: offer, Sig: mm.signDigest(testDomain.Digest(offer.StructHash()))}
	// 1,250 EUR units would need two offers; pay 750: take 750 EUR for
	// ceil(750 × 400 / 1000) = 300 crypto, which the card signs.
	pay := func(counter uint64, offers []SignedOffer, take uint64, nonce uint64) *Tx {
		rec := card.record(crypto, 300, owner.addr, counter, CardModeOnline)
		return owner.sign(&ConvertPay{Owner: owner.addr, Record: rec, Offers: offers, Takes: takesOf(len(offers), take),
			Asset: eur, Amount: u(750), Payee: merchant.addr, Nonce: nonce}, testDomain)
	}
	ok(pay(1, []SignedOffer{so}, 750, 0))
	if st.Balance(merchant.addr, eur).Uint64() != 750 || st.Balance(card.addr, crypto).Uint64() != 4700 ||
		st.Balance(mm.addr, crypto).Uint64() != 300 || st.Balance(owner.addr, crypto).Uint64() != 0 {
		t.Fatalf("after the conversion: merchant %d EUR, card %d, maker %d, owner %d", st.Balance(merchant.addr, eur).Uint64(),
			st.Balance(card.addr, crypto).Uint64(), st.Balance(mm.addr, crypto).Uint64(), st.Balance(owner.addr, crypto).Uint64())
	}
	// Atomic: an expired offer fails the whole payment; the card's record
	// did not apply (its counter is still free, the card not debited).
	old := offer
	old.Expiry, old.Salt = 50, Hash{2}
	oldSigned := SignedOffer{Offer: old, Sig: mm.signDigest(testDomain.Digest(old.StructHash()))}
	if r, err := apply(pay(2, []SignedOffer{oldSigned}, 750, 1)); err != nil || r.Reason != ReasonOfferExpired {
		t.Fatalf("expired offer: %v %+v", err, r)
	}
	if st.Balance(card.addr, crypto).Uint64() != 4700 || st.get(counterKey(card.addr, 2)) != nil {
		t.Fatal("a failed conversion debited the card or used its counter")
	}
	// The record alone still applies: it pays the owner, nobody else.
	ok(card.record(crypto, 300, owner.addr, 2, CardModeOnline))
	// A record whose counter is used fails the conversion.
	if r, err := apply(pay(2, []SignedOffer{so}, 750, 2)); err != nil || r.Reason != ReasonCardRecordInvalid {
		t.Fatalf("used counter: %v %+v", err, r)
	}
	// Never valid: a record paying someone else, or offline; forged offer.
	bad := owner.sign(&ConvertPay{Owner: owner.addr, Record: card.record(crypto, 300, merchant.addr, 3, CardModeOnline),
		Offers: []SignedOffer{so}, Takes: takesOf(1, 750), Asset: eur, Amount: u(750), Payee: merchant.addr, Nonce: 3}, testDomain)
	if _, err := apply(bad); !errors.Is(err, ErrBadField) {
		t.Fatalf("record paying the merchant directly: %v", err)
	}
	bad = owner.sign(&ConvertPay{Owner: owner.addr, Record: card.record(crypto, 300, owner.addr, 3, CardModeOffline),
		Offers: []SignedOffer{so}, Takes: takesOf(1, 750), Asset: eur, Amount: u(750), Payee: merchant.addr, Nonce: 3}, testDomain)
	if _, err := apply(bad); !errors.Is(err, ErrBadField) {
		t.Fatalf("offline record: %v", err)
	}
	forged := so
	forged.Sig = owner.signDigest(testDomain.Digest(offer.StructHash()))
	if _, err := apply(pay(3, []SignedOffer{forged}, 750, 3)); !errors.Is(err, ErrWrongSigner) {
		t.Fatalf("forged offer: %v", err)
	}

	// Wire, JSON and batch forms.
	tx := pay(9, []SignedOffer{so}, 750, 3)
	back, err := DecodeTx(tx.Encode())
	if err != nil || back.ID(testDomain) != tx.ID(testDomain) {
		t.Fatalf("wire round trip: %v", err)
	}
	if _, err := Verify(back, testDomain, btcecRecoverer{}); err != nil {
		t.Fatalf("wire round trip does not verify: %v", err)
	}
	j, _ := tx.MarshalJSON()
	var jb Tx
	if err := jb.UnmarshalJSON(j); err != nil {
		t.Fatalf("json round trip: %v %s", err, j)
	}
	if _, err := Verify(&jb, testDomain, btcecRecoverer{}); err != nil {
		t.Fatalf("json round trip does not verify: %v", err)
	}
	b := NewBatchBuilder(mapState{})
	b.Add(tx)
	txs, err := DecodeBatch(b.Bytes(), mapState{})
	if err != nil || len(txs) != 1 || txs[0].Err != nil || txs[0].Tx.ID(testDomain) != tx.ID(testDomain) {
		t.Fatalf("batch round trip: %v", err)
	}
}

func takesOf(n int, v uint64) []uint256.Int {
	out := make([]uint256.Int, n)
	for i := range out {
		out[i] = u(v)
	}
	return out
}
