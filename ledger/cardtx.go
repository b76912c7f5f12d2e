package ledger

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/holiman/uint256"
)

// Card kinds: an issuer registers a card account (CardRegister, an account
// transaction of the issuer); a card debits its account only with records
// it signs itself (CardRecord, replay-protected by unique counters, never
// by the account nonce). The ledger checks signature, registration and
// counter — never limits held on the card.
const (
	KindCardRegister Kind = 3
	KindCardRecord   Kind = 4
)

// MaxAttached bounds the card-to-card records one card record carries.
const MaxAttached = 8

var (
	// ErrCardUnknown skips a record of a card no issuer has registered
	// (yet): no receipt, it may apply once the registration settles.
	ErrCardUnknown = errors.New("ledger: card not registered")
	// ErrRecordApplied skips a record already applied: an identical record
	// twice is a no-op.
	ErrRecordApplied = errors.New("ledger: card record already applied")
	// ErrCardUnfunded skips a record its card account cannot pay now: no
	// receipt and its counter stays free, so it applies once the credits
	// it relies on settle (a genuine card signs only what its settled and
	// attached credits cover, so those credits exist somewhere).
	ErrCardUnfunded = errors.New("ledger: card account cannot pay the record yet")
)

const (
	prefixCard     = 'c' // 'c' ‖ card → issuer(20) ‖ owner(20) ‖ flags(1): cloned(bit 0) ‖ blocked(bit 1) ‖ block reason(bits 2..7)
	prefixCounter  = 'u' // 'u' ‖ card ‖ counter(8) → record id
	prefixCredited = 'k' // 'k' ‖ card ‖ asset → every credit to the card account, summed
	prefixReceived = 'q' // 'q' ‖ card ‖ asset ‖ index(8) → id of the index-th card-to-card record paying it
	prefixRecvN    = 'Q' // 'Q' ‖ card ‖ asset → number of such records
	cardCloned     = 1
	cardBlocked    = 2
)

func recvKey(card Address, asset Hash, i uint64) string {
	k := make([]byte, 0, 61)
	k = append(k, prefixReceived)
	k = append(k, card[:]...)
	k = append(k, asset[:]...)
	return string(append(k, u64be(i)...))
}

func recvCountKey(card Address, asset Hash) string {
	k := make([]byte, 0, 53)
	k = append(k, prefixRecvN)
	k = append(k, card[:]...)
	return string(append(k, asset[:]...))
}

