package ledger

import (
	"errors"
	"testing"

	"pgregory.net/rapid"
)

func (k *testKey) offer(give Hash, giveAmt uint64, want Hash, wantAmt uint64, partial bool, expiry uint64) SignedOffer {
	o := Offer{Maker: k.addr, Give: give, GiveAmount: u(giveAmt), Want: want, WantAmount: u(wantAmt), Partial: partial,
		Expiry: expiry, Salt: Hash{byte(giveAmt), byte(wantAmt)}}
	id := testDomain.Digest(o.StructHash())
	return SignedOffer{Offer: o, Sig: k.signDigest(id)}
}

func (k *testKey) fill(o SignedOffer, take, nonce uint64) *Tx {
	return k.sign(&Fill{Taker: k.addr, Offer: o, Take: u(take), Nonce: nonce}, testDomain)
}

type market struct {
	t          *testing.T
	st         *Overlay
	maker, tkr *testKey
	gold, eur  Hash
	mn, tn     uint64
}

func newMarket(t *testing.T) *market {
	m := &market{t: t, st: NewOverlay(mapState{}), maker: newTestKey(501), tkr: newTestKey(502)}
	m.gold = issueTo(t, m.st, m.maker, 0, 1000)
	m.eur = issueTo(t, m.st, m.tkr, 0, 100000)
	m.mn, m.tn = 1, 1
	return m
}

func (m *market) apply(tx *Tx, env Env) (*Receipt, error) {
	v, err := Verify(tx, testDomain, btcecRecoverer{})
	if err != nil {
		return nil, err
	}
	return Apply(m.st, v, env)
}

func (m *market) fill(o SignedOffer, take uint64) (*Receipt, error) {
	tx := m.tkr.fill(o, take, m.tn)
	r, err := m.apply(tx, Env{Time: 100})
	if err == nil {
		m.tn++
	}
	return r, err
}

func TestFillsSettleBothLegs(t *testing.T) {
	m := newMarket(t)
	// 100 gold for 3,000 EUR, partial fills allowed.
	o := m.maker.offer(m.gold, 100, m.eur, 3000, true, 1000)
	if r, err := m.fill(o, 10); err != nil || r.Status != StatusOK {
		t.Fatalf("fill: %v %+v", err, r)
	}
	if g, e := m.st.Balance(m.tkr.addr, m.gold).Uint64(), m.st.Balance(m.maker.addr, m.eur).Uint64(); g != 10 || e != 300 {
		t.Fatalf("after 10 of 100: taker gold %d, maker EUR %d", g, e)
	}
	// Rounding never favours the taker: 7 of 100 at 3000/100 = 210 exactly;
	// an offer of 3 gold for 10 EUR, 1 gold costs ceil(10/3) = 4.
	o2 := m.maker.offer(m.gold, 3, m.eur, 10, true, 1000)
	before := m.st.Balance(m.tkr.addr, m.eur).Uint64()
	if r, _ := m.fill(o2, 1); r.Status != StatusOK || before-m.st.Balance(m.tkr.addr, m.eur).Uint64() != 4 {
		t.Fatalf("rounding: paid %d", before-m.st.Balance(m.tkr.addr, m.eur).Uint64())
	}
	// Overfill fails (the rest is 90).
	if r, _ := m.fill(o, 91); r.Reason != ReasonOfferFilled {
		t.Fatalf("overfill: %+v", r)
	}
	if r, _ := m.fill(o, 90); r.Status != StatusOK || m.st.OfferFilled(o.ID(testDomain)).Uint64() != 100 {
		t.Fatalf("fill the rest: %+v", r)
	}
	// Expired.
	o3 := m.maker.offer(m.gold, 5, m.eur, 5, false, 50)
	if r, _ := m.fill(o3, 5); r.Reason != ReasonOfferExpired {
		t.Fatalf("expired: %+v", r)
	}
	// A non-partial offer takes a whole fill only (never valid otherwise).
	o4 := m.maker.offer(m.gold, 6, m.eur, 60, false, 1000)
	if _, err := m.fill(o4, 3); !errors.Is(err, ErrBadField) {
		t.Fatalf("partial fill of an all-or-nothing offer: %v", err)
	}
	// Cancelled by a stranger: nothing changes; by its maker: no more fills.
	stranger := newTestKey(503)
	if r, _ := m.apply(stranger.sign(&CancelOffer{Maker: stranger.addr, Offer: o4.ID(testDomain), Nonce: 0}, testDomain), Env{}); r.Status != StatusOK {
		t.Fatal("stranger's cancel")
	}
	if r, _ := m.fill(o4, 6); r.Status != StatusOK {
		t.Fatalf("fill after a stranger's cancel: %+v", r)
	}
	o5 := m.maker.offer(m.gold, 7, m.eur, 70, false, 1000)
	if r, _ := m.apply(m.maker.sign(&CancelOffer{Maker: m.maker.addr, Offer: o5.ID(testDomain), Nonce: m.mn}, testDomain), Env{}); r.Status != StatusOK {
		t.Fatal("maker's cancel")
	}
	if r, _ := m.fill(o5, 7); r.Reason != ReasonOfferCancelled {
		t.Fatalf("fill after the maker's cancel: %+v", r)
	}
	// The maker cannot fill its own offer; a forged offer does not verify.
	if _, err := m.apply(m.maker.fill(o5, 7, m.mn+1), Env{}); !errors.Is(err, ErrBadField) {
		t.Fatalf("self-fill: %v", err)
	}
	forged := o5
	forged.WantAmount = u(1)
	if _, err := m.apply(m.tkr.fill(forged, 7, m.tn), Env{}); !errors.Is(err, ErrWrongSigner) {
		t.Fatalf("forged offer: %v", err)
	}
	// The maker lacks what the offer gives: failure, nothing moves.
	o6 := m.maker.offer(m.gold, 999, m.eur, 1, true, 1000)
	if r, _ := m.fill(o6, 999); r.Reason != ReasonMakerInsufficient {
		t.Fatalf("maker without the goods: %+v", r)
	}
	for _, a := range []Hash{m.gold, m.eur} {
		if s := m.st.Balance(m.maker.addr, a).Uint64() + m.st.Balance(m.tkr.addr, a).Uint64(); a == m.gold && s != 1000 || a == m.eur && s != 100000 {
			t.Fatalf("supply of %x: %d", a[:2], s)
		}
	}
	// Wire and JSON round trips keep the offer and its signature.
	tx := m.tkr.fill(o, 1, 99)
	back, err := DecodeTx(tx.Encode())
	if err != nil || back.ID(testDomain) != tx.ID(testDomain) {
		t.Fatal(err)
	}
	j, _ := tx.MarshalJSON()
	var jb Tx
	if err := jb.UnmarshalJSON(j); err != nil || jb.Payload.(*Fill).Offer.Sig != o.Sig {
		t.Fatalf("json: %v %s", err, j)
	}
	so, err := DecodeOffer(o.Encode())
	if err != nil || so.ID(testDomain) != o.ID(testDomain) || so.Sig != o.Sig {
		t.Fatal(err)
	}
}

