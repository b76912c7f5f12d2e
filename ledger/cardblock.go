package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
)

// KindCardBlock is CardBlock's kind.
const KindCardBlock Kind = 10

// Why an issuer blocks a card (CardBlock.Reason).
const (
	BlockLost   uint8 = 1
	BlockStolen uint8 = 2
)

// BlockReasonName names a CardBlock reason ("lost", "stolen").
func BlockReasonName(r uint8) string {
	switch r {
	case BlockLost:
		return "lost"
	case BlockStolen:
		return "stolen"
	}
	return fmt.Sprintf("reason(%d)", r)
}

// ErrCardBlocked refuses, at a pending view, a new online payment of a
// card its issuer blocked (CardAdmissible). Apply never returns it: records
// a blocked card signed still settle.
var ErrCardBlocked = errors.New("ledger: the card is blocked by its issuer")

// CardBlock puts a card on the hot-list of every node: an account
// transaction of the card's issuer (only the issuer that registered the
// card can block it). It sets the card's blocked flag; it never moves
// value and is never undone (a found card is replaced, not unblocked).
//
// What a block does: records the card signed settle as before — an offline
// or card-to-card record was accepted by a merchant or card that could not
// see the block, and the card signs only what T − D covers — but a pending
// view refuses a blocked card's new online record (CardAdmissible), so an
// online terminal's payment is declined.
type CardBlock struct {
	Issuer Address
	Card   Address
	Reason uint8
	Nonce  uint64
}

var cardBlockFields = []TypedField{{"issuer", "address"}, {"card", "address"}, {"reason", "uint8"}, {"nonce", "uint64"}}

type cardBlockJSON struct {
	Issuer Address `json:"issuer"`
	Card   Address `json:"card"`
	Reason uint8   `json:"reason"`
	Nonce  jsonU64 `json:"nonce"`
}

func (b *CardBlock) Kind() Kind           { return KindCardBlock }
func (b *CardBlock) Signer() Address      { return b.Issuer }
func (b *CardBlock) AccountNonce() uint64 { return b.Nonce }

func (b *CardBlock) StructHash() Hash {
	var w structWriter
	w.hash(specOf(KindCardBlock).typeHash)
	w.address(b.Issuer)
	w.address(b.Card)
	w.uint64(uint64(b.Reason))
	w.uint64(b.Nonce)
	return w.sum()
}

func (b *CardBlock) Check() error {
	switch {
	case b.Card.IsZero():
		return fmt.Errorf("%w: zero card", ErrBadField)
	case b.Card == b.Issuer:
		return fmt.Errorf("%w: an issuer is no card", ErrBadField)
	case b.Reason != BlockLost && b.Reason != BlockStolen:
		return fmt.Errorf("%w: block reason %d (1 lost, 2 stolen)", ErrBadField, b.Reason)
	}
	return nil
}

func (b *CardBlock) encode(e *encoder) {
	e.address(b.Issuer)
	e.address(b.Card)
	e.byte1(b.Reason)
	e.uvarint(b.Nonce)
}

// execute blocks the card if the signer is the issuer that registered it.
// A block by anyone else, of an unregistered card, or of a card already
// blocked fails (the nonce is consumed, nothing else changes).
func (b *CardBlock) execute(c *execContext) Reason {
	card, ok := c.st.Card(b.Card)
	switch {
	case !ok || card.Issuer != b.Issuer:
		return ReasonNotCardIssuer
	case card.Blocked:
		return ReasonCardBlocked
	}
	card.Blocked, card.BlockReason = true, b.Reason
	c.st.setCard(b.Card, card)
	return ReasonNone
}

// CardAdmissible is the pending view's rule for a blocked card, checked
// before a new transaction enters it (never by Apply, never at
// settlement): an online card record of a blocked card — on its own or
// carried by a ConvertPay — is refused with ErrCardBlocked. Offline and
// card-to-card records are admitted: their merchant or receiving card
// accepted them without seeing the block, and they settle.
func CardAdmissible(st *Overlay, p Payload) error {
	var r *CardRecord
	switch p := p.(type) {
	case *CardPayment:
		r = &p.CardRecord
	case *ConvertPay:
		if p.Record != nil {
			if cp, ok := p.Record.Payload.(*CardPayment); ok {
				r = &cp.CardRecord
			}
		}
	}
	if r == nil || r.Mode != CardModeOnline {
		return nil
	}
	card, ok := st.Card(r.Card)
	if ok && card.Blocked {
		return fmt.Errorf("%w: card %s (%s): its new online payments are refused", ErrCardBlocked, r.Card.Hex(), BlockReasonName(card.BlockReason))
	}
	return st.Err()
}

func init() {
	register(&kindSpec{
		kind: KindCardBlock, name: "CardBlock", fields: cardBlockFields,
		decode: func(d *decoder) Payload {
			var b CardBlock
			b.Issuer = d.address("issuer")
			b.Card = d.address("card")
			b.Reason = d.byte1("reason")
			b.Nonce = d.uvarint("nonce")
			return &b
		},
		fromJSON: func(msg json.RawMessage, at string) (Payload, error) {
			var j cardBlockJSON
			if err := messageUnmarshal(msg, at, &j); err != nil {
				return nil, err
			}
			return &CardBlock{Issuer: j.Issuer, Card: j.Card, Reason: j.Reason, Nonce: uint64(j.Nonce)}, nil
		},
		toJSON: func(p Payload) any {
			b := p.(*CardBlock)
			return cardBlockJSON{b.Issuer, b.Card, b.Reason, jsonU64(b.Nonce)}
		},
	})
}