// CardReceivedCount is how many card-to-card records have credited a card
// account in an asset.
func (o *Overlay) CardReceivedCount(card Address, asset Hash) uint64 {
	v := o.get(recvCountKey(card, asset))
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// CardReceived returns the ids of card-to-card records [from, to) that
// credited a card account, in the order they settled. An issuer lists the
// ones a new update value counts, so the card drops them from what it
// holds unconfirmed.
func (o *Overlay) CardReceived(card Address, asset Hash, from, to uint64) []Hash {
	var out []Hash
	for i := from; i < to; i++ {
		var id Hash
		copy(id[:], o.get(recvKey(card, asset, i)))
		out = append(out, id)
	}
	return out
}

func (o *Overlay) appendCardReceived(card Address, asset Hash, id Hash) {
	n := o.CardReceivedCount(card, asset)
	o.put(recvKey(card, asset, n), append([]byte(nil), id[:]...))
	o.put(recvCountKey(card, asset), u64be(n+1))
}

func creditedKey(card Address, asset Hash) string {
	k := make([]byte, 0, 53)
	k = append(k, prefixCredited)
	k = append(k, card[:]...)
	return string(append(k, asset[:]...))
}

// CardCredited is the total ever credited to a card account in an asset:
// loads and card-to-card payments. Once settled, it is the T its issuer
// signs: the card may spend up to it, less what it signed away.
func (o *Overlay) CardCredited(card Address, asset Hash) *uint256.Int {
	return new(uint256.Int).SetBytes(o.get(creditedKey(card, asset)))
}

func (o *Overlay) addCardCredit(card Address, asset Hash, amount *uint256.Int) {
	v := o.CardCredited(card, asset)
	v.Add(v, amount) // bounded by the asset's supply times the number of credits: fits
	b := v.Bytes32()
	n := 32 - (v.BitLen()+7)/8
	o.put(creditedKey(card, asset), append([]byte(nil), b[n:]...))
}

// Card is a registered card account.
type Card struct {
	Issuer Address
	Owner  Address
	Cloned bool // the same counter was seen with two contents
	// Blocked: its issuer blocked it (CardBlock), for BlockReason.
	Blocked     bool
	BlockReason uint8
}

// HotListed reports whether terminals and the pending view must refuse
// new online payments of the card: cloned or blocked by its issuer.
func (k Card) HotListed() bool { return k.Cloned || k.Blocked }

func cardKey(c Address) string { return string(append([]byte{prefixCard}, c[:]...)) }

// Card reads a card's registration.
func (o *Overlay) Card(c Address) (Card, bool) {
	var key skey
	key.add(prefixCard).add(c[:]...)
	v := o.getk(&key)
	if len(v) != 41 {
		return Card{}, false
	}
	return decodeCard(v), true
}

func decodeCard(v []byte) Card {
	var k Card
	copy(k.Issuer[:], v[:20])
	copy(k.Owner[:], v[20:40])
	k.Cloned = v[40]&cardCloned != 0
	k.Blocked = v[40]&cardBlocked != 0
	k.BlockReason = v[40] >> 2
	return k
}

func (o *Overlay) setCard(c Address, k Card) {
	v := make([]byte, 41)
	copy(v, k.Issuer[:])
	copy(v[20:], k.Owner[:])
	if k.Cloned {
		v[40] = cardCloned
	}
	if k.Blocked {
		v[40] |= cardBlocked | k.BlockReason<<2
	}
	o.put(cardKey(c), v)
}

// ParseCardState reads a card registration from a raw state key and value
// (a store scanning the settled state, a node scanning its pending view's
// writes): ok is false for any other key or a deleted one.
// StatePrefixCard is the first byte of every card registration's state
// key, for stores that list them (see ParseCardState).
func StatePrefixCard() []byte { return []byte{prefixCard} }

func ParseCardState(key, value []byte) (Address, Card, bool) {
	if len(key) != 1+20 || key[0] != prefixCard || len(value) != 41 {
		return Address{}, Card{}, false
	}
	var a Address
	copy(a[:], key[1:])
	return a, decodeCard(value), true
}

// CardWrites lists the card registrations the overlay wrote (its pending
// changes over the base), in no particular order.
func (o *Overlay) CardWrites() map[Address]Card {
	out := map[Address]Card{}
	for k, v := range o.writes {
		if a, c, ok := ParseCardState([]byte(k), v); ok {
			out[a] = c
		}
	}
	return out
}

// CardRegister registers a card account under its issuer. Consent is the
// card key's signature of CardConsent(card, issuer, owner), made on the
// card: without it nobody can register an account as a card.
type CardRegister struct {
	Issuer  Address
	Card    Address
	Owner   Address
	Nonce   uint64
	Consent Sig
}

var cardRegisterFields = []TypedField{{"issuer", "address"}, {"card", "address"}, {"owner", "address"}, {"nonce", "uint64"}}

type cardRegisterJSON struct {
	Issuer Address `json:"issuer"`
	Card   Address `json:"card"`
	Owner  Address `json:"owner"`
	Nonce  jsonU64 `json:"nonce"`
}

func (r *CardRegister) Kind() Kind           { return KindCardRegister }
func (r *CardRegister) Signer() Address      { return r.Issuer }
func (r *CardRegister) AccountNonce() uint64 { return r.Nonce }

func (r *CardRegister) StructHash() Hash {
	var w structWriter
	w.hash(specOf(KindCardRegister).typeHash)
	w.address(r.Issuer)
	w.address(r.Card)
	w.address(r.Owner)
	w.uint64(r.Nonce)
	return w.sum()
}

func (r *CardRegister) Check() error {
	switch {
	case r.Card.IsZero() || r.Owner.IsZero():
		return fmt.Errorf("%w: zero card or owner", ErrBadField)
	case r.Card == r.Issuer:
		return fmt.Errorf("%w: an issuer cannot register itself as a card", ErrBadField)
	}
	if err := r.Consent.CheckFormat(); err != nil {
		return fmt.Errorf("the card's consent: %w", err)
	}
	return nil
}

// ConsentOf is the consent a registration needs from its card.
func (r *CardRegister) ConsentOf() CardConsent {
	return CardConsent{Card: r.Card, Issuer: r.Issuer, Owner: r.Owner}
}

// VerifyCardConsent checks that a registration carries its card's consent
// to exactly this issuer and owner, in domain d.
func VerifyCardConsent(r *CardRegister, d Domain, rec Recoverer) error {
	cc := r.ConsentOf()
	_, err := verifySigned(nil, d.Digest(cc.StructHash()), r.Consent, r.Card, "card consent", rec)
	return err
}

func (r *CardRegister) encode(e *encoder) {
	e.address(r.Issuer)
	e.address(r.Card)
	e.address(r.Owner)
	e.buf = append(e.buf, r.Consent[:]...)
	e.uvarint(r.Nonce)
}

func (r *CardRegister) execute(c *execContext) Reason {
	if _, ok := c.st.Card(r.Card); ok {
		return ReasonCardExists
	}
	if c.st.Account(r.Card).Nonce > 0 {
		return ReasonCardExists // the key already acts as an ordinary account
	}
	c.st.setCard(r.Card, Card{Issuer: r.Issuer, Owner: r.Owner})
	c.st.touch(r.Card)
	return ReasonNone
}

// CardPayment is a card record on the ledger: the CardRecord struct the
// card signed, plus the card-to-card records (signed by other cards, paying
// this one) that it attaches so they apply first. Its id is the record's
// digest; the attachments' own signatures are their cards', but which
// records are attached, in which order, is fixed by the card's signature
// (CardRecord.AttachedHash): a copy with other attachments is never valid.
type CardPayment struct {
	CardRecord
	Attached []*Tx
}

var cardRecordFields = []TypedField{
	{"card", "address"}, {"asset", "bytes32"}, {"amount", "uint256"}, {"payee", "address"},
	{"counter", "uint64"}, {"challenge", "bytes32"}, {"mode", "uint8"}, {"attached", "bytes32"},
}

type cardRecordJSON struct {
	Card      Address  `json:"card"`
	Asset     Hash     `json:"asset"`
	Amount    jsonU256 `json:"amount"`
	Payee     Address  `json:"payee"`
	Counter   jsonU64  `json:"counter"`
	Challenge Hash     `json:"challenge"`
	Mode      uint8    `json:"mode"`
	Attached  Hash     `json:"attached"`
}

func (p *CardPayment) Kind() Kind           { return KindCardRecord }
func (p *CardPayment) Signer() Address      { return p.Card }
func (p *CardPayment) AccountNonce() uint64 { return 0 }
func (p *CardPayment) StructHash() Hash     { return p.CardRecord.StructHash() }
func (p *CardPayment) nonceless()           {}

func (p *CardPayment) Check() error {
	switch {
	case p.Amount.IsZero():
		return fmt.Errorf("%w: card record of nothing", ErrZeroAmount)
	case p.Payee.IsZero() || p.Payee == p.Card:
		return fmt.Errorf("%w: card record payee", ErrBadField)
	case p.Mode < CardModeOffline || p.Mode > CardModeToCard:
		return fmt.Errorf("%w: card record mode %d", ErrBadField, p.Mode)
	case p.Counter == 0:
		return fmt.Errorf("%w: card counters start at 1", ErrBadField)
	case len(p.Attached) > MaxAttached:
		return fmt.Errorf("%w: %d attached records, at most %d", ErrBadField, len(p.Attached), MaxAttached)
	case len(p.Attached) == 0 && !p.AttachedHash.IsZero():
		return fmt.Errorf("%w: the card signed attachments the record does not carry", ErrBadField)
	case len(p.Attached) > 0 && p.AttachedHash.IsZero():
		return fmt.Errorf("%w: the card signed no attachments but the record carries %d", ErrBadField, len(p.Attached))
	}
	for i, a := range p.Attached {
		var ap *CardPayment
		ok := a != nil
		if ok {
			ap, ok = a.Payload.(*CardPayment)
		}
		switch {
		case !ok:
			return fmt.Errorf("%w: attachment %d is not a card record", ErrBadField, i)
		case len(ap.Attached) > 0:
			return fmt.Errorf("%w: attachment %d carries attachments (one level only)", ErrBadField, i)
		case ap.Mode != CardModeToCard || ap.Payee != p.Card:
			return fmt.Errorf("%w: attachment %d is not a card-to-card record paying this card", ErrBadField, i)
		}
		if err := ap.Check(); err != nil {
			return fmt.Errorf("attachment %d: %w", i, err)
		}
	}
	return nil
}

func (p *CardPayment) encode(e *encoder) {
	e.address(p.Card)
	e.asset(p.Asset)
	e.amount(&p.Amount)
	e.address(p.Payee)
	e.uvarint(p.Counter)
	e.bytes32(p.Challenge)
	e.byte1(p.Mode)
	e.bytes32(p.AttachedHash)
	e.uvarint(uint64(len(p.Attached)))
	for _, a := range p.Attached {
		b := a.Encode()
		e.uvarint(uint64(len(b)))
		e.buf = append(e.buf, b...)
	}
}

func decodeCardPayment(d *decoder) Payload {
	var p CardPayment
	p.Card = d.address("card")
	p.Asset = d.asset("asset")
	p.Amount = *d.amount("amount")
	p.Payee = d.address("payee")
	p.Counter = d.uvarint("counter")
	p.Challenge = d.bytes32("challenge")
	p.Mode = d.byte1("mode")
	if !d.v1 {
		p.AttachedHash = d.bytes32("attached")
	}
	n := d.uvarint("attachment count")
	if n > MaxAttached {
		d.fail("%d attachments, at most %d", n, MaxAttached)
		return &p
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		l := d.uvarint("attachment length")
		if l > MaxTxSize {
			d.fail("attachment of %d bytes", l)
			break
		}
		b := d.take(int(l), "attachment")
		if d.err != nil {
			break
		}
		tx, err := decodeTx(b, d.v1)
		if err != nil {
			d.fail("attachment %d: %v", i, err)
			break
		}
		p.Attached = append(p.Attached, tx)
	}
	return &p
}

// executeSelf applies a card record with its own replay rule: attachments
// first, then the record. An identical record twice is skipped; the same
// counter with another record is a clone: the card is flagged and the
// record fails.
func (p *CardPayment) executeSelf(c *execContext) (Reason, error) {
	st := c.st
	if len(c.tx.Attached) != len(p.Attached) {
		return 0, fmt.Errorf("%w: card record attachments were not verified", ErrBadSignature)
	}
	ids := make([]Hash, len(c.tx.Attached))
	for i, v := range c.tx.Attached {
		ids[i] = v.ID
	}
	if AttachmentsHash(ids) != p.AttachedHash {
		return 0, fmt.Errorf("%w: the attachments are not the ones the card signed", ErrBadField)
	}
	for i, a := range p.Attached {
		v := c.tx.Attached[i]
		snap := st.snapshot()
		reason, err := a.Payload.(*CardPayment).applyRecord(st, v.ID)
		switch {
		case err == nil && reason == ReasonNone:
			c.attached = append(c.attached, v.ID)
		case reason != ReasonCloned:
			// A failed attachment changes nothing but what it records
			// about a clone; the record that relied on it may then fail.
			st.revert(snap)
		}
	}
	return p.applyRecord(st, c.tx.ID)
}

// applyRecord applies one record (no attachments).
func (p *CardPayment) applyRecord(st *Overlay, id Hash) (Reason, error) {
	card, ok := st.Card(p.Card)
	if !ok {
		return 0, fmt.Errorf("%w: %s", ErrCardUnknown, p.Card.Hex())
	}
	ck := counterKey(p.Card, p.Counter)
	if prev := st.get(ck); prev != nil {
		if Hash(prev) == id {
			return 0, fmt.Errorf("%w: card %s counter %d", ErrRecordApplied, p.Card.Hex(), p.Counter)
		}
		card.Cloned = true
		st.setCard(p.Card, card)
		return ReasonCloned, nil
	}
	if !st.hasAsset(p.Asset) {
		st.put(ck, append([]byte(nil), id[:]...))
		return ReasonUnknownAsset, nil
	}
	// A record its card account cannot pay now is skipped, its counter
	// left free: burning it would let whoever posts a genuine record before
	// the credits it relies on (a copy without its attachments, a record
	// ahead of a registration or load) destroy the merchant's payment.
	if bal := st.Balance(p.Card, p.Asset); bal.Lt(&p.Amount) {
		return 0, fmt.Errorf("%w: card %s counter %d: %s of %s short", ErrCardUnfunded, p.Card.Hex(), p.Counter,
			new(uint256.Int).Sub(&p.Amount, bal).Dec(), p.Asset.Hex())
	}
	st.put(ck, append([]byte(nil), id[:]...))
	reason := st.move(p.Card, p.Payee, p.Asset, &p.Amount)
	if reason == ReasonNone && p.Mode == CardModeToCard {
		if _, isCard := st.Card(p.Payee); isCard {
			st.appendCardReceived(p.Payee, p.Asset, id)
		}
	}
	return reason, nil
}

func counterKey(card Address, counter uint64) string {
	k := make([]byte, 0, 29)
	k = append(k, prefixCounter)
	k = append(k, card[:]...)
	k = append(k, u64be(counter)...)
	return string(k)
}

func (p *CardPayment) execute(c *execContext) Reason {
	panic("ledger: card records apply through executeSelf")
}

func (p *CardPayment) attachments() []*Tx { return p.Attached }

func init() {
	register(&kindSpec{
		kind: KindCardRegister, name: "CardRegister", fields: cardRegisterFields,
		decode: func(d *decoder) Payload {
			var r CardRegister
			r.Issuer = d.address("issuer")
			r.Card = d.address("card")
			r.Owner = d.address("owner")
			if !d.v1 {
				copy(r.Consent[:], d.take(65, "card consent"))
			}
			r.Nonce = d.uvarint("nonce")
			return &r
		},
		fromJSON: func(msg json.RawMessage, at string) (Payload, error) {
			var j cardRegisterJSON
			if err := messageUnmarshal(msg, at, &j); err != nil {
				return nil, err
			}
			return &CardRegister{Issuer: j.Issuer, Card: j.Card, Owner: j.Owner, Nonce: uint64(j.Nonce)}, nil
		},
		toJSON: func(p Payload) any {
			r := p.(*CardRegister)
			return cardRegisterJSON{r.Issuer, r.Card, r.Owner, jsonU64(r.Nonce)}
		},
	})
	register(&kindSpec{
		kind: KindCardRecord, name: "CardRecord", fields: cardRecordFields,
		decode: decodeCardPayment,
		fromJSON: func(msg json.RawMessage, at string) (Payload, error) {
			var j cardRecordJSON
			if err := messageUnmarshal(msg, at, &j); err != nil {
				return nil, err
			}
			return &CardPayment{CardRecord: CardRecord{Card: j.Card, Asset: j.Asset, Amount: j.Amount.Int, Payee: j.Payee,
				Counter: uint64(j.Counter), Challenge: j.Challenge, Mode: j.Mode, AttachedHash: j.Attached}}, nil
		},
		toJSON: func(p Payload) any {
			r := p.(*CardPayment)
			return cardRecordJSON{r.Card, r.Asset, jsonU256{r.Amount}, r.Payee, jsonU64(r.Counter), r.Challenge, r.Mode, r.AttachedHash}
		},
	})
}

// ReplayKey names the slot a payload occupies: the account and its nonce,
// or, for a card record, the card and its counter (counter true). Two
// different transactions in one slot are an equivocation (or a clone).
func ReplayKey(p Payload) (acct Address, n uint64, counter bool) {
	if cp, ok := p.(*CardPayment); ok {
		return cp.Card, cp.Counter, true
	}
	return p.Signer(), p.AccountNonce(), false
}
