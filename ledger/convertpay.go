package ledger

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/holiman/uint256"
)

// ConvertPay is a payment with conversion: a card pays its owner in the
// asset it holds (the card's own record, carried here), the owner's
// account fills offers that turn it into the asset the merchant prices in,
// and pays the merchant. Signed by the owner (its wallet), after the card
// signed its record. The conversion (fills and payment) is atomic; the
// card's record is the card's and stands on its own: it applies once,
// here or alone, and a conversion that fails leaves it applied (the owner
// paid) rather than strand what the card counted as spent.
type ConvertPay struct {
	Owner Address
	// Record is the card's record: it pays the owner (Payee = Owner),
	// online. The owner signs its id.
	Record *Tx
	Offers []SignedOffer // filled in order, the owner taking
	Takes  []uint256.Int // how much of each offer's give asset
	Asset  Hash          // what the merchant is paid in
	Amount uint256.Int
	Payee  Address // the merchant
	Nonce  uint64
}

// KindConvertPay is ConvertPay's kind.
const KindConvertPay Kind = 9

// MaxConvertFills bounds the offers one ConvertPay fills.
const MaxConvertFills = 8

var convertPayFields = []TypedField{
	{"owner", "address"}, {"record", "bytes32"}, {"offers", "Offer[]"}, {"takes", "uint256[]"},
	{"asset", "bytes32"}, {"amount", "uint256"}, {"payee", "address"}, {"nonce", "uint64"},
}

func (p *ConvertPay) Kind() Kind           { return KindConvertPay }
func (p *ConvertPay) Signer() Address      { return p.Owner }
func (p *ConvertPay) AccountNonce() uint64 { return p.Nonce }

// recordID is the carried record's id; the domain is bound through the
// record's own struct hash, which is all the ConvertPay signs of it
// (RecordID gives the id in a domain).
func (p *ConvertPay) recordHash() Hash {
	if p.Record == nil {
		return Hash{}
	}
	return p.Record.Payload.StructHash()
}

// StructHash is the EIP-712 hashStruct: the record enters as its struct
// hash (the card's signature covers it in the domain), arrays as the
// keccak of their members' encodings.
func (p *ConvertPay) StructHash() Hash {
	var offers, takes []byte
	for i := range p.Offers {
		h := p.Offers[i].Offer.StructHash()
		offers = append(offers, h[:]...)
	}
	for i := range p.Takes {
		b := p.Takes[i].Bytes32()
		takes = append(takes, b[:]...)
	}
	var w structWriter
	w.hash(specOf(KindConvertPay).typeHash)
	w.address(p.Owner)
	w.hash(p.recordHash())
	w.hash(Keccak256(offers))
	w.hash(Keccak256(takes))
	w.hash(p.Asset)
	w.uint256(&p.Amount)
	w.address(p.Payee)
	w.uint64(p.Nonce)
	return w.sum()
}

func (p *ConvertPay) Check() error {
	if p.Record == nil {
		return fmt.Errorf("%w: a conversion payment carries its card's record", ErrBadField)
	}
	r, ok := p.Record.Payload.(*CardPayment)
	switch {
	case !ok:
		return fmt.Errorf("%w: the carried record is not a card record", ErrBadField)
	case len(r.Attached) > 0:
		return fmt.Errorf("%w: the carried record carries attachments", ErrBadField)
	case r.Payee != p.Owner || r.Mode != CardModeOnline:
		return fmt.Errorf("%w: the card record must pay the owner, online", ErrBadField)
	case len(p.Offers) == 0 || len(p.Offers) > MaxConvertFills || len(p.Takes) != len(p.Offers):
		return fmt.Errorf("%w: 1 to %d offers, one take each", ErrBadField, MaxConvertFills)
	case p.Amount.IsZero():
		return fmt.Errorf("%w: conversion payment of nothing", ErrZeroAmount)
	case p.Payee.IsZero() || p.Payee == p.Owner || p.Asset.IsZero():
		return fmt.Errorf("%w: conversion payment payee or asset", ErrBadField)
	}
	if err := r.Check(); err != nil {
		return fmt.Errorf("the card record: %w", err)
	}
	if err := p.Record.Sig.CheckFormat(); err != nil {
		return fmt.Errorf("the card record: %w", err)
	}
	for i := range p.Offers {
		f := Fill{Taker: p.Owner, Offer: p.Offers[i], Take: p.Takes[i]}
		if err := f.Check(); err != nil {
			return fmt.Errorf("fill %d: %w", i, err)
		}
	}
	return nil
}

func (p *ConvertPay) encode(e *encoder) {
	e.address(p.Owner)
	b := p.Record.Encode()
	e.uvarint(uint64(len(b)))
	e.buf = append(e.buf, b...)
	e.uvarint(uint64(len(p.Offers)))
	for i := range p.Offers {
		p.Offers[i].Offer.encode(e)
		e.buf = append(e.buf, p.Offers[i].Sig[:]...)
		e.amount(&p.Takes[i])
	}
	e.asset(p.Asset)
	e.amount(&p.Amount)
	e.address(p.Payee)
	e.uvarint(p.Nonce)
}

