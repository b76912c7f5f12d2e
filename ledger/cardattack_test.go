package ledger

import (
	"errors"
	"testing"
)

// settledChain folds batches the way every node does: build the batch
// against the settled state, decode it back, drop what never verifies
// (nodes refuse it at gossip; in a batch it is skipped), fold the rest.
type settledChain struct {
	t      *testing.T
	st     mapState
	nodes  mapState
	seq    uint64
	issuer *testKey
	nonce  uint64
}

func newSettledChain(t *testing.T, issuer *testKey) *settledChain {
	return &settledChain{t: t, st: mapState{}, nodes: mapState{}, issuer: issuer}
}

// batch settles txs as one batch and returns, per tx, its receipt or why
// it had none (never valid, or skipped).
func (c *settledChain) batch(txs ...*Tx) (receipts map[Hash]Receipt, skipped map[Hash]error, invalid []error) {
	c.t.Helper()
	b := NewBatchBuilder(c.st)
	for _, tx := range txs {
		if !b.Add(tx) {
			c.t.Fatal("batch full")
		}
	}
	dec, err := DecodeBatch(b.Bytes(), c.st)
	if err != nil {
		c.t.Fatal(err)
	}
	var vs []*Verified
	for _, bt := range dec {
		if bt.Err != nil {
			c.t.Fatalf("batch tx does not decode: %v", bt.Err)
		}
		v, err := Verify(bt.Tx, testDomain, btcecRecoverer{})
		if err != nil {
			invalid = append(invalid, err)
			continue
		}
		vs = append(vs, v)
	}
	res, err := Fold(c.st, c.nodes, vs, Env{Seq: c.seq})
	if err != nil {
		c.t.Fatal(err)
	}
	c.seq++
	c.st.commit(res.StateWrites)
	c.nodes.commit(res.TreeWrites)
	receipts, skipped = map[Hash]Receipt{}, map[Hash]error{}
	for _, r := range res.Receipts {
		receipts[r.TxID] = r
	}
	for _, s := range res.Skipped {
		skipped[s.ID] = s.Err
	}
	return receipts, skipped, invalid
}

func (c *settledChain) ok(txs ...*Tx) {
	c.t.Helper()
	rs, sk, inv := c.batch(txs...)
	for _, tx := range txs {
		if r, found := rs[tx.ID(testDomain)]; !found || r.Status != StatusOK {
			c.t.Fatalf("%s: %+v skipped %v invalid %v", specOf(tx.Payload.Kind()).name, r, sk, inv)
		}
	}
}

func (c *settledChain) issuerTx(p Payload) *Tx {
	switch p := p.(type) {
	case *Transfer:
		p.Nonce = c.nonce
	case *IssueAsset:
		p.Nonce = c.nonce
	case *CardRegister:
		p.Nonce = c.nonce
	case *CardBlock:
		p.Nonce = c.nonce
	}
	c.nonce++
	return c.issuer.sign(p, testDomain)
}

func (c *settledChain) balance(a Address, asset Hash) uint64 {
	return NewOverlay(c.st).Balance(a, asset).Uint64()
}

// stripped is what anyone who saw a record in gossip can post: the same
// fields and signature, other attachments (none, or a subset).
func stripped(tx *Tx, keep ...*Tx) *Tx {
	p := *tx.Payload.(*CardPayment)
	p.Attached = keep
	return &Tx{Payload: &p, Sig: tx.Sig}
}

