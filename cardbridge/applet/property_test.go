package applet

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"testing"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
	"pgregory.net/rapid"
)

type secpRecoverer struct{}

func (secpRecoverer) Recover(d ledger.Hash, s ledger.Sig) (ledger.Address, error) {
	return account.Recover(d, s)
}

// world is the property test's network: real applets, a real ledger state,
// an issuer that signs T only from settled credits, and terminals that
// forward records late, out of order and twice.
type world struct {
	t        *rapid.T
	st       map[string][]byte
	issuer   *account.Key
	owner    *account.Key
	ownerN   uint64
	issuerN  uint64
	cards    []*harness
	genuine  map[ledger.Address]bool
	credits  map[ledger.Address]*uint256.Int             // settled credits to each card account
	c2c      map[ledger.Address][]ledger.Hash            // settled card-to-card ids paying each card
	seq      map[ledger.Address]uint64                   // update value sequence per card
	snaps    map[ledger.Address]map[uint64][]ledger.Hash // c2c ids each update's T includes
	signed   map[ledger.Hash]*ledger.Tx                  // every record a card signed
	byCard   map[ledger.Hash]ledger.Address              // record id → signing card
	queue    []*ledger.Tx                                // records held by terminals
	settled  map[ledger.Hash]bool                        // records with an OK receipt
	failed   map[ledger.Hash]ledger.Reason               // records with a failure receipt
	eur      ledger.Hash
	merchant ledger.Address
}

type mapReader map[string][]byte

func (m mapReader) Get(k []byte) ([]byte, error) { return m[string(k)], nil }

func (w *world) apply(tx *ledger.Tx) (*ledger.Receipt, error) {
	v, err := ledger.Verify(tx, testDomain, secpRecoverer{})
	if err != nil {
		w.t.Fatalf("a signed tx does not verify: %v", err)
	}
	ov := ledger.NewOverlay(mapReader(w.st))
	r, err := ledger.Apply(ov, v, ledger.Env{})
	if err == nil {
		for _, kv := range ov.Writes() {
			if kv.Value == nil {
				delete(w.st, string(kv.Key))
			} else {
				w.st[string(kv.Key)] = kv.Value
			}
		}
	}
	return r, err
}

func (w *world) signTx(k *account.Key, p ledger.Payload) *ledger.Tx {
	sig, err := k.Sign(testDomain.Digest(p.StructHash()))
	if err != nil {
		w.t.Fatal(err)
	}
	return &ledger.Tx{Payload: p, Sig: ledger.Sig(sig)}
}

func (w *world) view() *ledger.Overlay { return ledger.NewOverlay(mapReader(w.st)) }

// deliver applies queued records (and their attachments' effects).
func (w *world) deliver(n int) {
	for ; n > 0 && len(w.queue) > 0; n-- {
		i := rapid.IntRange(0, len(w.queue)-1).Draw(w.t, "pick")
		tx := w.queue[i]
		w.queue = append(w.queue[:i], w.queue[i+1:]...)
		r, err := w.apply(tx)
		if err != nil && !ledger.IsSkip(err) {
			w.t.Fatalf("record refused: %v", err)
		}
		if err != nil {
			continue
		}
		id := tx.ID(testDomain)
		if r.Status == ledger.StatusOK {
			w.settled[id] = true
		} else {
			w.failed[id] = r.Reason
		}
		// Attachments that applied inside it count as settled too.
		for _, a := range tx.Payload.(*ledger.CardPayment).Attached {
			aid := a.ID(testDomain)
			var ck ledger.Hash
			copy(ck[:], w.st[string(counterKeyOf(a))])
			if ck == aid {
				w.settled[aid] = true
			}
		}
	}
	// The ledger's settled credits to each card, as the issuer sees them.
	for _, h := range w.cards {
		for id := range w.settled {
			tx := w.signed[id]
			p := tx.Payload.(*ledger.CardPayment)
			if p.Mode == ledger.CardModeToCard && p.Payee == h.addr && !contains(w.c2c[h.addr], id) {
				w.c2c[h.addr] = append(w.c2c[h.addr], id)
				w.credits[h.addr].Add(w.credits[h.addr], &p.Amount)
			}
		}
	}
}

func counterKeyOf(tx *ledger.Tx) []byte {
	p := tx.Payload.(*ledger.CardPayment)
	k := append([]byte{'u'}, p.Card[:]...)
	return binary.BigEndian.AppendUint64(k, p.Counter)
}

