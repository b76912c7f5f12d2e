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
	// The conversion is atomic, the card's record is not part of it: an
	// expired offer fails the fills and the payment, and the record that
	// applied stays applied — it paid the owner, as the card signed.
	old := offer
	old.Expiry, old.Salt = 50, Hash{2}
	oldSigned := SignedOffer{Offer: old, Sig: mm.signDigest(testDomain.Digest(old.StructHash()))}
	if r, err := apply(pay(2, []SignedOffer{oldSigned}, 750, 1)); err != nil || r.Status != StatusFailed || r.Reason != ReasonOfferExpired {
		t.Fatalf("expired offer: %v %+v", err, r)
	}
	if st.Balance(card.addr, crypto).Uint64() != 4400 || st.Balance(owner.addr, crypto).Uint64() != 300 ||
		st.Balance(merchant.addr, eur).Uint64() != 750 || st.get(counterKey(card.addr, 2)) == nil {
		t.Fatal("a failed conversion undid its card record, or paid the merchant")
	}
	// The record alone is applied already.
	if _, err := apply(card.record(crypto, 300, owner.addr, 2, CardModeOnline)); !errors.Is(err, ErrRecordApplied) {
		t.Fatalf("the record again: %v", err)
	}
	// Retried with a live offer, the conversion goes on from what the
	// record paid the owner.
	fresh := offer
	fresh.Salt = Hash{3}
	freshSigned := SignedOffer{Offer: fresh, Sig: mm.signDigest(testDomain.Digest(fresh.StructHash()))}
	ok(pay(2, []SignedOffer{freshSigned}, 750, 2))
	if st.Balance(card.addr, crypto).Uint64() != 4400 || st.Balance(owner.addr, crypto).Uint64() != 0 ||
		st.Balance(merchant.addr, eur).Uint64() != 1500 {
		t.Fatal("the retried conversion")
	}
	// Another record on a used counter (a clone) fails the whole
	// conversion and applies nothing of it.
	clone := owner.sign(&ConvertPay{Owner: owner.addr, Record: card.record(crypto, 301, owner.addr, 2, CardModeOnline),
		Offers: []SignedOffer{freshSigned}, Takes: takesOf(1, 100), Asset: eur, Amount: u(100), Payee: merchant.addr, Nonce: 3}, testDomain)
	if r, err := apply(clone); err != nil || r.Reason != ReasonCloned {
		t.Fatalf("clone: %v %+v", err, r)
	}
	if st.Balance(card.addr, crypto).Uint64() != 4400 || st.Balance(merchant.addr, eur).Uint64() != 1500 {
		t.Fatal("a clone's conversion moved value")
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

// convertSetup is a settled chain with a card holding 5,000 units of a
// crypto asset, a market maker's signed offer (1,000 EUR for 400 crypto)
// and the owner's ConvertPay: the card pays its owner 300 crypto, the owner
// takes 750 EUR of the offer and pays the merchant 750 EUR.
type convertSetup struct {
	c                         *settledChain
	eur, crypto               Hash
	owner, merchant, mm, card *testKey
	offer                     Offer
	rec, cp                   *Tx
}

func newConvertSetup(t *testing.T) *convertSetup {
	issuer := newTestKey(951)
	s := &convertSetup{c: newSettledChain(t, issuer), owner: newTestKey(952), merchant: newTestKey(953), mm: newTestKey(954), card: newTestKey(955)}
	c := s.c
	ie := c.issuerTx(&IssueAsset{Issuer: issuer.addr, Symbol: "EUR", Decimals: 2, Supply: u(1_000_000)})
	ic := c.issuerTx(&IssueAsset{Issuer: issuer.addr, Symbol: "CRY", Decimals: 2, Supply: u(1_000_000)})
	c.ok(ie, ic)
	s.eur, s.crypto = ie.ID(testDomain), ic.ID(testDomain)
	c.ok(registerCard(issuer, s.card, s.owner.addr, c.nonce))
	c.nonce++
	c.ok(c.issuerTx(&Transfer{From: issuer.addr, To: s.card.addr, Asset: s.crypto, Amount: u(5000)}),
		c.issuerTx(&Transfer{From: issuer.addr, To: s.mm.addr, Asset: s.eur, Amount: u(100_000)}))
	s.offer = Offer{Maker: s.mm.addr, Give: s.eur, GiveAmount: u(1000), Want: s.crypto, WantAmount: u(400), Partial: true, Expiry: 1 << 40, Salt: Hash{7}}
	s.rec = s.card.record(s.crypto, 300, s.owner.addr, 1, CardModeOnline)
	s.cp = s.convert(s.offer, 0)
	return s
}

// convert is the owner's ConvertPay of s.rec through offer o.
func (s *convertSetup) convert(o Offer, nonce uint64) *Tx {
	so := SignedOffer{Offer: o, Sig: s.mm.signDigest(testDomain.Digest(o.StructHash()))}
	return s.owner.sign(&ConvertPay{Owner: s.owner.addr, Record: s.rec, Offers: []SignedOffer{so}, Takes: takesOf(1, 750),
		Asset: s.eur, Amount: u(750), Payee: s.merchant.addr, Nonce: nonce}, testDomain)
}

// lifted is what anyone who saw the ConvertPay in gossip can post: its card
// record alone.
func lifted(cp *Tx) *Tx {
	r := cp.Payload.(*ConvertPay).Record
	return &Tx{Payload: r.Payload, Sig: r.Sig}
}

// balances checks the card, the owner's crypto, the merchant's EUR and the
// maker's crypto.
func (s *convertSetup) balances(t *testing.T, card, ownerCrypto, merchant, mmCrypto uint64) {
	t.Helper()
	c := s.c
	if a, b, m, k := c.balance(s.card.addr, s.crypto), c.balance(s.owner.addr, s.crypto), c.balance(s.merchant.addr, s.eur),
		c.balance(s.mm.addr, s.crypto); a != card || b != ownerCrypto || m != merchant || k != mmCrypto {
		t.Fatalf("card %d, owner %d crypto, merchant %d EUR, maker %d crypto: want %d, %d, %d, %d", a, b, m, k,
			card, ownerCrypto, merchant, mmCrypto)
	}
}

// TestAttackLiftCardRecordOutOfConvertPay: a third party lifts the card
// record out of a gossiped ConvertPay and posts it alone, before or after
// the ConvertPay, in the same batch or another. The record applies once
// (it pays the owner, as the card signed) and the ConvertPay does exactly
// what its owner signed: the merchant is paid in every order.
func TestAttackLiftCardRecordOutOfConvertPay(t *testing.T) {
	paid := func(t *testing.T, s *convertSetup) {
		t.Helper()
		s.balances(t, 4700, 0, 750, 300)
	}
	okIn := func(t *testing.T, rs map[Hash]Receipt, tx *Tx) {
		t.Helper()
		if r, found := rs[tx.ID(testDomain)]; !found || r.Status != StatusOK {
			t.Fatalf("%s: %+v in %v", specOf(tx.Payload.Kind()).name, r, rs)
		}
	}
	t.Run("lifted record first, earlier batch", func(t *testing.T) {
		s := newConvertSetup(t)
		s.c.ok(lifted(s.cp))
		s.balances(t, 4700, 300, 0, 0)
		s.c.ok(s.cp)
		paid(t, s)
	})
	t.Run("lifted record first, same batch", func(t *testing.T) {
		s := newConvertSetup(t)
		rs, _, _ := s.c.batch(lifted(s.cp), s.cp)
		okIn(t, rs, s.cp)
		paid(t, s)
	})
	t.Run("ConvertPay first, lifted record after, same batch", func(t *testing.T) {
		s := newConvertSetup(t)
		rs, _, _ := s.c.batch(s.cp, lifted(s.cp))
		okIn(t, rs, s.cp)
		if len(rs) != 1 {
			t.Fatalf("the lifted record settled as well: %v", rs)
		}
		paid(t, s)
	})
	t.Run("ConvertPay first, lifted record after", func(t *testing.T) {
		s := newConvertSetup(t)
		s.c.ok(s.cp)
		if rs, _, _ := s.c.batch(lifted(s.cp)); len(rs) != 0 {
			t.Fatalf("the lifted record settled after its ConvertPay: %v", rs)
		}
		paid(t, s)
	})
}

// TestAttackConvertPayFailsAtSettlement: a ConvertPay admitted while its
// offer was open fails when it settles (the maker cancelled first). The
// card counted the amount as spent, so its record must still pay the
// owner: the conversion's fills and payment revert, the record leg
// stands, once, whatever order the cancel, the ConvertPay and the lifted
// record come in; and the owner can retry the conversion from it.
func TestAttackConvertPayFailsAtSettlement(t *testing.T) {
	cancel := func(s *convertSetup) *Tx {
		return s.mm.sign(&CancelOffer{Maker: s.mm.addr, Offer: testDomain.Digest(s.offer.StructHash()), Nonce: 0}, testDomain)
	}
	failed := func(t *testing.T, rs map[Hash]Receipt, s *convertSetup) {
		t.Helper()
		if r, found := rs[s.cp.ID(testDomain)]; !found || r.Status != StatusFailed {
			t.Fatalf("the ConvertPay: %+v in %v", r, rs)
		}
		// The card paid its owner; nobody else moved.
		s.balances(t, 4700, 300, 0, 0)
	}
	retry := func(t *testing.T, s *convertSetup) {
		t.Helper()
		if rs, _, _ := s.c.batch(lifted(s.cp)); len(rs) != 0 {
			t.Fatalf("the record applied twice: %v", rs)
		}
		s.balances(t, 4700, 300, 0, 0)
		o := s.offer
		o.Salt = Hash{8}
		s.c.ok(s.convert(o, 1))
		s.balances(t, 4700, 0, 750, 300)
	}
	t.Run("cancel in an earlier batch", func(t *testing.T) {
		s := newConvertSetup(t)
		s.c.ok(cancel(s))
		rs, _, _ := s.c.batch(s.cp)
		failed(t, rs, s)
		retry(t, s)
	})
	t.Run("cancel first, same batch", func(t *testing.T) {
		s := newConvertSetup(t)
		rs, _, _ := s.c.batch(cancel(s), s.cp, lifted(s.cp))
		failed(t, rs, s)
		retry(t, s)
	})
	t.Run("lifted record first, then cancel, same batch", func(t *testing.T) {
		s := newConvertSetup(t)
		rs, _, _ := s.c.batch(lifted(s.cp), cancel(s), s.cp)
		failed(t, rs, s)
		retry(t, s)
	})
	t.Run("lifted record in an earlier batch, then cancel", func(t *testing.T) {
		s := newConvertSetup(t)
		s.c.ok(lifted(s.cp))
		rs, _, _ := s.c.batch(cancel(s), s.cp)
		failed(t, rs, s)
		retry(t, s)
	})
	t.Run("unfunded record: nothing applies, nothing is lost", func(t *testing.T) {
		// The card's record cannot pay (a record the card did not cover,
		// as only a clone signs): the whole ConvertPay fails, nothing
		// moves, the counter stays free.
		s := newConvertSetup(t)
		s.rec = s.card.record(s.crypto, 6000, s.owner.addr, 1, CardModeOnline)
		s.cp = s.convert(s.offer, 0)
		rs, _, _ := s.c.batch(s.cp)
		if r := rs[s.cp.ID(testDomain)]; r.Status != StatusFailed || r.Reason != ReasonInsufficientFunds {
			t.Fatalf("unfunded: %+v", r)
		}
		s.balances(t, 5000, 0, 0, 0)
		if NewOverlay(s.c.st).get(counterKey(s.card.addr, 1)) != nil {
			t.Fatal("the counter was used")
		}
	})
}