// TestAttackStrippedAttachmentsBurnRecord: a copy of a genuine record
// without (or with other) attachments must never settle, and the genuine
// record pays its merchant whatever order the record, its copies and its
// attachments reach the chain in, in one batch or across batches.
func TestAttackStrippedAttachmentsBurnRecord(t *testing.T) {
	issuer, owner, merchant := newTestKey(901), newTestKey(902), newTestKey(903)
	cardA, cardB, cardC := newTestKey(904), newTestKey(905), newTestKey(906)
	// setup: A and C loaded, B registered and empty; A pays B 500 card to
	// card, C pays B 300; B spends 700 at a merchant attaching both.
	setup := func(t *testing.T) (c *settledChain, eur Hash, a2b, c2b, genuine *Tx) {
		c = newSettledChain(t, issuer)
		issue := c.issuerTx(&IssueAsset{Issuer: issuer.addr, Symbol: "EUR", Decimals: 2, Supply: u(100000)})
		c.ok(issue)
		eur = issue.ID(testDomain)
		c.ok(registerCard(issuer, cardA, owner.addr, 1), registerCard(issuer, cardB, owner.addr, 2),
			registerCard(issuer, cardC, owner.addr, 3))
		c.nonce = 4
		c.ok(c.issuerTx(&Transfer{From: issuer.addr, To: cardA.addr, Asset: eur, Amount: u(1000)}),
			c.issuerTx(&Transfer{From: issuer.addr, To: cardC.addr, Asset: eur, Amount: u(1000)}))
		a2b = cardA.record(eur, 500, cardB.addr, 1, CardModeToCard)
		c2b = cardC.record(eur, 300, cardB.addr, 1, CardModeToCard)
		genuine = cardB.record(eur, 700, merchant.addr, 1, CardModeOnline, a2b, c2b)
		return c, eur, a2b, c2b, genuine
	}
	paid := func(t *testing.T, c *settledChain, eur Hash) {
		t.Helper()
		if m, a, b, cc := c.balance(merchant.addr, eur), c.balance(cardA.addr, eur), c.balance(cardB.addr, eur),
			c.balance(cardC.addr, eur); m != 700 || a != 500 || b != 100 || cc != 700 {
			t.Fatalf("merchant %d, A %d, B %d, C %d: want 700, 500, 100, 700", m, a, b, cc)
		}
	}
	neverValid := func(t *testing.T, tx *Tx) {
		t.Helper()
		if _, err := Verify(tx, testDomain, btcecRecoverer{}); !errors.Is(err, ErrBadField) {
			t.Fatalf("a copy with other attachments verifies: %v", err)
		}
	}

	t.Run("copies are never valid", func(t *testing.T) {
		c, eur, a2b, c2b, genuine := setup(t)
		neverValid(t, stripped(genuine))
		neverValid(t, stripped(genuine, a2b))
		neverValid(t, stripped(genuine, c2b, a2b)) // reordered
		other := cardA.record(eur, 1, cardB.addr, 2, CardModeToCard)
		neverValid(t, stripped(genuine, a2b, c2b, other)) // one more
		neverValid(t, stripped(genuine, a2b, other))      // swapped
		// A record that signed none cannot be given some.
		plain := cardB.record(eur, 1, merchant.addr, 2, CardModeOnline)
		neverValid(t, stripped(plain, a2b))
		// In JSON too.
		j, _ := stripped(genuine).MarshalJSON()
		var back Tx
		if err := back.UnmarshalJSON(j); err != nil {
			t.Fatal(err)
		}
		neverValid(t, &back)
		_ = c
	})
	t.Run("stripped copy first, same batch", func(t *testing.T) {
		c, eur, _, _, genuine := setup(t)
		rs, _, inv := c.batch(stripped(genuine), genuine)
		if len(inv) != 1 || !errors.Is(inv[0], ErrBadField) || rs[genuine.ID(testDomain)].Status != StatusOK {
			t.Fatalf("receipts %v invalid %v", rs, inv)
		}
		paid(t, c, eur)
	})
	t.Run("stripped copy first, earlier batch", func(t *testing.T) {
		c, eur, a2b, _, genuine := setup(t)
		if rs, _, inv := c.batch(stripped(genuine), stripped(genuine, a2b)); len(rs) != 0 || len(inv) != 2 {
			t.Fatalf("copies settled: %v %v", rs, inv)
		}
		c.ok(genuine)
		paid(t, c, eur)
	})
	t.Run("genuine first, stripped copy after, same batch", func(t *testing.T) {
		c, eur, _, _, genuine := setup(t)
		rs, _, inv := c.batch(genuine, stripped(genuine))
		if len(inv) != 1 || !errors.Is(inv[0], ErrBadField) || rs[genuine.ID(testDomain)].Status != StatusOK {
			t.Fatalf("receipts %v invalid %v", rs, inv)
		}
		paid(t, c, eur)
	})
	t.Run("genuine first, stripped copy after", func(t *testing.T) {
		c, eur, _, _, genuine := setup(t)
		c.ok(genuine)
		if rs, _, inv := c.batch(stripped(genuine)); len(rs) != 0 || len(inv) != 1 {
			t.Fatalf("copy after: %v %v", rs, inv)
		}
		paid(t, c, eur)
	})
	t.Run("attachments alone first, earlier batch", func(t *testing.T) {
		c, eur, a2b, c2b, genuine := setup(t)
		c.ok(a2b, c2b)
		c.ok(genuine) // its attachments are skipped as applied; it pays
		paid(t, c, eur)
	})
	t.Run("attachments alone first, same batch", func(t *testing.T) {
		c, eur, a2b, c2b, genuine := setup(t)
		c.ok(c2b, a2b, genuine)
		paid(t, c, eur)
	})
	t.Run("attachments alone after, same batch", func(t *testing.T) {
		c, eur, a2b, c2b, genuine := setup(t)
		rs, sk, _ := c.batch(genuine, a2b, c2b)
		if rs[genuine.ID(testDomain)].Status != StatusOK || !errors.Is(sk[a2b.ID(testDomain)], ErrRecordApplied) ||
			!errors.Is(sk[c2b.ID(testDomain)], ErrRecordApplied) {
			t.Fatalf("receipts %v skipped %v", rs, sk)
		}
		paid(t, c, eur)
	})
	t.Run("attachments alone after, later batch", func(t *testing.T) {
		c, eur, a2b, c2b, genuine := setup(t)
		c.ok(genuine)
		if rs, sk, _ := c.batch(a2b, c2b); len(rs) != 0 || len(sk) != 2 {
			t.Fatalf("attachments applied twice: %v %v", rs, sk)
		}
		paid(t, c, eur)
	})
	t.Run("one attachment alone first, the copy without the other", func(t *testing.T) {
		c, eur, a2b, _, genuine := setup(t)
		c.ok(a2b)
		// B now holds 500: a copy carrying nothing would be fundable.
		if rs, _, inv := c.batch(stripped(genuine)); len(rs) != 0 || len(inv) != 1 {
			t.Fatalf("copy settled: %v %v", rs, inv)
		}
		c.ok(genuine)
		paid(t, c, eur)
	})
}