// Two takers race for one all-or-nothing offer: exactly one wins, the
// other fails with a reason, in whatever order they settle.
func TestRacingFills(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		m := newMarket(&testing.T{})
		other := newTestKey(504)
		tx := m.tkr.sign(&Transfer{From: m.tkr.addr, To: other.addr, Asset: m.eur, Amount: u(5000), Nonce: m.tn}, testDomain)
		m.apply(tx, Env{})
		m.tn++
		o := m.maker.offer(m.gold, 10, m.eur, 100, false, 1000)
		a, b := m.tkr.fill(o, 10, m.tn), other.fill(o, 10, 0)
		order := []*Tx{a, b}
		if rapid.Bool().Draw(rt, "b first") {
			order = []*Tx{b, a}
		}
		var ok, failed int
		for _, tx := range order {
			r, err := m.apply(tx, Env{Time: 1})
			if err != nil {
				rt.Fatal(err)
			}
			if r.Status == StatusOK {
				ok++
			} else if r.Reason == ReasonOfferFilled {
				failed++
			}
		}
		if ok != 1 || failed != 1 {
			rt.Fatalf("%d won, %d failed", ok, failed)
		}
	})
}

// Bad offers: zero amounts, one asset on both sides, a price that overflows
// 256 bits are never valid; an offer of an unknown asset fails to fill and
// moves nothing.
func TestBadOffers(t *testing.T) {
	m := newMarket(t)
	for name, o := range map[string]SignedOffer{
		"zero give": m.maker.offer(m.gold, 0, m.eur, 10, true, 1000),
		"zero want": m.maker.offer(m.gold, 10, m.eur, 0, true, 1000),
		"same":      m.maker.offer(m.gold, 10, m.gold, 10, true, 1000),
	} {
		if _, err := VerifyOffer(&o, testDomain, btcecRecoverer{}); err == nil {
			t.Errorf("%s: offer verified", name)
		}
		if _, err := m.apply(m.tkr.fill(o, 1, m.tn), Env{}); err == nil {
			t.Errorf("%s: fill applied", name)
		}
	}
	// Amounts beyond 256 bits do not parse; the largest ones are priced
	// exactly (a price never exceeds the offer's want amount) and fail on
	// funds.
	over := `{"message":{"maker":"` + m.maker.addr.Hex() + `","give":"` + m.gold.Hex() + `","giveAmount":"115792089237316195423570985008687907853269984665640564039457584007913129639936","want":"` + m.eur.Hex() + `","wantAmount":"1","partial":true,"expiry":"1000","salt":"` + Hash{}.Hex() + `"},"signature":"` + Sig{}.Hex() + `"}`
	var so SignedOffer
	if err := so.UnmarshalJSON([]byte(over)); err == nil {
		t.Fatal("an offer of 2^256 parsed")
	}
	overflowing := Offer{Maker: m.maker.addr, Give: m.gold, GiveAmount: u(3), Want: m.eur, Partial: true, Expiry: 1000}
	overflowing.WantAmount.SetAllOne()
	ofs := SignedOffer{Offer: overflowing, Sig: m.maker.signDigest(testDomain.Digest(overflowing.StructHash()))}
	if r, err := m.apply(m.tkr.sign(&Fill{Taker: m.tkr.addr, Offer: ofs, Take: u(2), Nonce: m.tn}, testDomain), Env{}); err != nil || r.Reason != ReasonInsufficientFunds {
		t.Fatalf("fill priced near 2^256: %v %+v", err, r)
	}
	m.tn++
	// Unknown asset: a failure with a reason, value unchanged.
	unknown := m.maker.offer(Hash{0xde, 0xad}, 10, m.eur, 10, true, 1000)
	before := m.st.Balance(m.tkr.addr, m.eur).Uint64()
	if r, err := m.fill(unknown, 5); err != nil || r.Reason != ReasonUnknownAsset {
		t.Fatalf("unknown asset: %v %+v", err, r)
	}
	if m.st.Balance(m.tkr.addr, m.eur).Uint64() != before {
		t.Fatal("a failed fill moved value")
	}
}
