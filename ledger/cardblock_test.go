package ledger

import (
	"errors"
	"testing"
)

func blockCard(issuer *testKey, card Address, reason uint8, nonce uint64) *Tx {
	return issuer.sign(&CardBlock{Issuer: issuer.addr, Card: card, Reason: reason, Nonce: nonce}, testDomain)
}

func TestCardBlock(t *testing.T) {
	st := NewOverlay(mapState{})
	issuer, owner, merchant, card := newTestKey(501), newTestKey(502), newTestKey(503), newTestKey(504)
	eur := issueTo(t, st, issuer, 0, 100000)
	apply := func(tx *Tx) (*Receipt, error) { return Apply(st, mustVerify(tx), Env{}) }
	ok := func(tx *Tx) {
		t.Helper()
		if r, err := apply(tx); err != nil || r.Status != StatusOK {
			t.Fatalf("%v %+v", err, r)
		}
	}
	// Blocking a card nobody registered fails: there is no issuer to sign.
	if r, err := apply(blockCard(issuer, card.addr, BlockLost, 1)); err != nil || r.Reason != ReasonNotCardIssuer {
		t.Fatalf("block of an unregistered card: %v %+v", err, r)
	}
	ok(registerCard(issuer, card, owner.addr, 2))
	ok(issuer.sign(&Transfer{From: issuer.addr, To: card.addr, Asset: eur, Amount: u(1000), Nonce: 3}, testDomain))

	// Records the card signed before the block: online, offline.
	online := card.record(eur, 100, merchant.addr, 1, CardModeOnline)
	offline := card.record(eur, 200, merchant.addr, 2, CardModeOffline)
	for _, tx := range []*Tx{online, offline} {
		if err := CardAdmissible(st, tx.Payload); err != nil {
			t.Fatalf("an unblocked card's record is refused: %v", err)
		}
	}

	ok(blockCard(issuer, card.addr, BlockStolen, 4))
	c, found := st.Card(card.addr)
	if !found || !c.Blocked || c.BlockReason != BlockStolen || !c.HotListed() || c.Cloned || c.Issuer != issuer.addr || c.Owner != owner.addr {
		t.Fatalf("blocked card reads %+v", c)
	}
	if r, _ := apply(blockCard(issuer, card.addr, BlockLost, 5)); r.Reason != ReasonCardBlocked {
		t.Fatalf("second block: %+v", r)
	}

	// The pending view refuses the blocked card's new online payments, on
	// their own or inside a conversion payment; offline and card-to-card
	// records (accepted where the block could not be seen) are admitted.
	if err := CardAdmissible(st, card.record(eur, 50, merchant.addr, 3, CardModeOnline).Payload); !errors.Is(err, ErrCardBlocked) {
		t.Fatalf("new online record of a blocked card: %v", err)
	}
	cv := &ConvertPay{Owner: owner.addr, Record: card.record(eur, 50, owner.addr, 4, CardModeOnline)}
	if err := CardAdmissible(st, cv); !errors.Is(err, ErrCardBlocked) {
		t.Fatalf("conversion payment of a blocked card: %v", err)
	}
	if err := CardAdmissible(st, offline.Payload); err != nil {
		t.Fatalf("offline record of a blocked card refused: %v", err)
	}
	if err := CardAdmissible(st, card.record(eur, 1, newTestKey(505).addr, 5, CardModeToCard).Payload); err != nil {
		t.Fatalf("card-to-card record of a blocked card refused: %v", err)
	}

	// Settlement never refuses a record the card signed: both pay.
	ok(online)
	ok(offline)
	if got := st.Balance(merchant.addr, eur).Uint64(); got != 300 {
		t.Fatalf("merchant has %d", got)
	}
	// A clone of a blocked card keeps both flags.
	if r, _ := apply(card.record(eur, 7, merchant.addr, 2, CardModeOffline)); r.Reason != ReasonCloned {
		t.Fatalf("clone: %+v", r)
	}
	if c, _ := st.Card(card.addr); !c.Cloned || !c.Blocked || c.BlockReason != BlockStolen {
		t.Fatalf("clone of a blocked card reads %+v", c)
	}
	if cs := st.CardWrites(); !cs[card.addr].Blocked {
		t.Fatalf("card writes: %+v", cs)
	}

	// Never valid: a bad reason, the zero card, the issuer itself.
	for name, b := range map[string]*CardBlock{
		"reason 0":   {Issuer: issuer.addr, Card: card.addr, Reason: 0},
		"reason 3":   {Issuer: issuer.addr, Card: card.addr, Reason: 3},
		"zero card":  {Issuer: issuer.addr, Reason: BlockLost},
		"the issuer": {Issuer: issuer.addr, Card: issuer.addr, Reason: BlockLost},
	} {
		if _, err := Verify(issuer.sign(b, testDomain), testDomain, btcecRecoverer{}); !errors.Is(err, ErrBadField) {
			t.Fatalf("%s: %v", name, err)
		}
	}

	// Wire and JSON forms.
	tx := blockCard(issuer, card.addr, BlockLost, 1<<40)
	back, err := DecodeTx(tx.Encode())
	if err != nil || *back.Payload.(*CardBlock) != *tx.Payload.(*CardBlock) || back.ID(testDomain) != tx.ID(testDomain) {
		t.Fatalf("wire round trip: %v", err)
	}
	j, _ := tx.MarshalJSON()
	var jb Tx
	if err := jb.UnmarshalJSON(j); err != nil || *jb.Payload.(*CardBlock) != *tx.Payload.(*CardBlock) {
		t.Fatalf("json round trip: %v %s", err, j)
	}
	if _, err := Verify(&jb, testDomain, btcecRecoverer{}); err != nil {
		t.Fatalf("json round trip does not verify: %v", err)
	}
}