// TestAttackUnfundedRecordBurnsCounter: a genuine record that reaches the
// chain before the credits it relies on (its attachment's card is not
// registered yet, its load has not settled) is skipped with its counter
// free, and pays once they settle.
func TestAttackUnfundedRecordBurnsCounter(t *testing.T) {
	issuer, owner, merchant := newTestKey(911), newTestKey(912), newTestKey(913)
	cardA, cardB := newTestKey(914), newTestKey(915)
	c := newSettledChain(t, issuer)
	issue := c.issuerTx(&IssueAsset{Issuer: issuer.addr, Symbol: "EUR", Decimals: 2, Supply: u(100000)})
	c.ok(issue)
	eur := issue.ID(testDomain)
	c.ok(registerCard(issuer, cardB, owner.addr, 1))
	c.nonce = 2
	a2b := cardA.record(eur, 500, cardB.addr, 1, CardModeToCard)
	genuine := cardB.record(eur, 400, merchant.addr, 1, CardModeOffline, a2b)
	// A is not registered: its record is skipped, so B's is unfunded.
	rs, sk, _ := c.batch(genuine)
	if len(rs) != 0 || !errors.Is(sk[genuine.ID(testDomain)], ErrCardUnfunded) || !IsSkip(sk[genuine.ID(testDomain)]) {
		t.Fatalf("unfunded record: receipts %v skipped %v", rs, sk)
	}
	// Its counter is free: the same record settles later.
	c.ok(registerCard(issuer, cardA, owner.addr, c.nonce))
	c.nonce++
	c.ok(c.issuerTx(&Transfer{From: issuer.addr, To: cardA.addr, Asset: eur, Amount: u(1000)}))
	c.ok(genuine)
	if m, b := c.balance(merchant.addr, eur), c.balance(cardB.addr, eur); m != 400 || b != 100 {
		t.Fatalf("merchant %d, B %d", m, b)
	}
	// A record ahead of its load: skipped, then paid.
	early := cardA.record(eur, 800, merchant.addr, 2, CardModeOnline)
	if rs, sk, _ := c.batch(early); len(rs) != 0 || !errors.Is(sk[early.ID(testDomain)], ErrCardUnfunded) {
		t.Fatalf("record ahead of its load: %v %v", rs, sk)
	}
	c.ok(c.issuerTx(&Transfer{From: issuer.addr, To: cardA.addr, Asset: eur, Amount: u(300)}))
	c.ok(early)
	if m := c.balance(merchant.addr, eur); m != 1200 {
		t.Fatalf("merchant %d", m)
	}
}