func contains(ids []ledger.Hash, id ledger.Hash) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// record turns a PAY/SEND response into the ledger tx, attachments included.
func (w *world) record(h *harness, out []byte, amount uint64, payee ledger.Address, challenge ledger.Hash, mode uint8) *ledger.Tx {
	pr, err := cardproto.ParsePayResponse(out)
	if err != nil {
		w.t.Fatal(err)
	}
	p := &ledger.CardPayment{CardRecord: ledger.CardRecord{Card: h.addr, Asset: w.eur, Amount: u128(amount),
		Payee: payee, Counter: pr.Counter, Challenge: challenge, Mode: mode, AttachedHash: pr.AttachedHash}}
	for _, rc := range pr.Attached {
		ap := &ledger.CardPayment{CardRecord: rc.Record(h.addr)}
		p.Attached = append(p.Attached, &ledger.Tx{Payload: ap, Sig: rc.Sig})
	}
	tx := &ledger.Tx{Payload: p, Sig: pr.Sig}
	id := tx.ID(testDomain)
	w.signed[id], w.byCard[id] = tx, h.addr
	return tx
}

// update has the issuer sign the card's settled credits and the wallet
// write them to the card (it may never get there).
func (w *world) update(h *harness) {
	w.seq[h.addr]++
	// The issuer lists the received records this update newly counts,
	// relative to the update the card is at.
	base := h.card.st.Purses[0].Seq
	counted := map[ledger.Hash]bool{}
	for _, id := range w.snaps[h.addr][base] {
		counted[id] = true
	}
	var confirmed []ledger.Hash
	for _, id := range w.c2c[h.addr] {
		if !counted[id] {
			confirmed = append(confirmed, id)
		}
	}
	if w.snaps[h.addr] == nil {
		w.snaps[h.addr] = map[uint64][]ledger.Hash{}
	}
	w.snaps[h.addr][w.seq[h.addr]] = append([]ledger.Hash(nil), w.c2c[h.addr]...)
	credits := w.credits[h.addr]
	if !credits.IsUint64() { // the card's purse holds a uint64: never truncate
		w.t.Fatalf("card %s settled credits %s do not fit a purse", h.addr.Hex()[:10], credits.Dec())
	}
	body := h.updateFor(w.eur, credits.Uint64(), w.seq[h.addr], confirmed...)
	if _, sw := h.do(0x80, cardproto.INSUpdate, 0, 0, body); sw != apdu.SWOK {
		w.t.Fatalf("update refused: %04X", sw)
	}
}