// TestAttackStrangerBlocksCard: nobody but the issuer that registered a
// card can put it on the hot-list — not a stranger, not the card's owner,
// not another issuer — whether they name themselves or the real issuer,
// and a failed block changes nothing but its signer's nonce. Checked
// through settled batches, as every node folds them.
func TestAttackStrangerBlocksCard(t *testing.T) {
	issuer, owner, card := newTestKey(941), newTestKey(942), newTestKey(943)
	stranger, otherIssuer, otherCard := newTestKey(944), newTestKey(945), newTestKey(946)
	c := newSettledChain(t, issuer)
	c.ok(c.issuerTx(&IssueAsset{Issuer: issuer.addr, Symbol: "EUR", Decimals: 2, Supply: u(100000), Currency: 978}))
	c.ok(registerCard(issuer, card, owner.addr, c.nonce))
	c.nonce++
	// otherIssuer is a real issuer, of another card.
	reg := registerCard(otherIssuer, otherCard, owner.addr, 0)
	c.ok(reg)

	before := NewOverlay(c.st)
	// Naming themselves as the issuer: well signed, fails at apply.
	attempts := []*Tx{
		blockCard(stranger, card.addr, BlockLost, 0),
		blockCard(owner, card.addr, BlockStolen, 0),
		blockCard(otherIssuer, card.addr, BlockLost, 1),
	}
	rs, sk, inv := c.batch(attempts...)
	if len(sk) != 0 || len(inv) != 0 {
		t.Fatalf("skipped %v invalid %v", sk, inv)
	}
	for i, tx := range attempts {
		if r := rs[tx.ID(testDomain)]; r.Status != StatusFailed || r.Reason != ReasonNotCardIssuer {
			t.Fatalf("attempt %d: %+v", i, r)
		}
	}
	// Naming the real issuer: never verifies (the signature is not the issuer's).
	forged := stranger.sign(&CardBlock{Issuer: issuer.addr, Card: card.addr, Reason: BlockLost, Nonce: c.nonce}, testDomain)
	if _, err := Verify(forged, testDomain, btcecRecoverer{}); !errors.Is(err, ErrWrongSigner) {
		t.Fatalf("forged block: %v", err)
	}
	_, _, inv = c.batch(forged)
	if len(inv) != 1 || !errors.Is(inv[0], ErrWrongSigner) {
		t.Fatalf("forged block in a batch: %v", inv)
	}
	after := NewOverlay(c.st)
	if k, _ := after.Card(card.addr); k.Blocked || k.HotListed() {
		t.Fatalf("a stranger blocked the card: %+v", k)
	}
	if k0, _ := before.Card(card.addr); k0 != func() Card { k, _ := after.Card(card.addr); return k }() {
		t.Fatal("the card's state changed")
	}
	// The genuine issuer's block settles, the same on every node.
	c.ok(c.issuerTx(&CardBlock{Issuer: issuer.addr, Card: card.addr, Reason: BlockLost}))
	if k, _ := NewOverlay(c.st).Card(card.addr); !k.Blocked || k.BlockReason != BlockLost {
		t.Fatalf("the issuer's block: %+v", k)
	}
	if k, _ := NewOverlay(c.st).Card(otherCard.addr); k.Blocked {
		t.Fatal("another card was blocked")
	}
}