// TestAttackStrangerRegistersCard: registering an account as a card needs
// the card key's consent, naming the issuer and owner.
func TestAttackStrangerRegistersCard(t *testing.T) {
	stranger, victim := newTestKey(923), newTestKey(924)
	st := NewOverlay(mapState{})
	verify := func(tx *Tx) error { _, err := Verify(tx, testDomain, btcecRecoverer{}); return err }
	// A stranger registers an ordinary account (nonce 0) as its card: the
	// consent is the stranger's, not the account key's.
	r := &CardRegister{Issuer: stranger.addr, Card: victim.addr, Owner: stranger.addr}
	cc := r.ConsentOf()
	r.Consent = stranger.signDigest(testDomain.Digest(cc.StructHash()))
	if err := verify(stranger.sign(r, testDomain)); !errors.Is(err, ErrWrongSigner) {
		t.Fatalf("stranger's registration: %v", err)
	}
	// Without any consent (a zero signature) it does not even decode as valid.
	r0 := &CardRegister{Issuer: stranger.addr, Card: victim.addr, Owner: stranger.addr}
	if err := verify(stranger.sign(r0, testDomain)); err == nil {
		t.Fatal("registration without consent verifies")
	}
	if _, ok := st.Card(victim.addr); ok {
		t.Fatal("victim registered")
	}
}

// TestAttackFrontRunCardRegistration: a registration copied from gossip
// with another issuer or owner does not carry a consent for them.
func TestAttackFrontRunCardRegistration(t *testing.T) {
	issuer, owner, thief, card := newTestKey(931), newTestKey(932), newTestKey(933), newTestKey(934)
	genuine := registerCard(issuer, card, owner.addr, 0).Payload.(*CardRegister)
	for name, fr := range map[string]*CardRegister{
		"thief as issuer": {Issuer: thief.addr, Card: card.addr, Owner: owner.addr, Consent: genuine.Consent},
		"thief as owner":  {Issuer: thief.addr, Card: card.addr, Owner: thief.addr, Consent: genuine.Consent},
	} {
		if _, err := Verify(thief.sign(fr, testDomain), testDomain, btcecRecoverer{}); !errors.Is(err, ErrWrongSigner) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// The genuine one, signed by its issuer, verifies and registers.
	st := NewOverlay(mapState{})
	if r, err := Apply(st, mustVerify(issuer.sign(genuine, testDomain)), Env{}); err != nil || r.Status != StatusOK {
		t.Fatalf("genuine registration: %v %+v", err, r)
	}
	// Signed for another network, the consent does not count here.
	other := NewDomain(1, Address{0xa1})
	r := &CardRegister{Issuer: issuer.addr, Card: card.addr, Owner: owner.addr, Nonce: 1}
	cc := r.ConsentOf()
	r.Consent = card.signDigest(other.Digest(cc.StructHash()))
	if _, err := Verify(issuer.sign(r, testDomain), testDomain, btcecRecoverer{}); !errors.Is(err, ErrWrongSigner) {
		t.Fatalf("consent of another network: %v", err)
	}
}