// TestOfflinePaymentsAlwaysSettle: whatever the order in which terminals
// deliver records, every record a genuine card signed settles exactly once,
// no card account goes negative, supply is conserved, and a clone is
// caught.
func TestOfflinePaymentsAlwaysSettle(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := &world{t: rt, st: map[string][]byte{}, issuer: key(t, 1), owner: key(t, 2), genuine: map[ledger.Address]bool{},
			credits: map[ledger.Address]*uint256.Int{}, c2c: map[ledger.Address][]ledger.Hash{}, seq: map[ledger.Address]uint64{},
			snaps:  map[ledger.Address]map[uint64][]ledger.Hash{},
			signed: map[ledger.Hash]*ledger.Tx{}, byCard: map[ledger.Hash]ledger.Address{}, settled: map[ledger.Hash]bool{},
			failed: map[ledger.Hash]ledger.Reason{}, eur: eurID, merchant: ledger.Address{0x3e}}
		// The owner holds the issued asset (its id is eurID in the applet
		// tests: issue it and move it to the owner under that id by
		// registering the issue's real id as the purse asset).
		issue := &ledger.IssueAsset{Issuer: w.owner.Address(), Symbol: "EUR", Decimals: 2, Supply: *uint256.NewInt(50_000), Currency: 978}
		w.eur = testDomain.Digest(issue.StructHash())
		if r, err := w.apply(w.signTx(w.owner, issue)); err != nil || r.Status != ledger.StatusOK {
			rt.Fatal(err)
		}
		w.ownerN = 1
		nCards := rapid.IntRange(2, 4).Draw(rt, "cards")
		for i := 0; i < nCards; i++ {
			h := newWorldCard(rt, w, byte(40+i))
			w.cards = append(w.cards, h)
			w.genuine[h.addr] = true
			w.credits[h.addr] = new(uint256.Int)
			consent := h.must(0x80, cardproto.INSConsent, 0, 0, nil)
			reg := &ledger.CardRegister{Issuer: w.issuer.Address(), Card: h.addr, Owner: w.owner.Address(), Nonce: w.issuerN,
				Consent: ledger.Sig(consent)}
			w.issuerN++
			if r, err := w.apply(w.signTx(w.issuer, reg)); err != nil || r.Status != ledger.StatusOK {
				rt.Fatalf("register: %v %+v", err, r)
			}
		}
		var clone *harness
		cloneOf, cloneRecords := -1, 0
		steps := rapid.IntRange(5, 40).Draw(rt, "steps")
		for s := 0; s < steps; s++ {
			ci := rapid.IntRange(0, nCards-1).Draw(rt, "card")
			h := w.cards[ci]
			switch rapid.IntRange(0, 7).Draw(rt, "op") {
			case 0: // load: the owner pays the card account; may fail
				amt := uint64(rapid.IntRange(1, 30_000).Draw(rt, "load"))
				tr := &ledger.Transfer{From: w.owner.Address(), To: h.addr, Asset: w.eur, Amount: *uint256.NewInt(amt), Nonce: w.ownerN}
				w.ownerN++
				r, err := w.apply(w.signTx(w.owner, tr))
				if err != nil {
					rt.Fatal(err)
				}
				if r.Status == ledger.StatusOK {
					w.credits[h.addr].AddUint64(w.credits[h.addr], amt)
				}
				if rapid.Bool().Draw(rt, "update reaches the card") {
					w.update(h)
				}
			case 1: // an update value from the network
				w.update(h)
			case 2, 3: // pay at a terminal, offline or online
				mode := byte(rapid.IntRange(1, 2).Draw(rt, "mode"))
				amt := uint64(rapid.IntRange(1, 3000).Draw(rt, "amount"))
				if mode == 2 || amt > 2500 {
					h.do(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456"))
				}
				ch := ledger.Hash{byte(s), 0xc4}
				out, sw := h.do(0x80, cardproto.INSPay, mode, 0, payTLV2(w.eur, amt, w.merchant, ch))
				if sw == apdu.SWOK {
					w.queue = append(w.queue, w.record(h, out, amt, w.merchant, ch, mode))
				}
			case 4: // card to card
				if cloneOf == ci {
					continue
				}
				bi := rapid.IntRange(0, nCards-1).Draw(rt, "to")
				b := w.cards[bi]
				if bi == ci || cloneOf == bi {
					continue
				}
				amt := uint64(rapid.IntRange(1, 2000).Draw(rt, "c2c"))
				h.do(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456"))
				chb, _ := b.do(0x00, cardproto.INSChallenge, 0, 0, nil)
				ch := ledger.Hash(chb)
				out, sw := h.do(0x80, cardproto.INSSend, 0, 0, payTLV2(w.eur, amt, b.addr, ch))
				if sw != apdu.SWOK {
					continue
				}
				tx := w.record(h, out, amt, b.addr, ch, ledger.CardModeToCard)
				sig := tx.Sig
				rc := cardproto.Received{Payer: h.addr, PayerOwner: w.owner.Address(), PayerCert: h.card.st.Cert,
					Asset: w.eur, Amount: u128(amt), Counter: tx.Payload.(*ledger.CardPayment).Counter, Sig: sig}
				if sw := b.card.receive(rc.Bytes()); sw != apdu.SWOK {
					if sw == apdu.SWNotEnoughMemory {
						w.queue = append(w.queue, tx) // B is full: A's record still goes to the network
						continue
					}
					rt.Fatalf("receive: %04X", sw)
				}
				// The host bridging the readers queues A's record durably
				// for the network; it may arrive after B's spending.
				w.queue = append(w.queue, tx)
			case 5: // terminals deliver some records now
				w.deliver(rapid.IntRange(1, 4).Draw(rt, "deliver"))
			case 6: // a card's key is extracted: a clone signs with the same counter
				if clone != nil {
					continue
				}
				cloneOf = ci
				clone = &harness{t: t, mem: h.mem.Clone(), issuer: h.issuer, owner: h.owner, addr: h.addr}
				clone.reload()
				clone.card.rand = newRand(99)
				clone.selectCard()
				w.genuine[h.addr] = false
				for _, k := range []*harness{h, clone} {
					out, sw := k.do(0x80, cardproto.INSPay, 1, 0, payTLV2(w.eur, 1, w.merchant, ledger.Hash{0xcc, byte(len(w.queue))}))
					if sw == apdu.SWOK {
						w.queue = append(w.queue, w.record(k, out, 1, w.merchant, ledger.Hash{0xcc, byte(len(w.queue))}, 1))
						cloneRecords++
					}
				}
			case 7: // power cut: the card restarts from its memory
				h.reload()
				h.selectCard()
			}
		}
		// Every terminal finally delivers everything, some of it twice.
		for id, tx := range w.signed {
			if rapid.Bool().Draw(rt, fmt.Sprint("dup ", id.Hex()[:8])) {
				w.queue = append(w.queue, tx)
			}
		}
		for len(w.queue) > 0 {
			w.deliver(len(w.queue))
		}
		// Checks.
		v := w.view()
		for id, card := range w.byCard {
			if !w.genuine[card] {
				continue
			}
			if !w.settled[id] {
				rt.Fatalf("record %s of genuine card %s did not settle (failure %v)", id.Hex()[:10], card.Hex()[:10], w.failed[id])
			}
		}
		// Supply, in unbounded arithmetic: a uint256 sum wraps, and a
		// balance that went below zero and wrapped would still sum to the
		// supply modulo 2^256. No balance may exceed what was issued.
		issued := big.NewInt(50_000)
		sum := new(big.Int)
		for k, val := range w.st {
			if kind, addr, asset := ledger.ParseStateKey([]byte(k)); kind == "balance" && asset == w.eur {
				b := new(big.Int).SetBytes(val)
				if b.Cmp(issued) > 0 {
					rt.Fatalf("account %s holds %s of %s issued: a balance went negative", addr.Hex()[:10], b, issued)
				}
				sum.Add(sum, b)
			}
		}
		if sum.Cmp(issued) != 0 {
			rt.Fatalf("supply %s, issued %s", sum, issued)
		}
		// No card account goes negative: what each card's settled records
		// spent never exceeds what settled into it, and the ledger holds
		// exactly the difference.
		for _, h := range w.cards {
			in := w.credits[h.addr].ToBig()
			out := new(big.Int)
			for id := range w.settled {
				if w.byCard[id] == h.addr {
					out.Add(out, w.signed[id].Payload.(*ledger.CardPayment).Amount.ToBig())
				}
			}
			left := new(big.Int).Sub(in, out)
			if left.Sign() < 0 {
				rt.Fatalf("card %s spent %s on settled records, received %s: negative by %s", h.addr.Hex()[:10], out, in, new(big.Int).Neg(left))
			}
			if got := v.Balance(h.addr, w.eur).ToBig(); got.Cmp(left) != 0 {
				rt.Fatalf("card %s: ledger balance %s, settled credits %s - settled spends %s = %s", h.addr.Hex()[:10], got, in, out, left)
			}
		}
		if cloneRecords == 2 { // both signed the same counter: caught
			if c, _ := v.Card(clone.addr); !c.Cloned {
				rt.Fatal("the clone was not caught")
			}
		}
	})
}

func newWorldCard(rt *rapid.T, w *world, seed byte) *harness {
	h := &harness{t: rapidTB{rt}, mem: NewMemMedium(), issuer: w.issuer, owner: w.owner}
	h.reload()
	h.card.rand = newRand(seed)
	h.selectCard()
	h.must(0x80, cardproto.INSGenerateKey, 0, 0, nil)
	h.addr = h.card.st.Address
	tl := h.personalization(h.issuer)
	// Purse in the world's asset.
	tl = replacePurse(tl, w.eur)
	h.must(0x80, cardproto.INSPersonalize, 0, 0, tl)
	return h
}

func replacePurse(personalization []byte, asset ledger.Hash) []byte {
	p, _ := cardproto.ParsePersonalization(personalization)
	p.Assets, p.Limits = []ledger.Hash{asset}, p.Limits[:1]
	return p.Bytes()
}

// rapidTB lets the harness fail a rapid check.
type rapidTB struct{ *rapid.T }

func (r rapidTB) Helper() {}