func decodeConvertPay(d *decoder) Payload {
	var p ConvertPay
	p.Owner = d.address("owner")
	l := d.uvarint("record length")
	if l > MaxTxSize {
		d.fail("record of %d bytes", l)
		return &p
	}
	b := d.take(int(l), "record")
	if d.err != nil {
		return &p
	}
	tx, err := DecodeTx(b)
	if err != nil {
		d.fail("record: %v", err)
		return &p
	}
	p.Record = tx
	n := d.uvarint("offer count")
	if n > MaxConvertFills {
		d.fail("%d offers, at most %d", n, MaxConvertFills)
		return &p
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		var so SignedOffer
		so.Offer = decodeOffer(d)
		copy(so.Sig[:], d.take(65, "offer signature"))
		p.Offers = append(p.Offers, so)
		p.Takes = append(p.Takes, *d.amount("take"))
	}
	p.Asset = d.asset("asset")
	p.Amount = *d.amount("amount")
	p.Payee = d.address("payee")
	p.Nonce = d.uvarint("nonce")
	return &p
}

func (p *ConvertPay) attachments() []*Tx { return []*Tx{p.Record} }
func (p *ConvertPay) signedOffers() []*SignedOffer {
	out := make([]*SignedOffer, len(p.Offers))
	for i := range p.Offers {
		out[i] = &p.Offers[i]
	}
	return out
}

// execute applies the card's record, then the conversion: the fills and
// the merchant's payment, all or nothing. The record leg is the card's and
// stands on its own: a record already applied (lifted out of this
// ConvertPay and posted first, or kept by an earlier ConvertPay that
// failed) is skipped and the conversion goes on, as an attachment applied
// earlier is skipped; and when the conversion fails, the record that
// applied stays applied (it paid the owner, which the card signed), so the
// amount the card counted as spent is never stranded. Only a record that
// cannot apply (unfunded, cloned, invalid) fails the whole ConvertPay with
// nothing applied.
func (p *ConvertPay) execute(c *execContext) Reason {
	st := c.st
	if len(c.tx.Attached) != 1 || len(c.tx.OfferIDs) != len(p.Offers) {
		return ReasonCardRecordInvalid // not verified: never happens through Verify
	}
	rv := c.tx.Attached[0]
	rec := p.Record.Payload.(*CardPayment)
	if !st.hasAsset(rec.Asset) {
		return ReasonUnknownAsset
	}
	reason, err := rec.executeSelf(&execContext{st: st, tx: rv, env: c.env})
	switch {
	case errors.Is(err, ErrRecordApplied):
		// Applied already: it paid the owner; the conversion goes on.
	case errors.Is(err, ErrCardUnfunded):
		return ReasonInsufficientFunds
	case err != nil:
		return ReasonCardRecordInvalid
	case reason != ReasonNone:
		return reason
	}
	snap := st.snapshot()
	if r := p.convert(c); r != ReasonNone {
		st.revert(snap)
		c.keep = true
		return r
	}
	return ReasonNone
}

// convert is the conversion proper: the owner's fills and the merchant's
// payment, after the card's record paid the owner.
func (p *ConvertPay) convert(c *execContext) Reason {
	st := c.st
	if _, ok := st.Card(p.Owner); ok {
		return ReasonCardAccount
	}
	for i := range p.Offers {
		if r := fillOffer(st, c.env, p.Owner, &p.Offers[i].Offer, c.tx.OfferIDs[i], &p.Takes[i]); r != ReasonNone {
			return r
		}
	}
	if !st.hasAsset(p.Asset) {
		return ReasonUnknownAsset
	}
	return st.move(p.Owner, p.Payee, p.Asset, &p.Amount)
}

type convertPayJSON struct {
	Owner  Address        `json:"owner"`
	Record Hash           `json:"record"` // the carried record's struct hash
	Offers []offerMsgJSON `json:"offers"`
	Takes  []jsonU256     `json:"takes"`
	Asset  Hash           `json:"asset"`
	Amount jsonU256       `json:"amount"`
	Payee  Address        `json:"payee"`
	Nonce  jsonU64        `json:"nonce"`
}

func init() {
	register(&kindSpec{
		kind: KindConvertPay, name: "ConvertPay", fields: convertPayFields, nested: map[string][]TypedField{"Offer": OfferFields},
		decode: decodeConvertPay,
		fromJSON: func(msg json.RawMessage, at string) (Payload, error) {
			var j convertPayJSON
			if err := messageUnmarshal(msg, at, &j); err != nil {
				return nil, err
			}
			p := &ConvertPay{Owner: j.Owner, Asset: j.Asset, Amount: j.Amount.Int, Payee: j.Payee, Nonce: uint64(j.Nonce)}
			for i := range j.Offers {
				p.Offers = append(p.Offers, SignedOffer{Offer: j.Offers[i].offer()})
			}
			for _, t := range j.Takes {
				p.Takes = append(p.Takes, t.Int)
			}
			return p, nil
		},
		toJSON: func(pl Payload) any {
			p := pl.(*ConvertPay)
			j := convertPayJSON{Owner: p.Owner, Record: p.recordHash(), Asset: p.Asset, Amount: jsonU256{p.Amount}, Payee: p.Payee,
				Nonce: jsonU64(p.Nonce), Offers: []offerMsgJSON{}, Takes: []jsonU256{}}
			for i := range p.Offers {
				j.Offers = append(j.Offers, offerMsgOf(&p.Offers[i].Offer))
				j.Takes = append(j.Takes, jsonU256{p.Takes[i]})
			}
			return j
		},
	})
}
