package ledger

import (
	"encoding/json"
	"fmt"

	"github.com/holiman/uint256"
)

// Offers and fills. An Offer is not a ledger transaction: it is a message
// its maker signs (give GiveAmount of Give for WantAmount of Want) and
// gossips; its id is its EIP-712 digest. A Fill, signed by a taker, carries
// the offer and settles both legs in one Apply. The state records, per
// offer id, how much of it has been filled and whether it was cancelled.
const (
	KindFill        Kind = 5
	KindCancelOffer Kind = 6
)

var offerType = Keccak256([]byte("Offer(address maker,bytes32 give,uint256 giveAmount,bytes32 want,uint256 wantAmount,bool partial,uint64 expiry,bytes32 salt)"))

// OfferFields is the EIP-712 Offer type, for wallets.
var OfferFields = []TypedField{
	{"maker", "address"}, {"give", "bytes32"}, {"giveAmount", "uint256"}, {"want", "bytes32"}, {"wantAmount", "uint256"},
	{"partial", "bool"}, {"expiry", "uint64"}, {"salt", "bytes32"},
}

// Offer is a maker's standing offer.
type Offer struct {
	Maker      Address
	Give       Hash
	GiveAmount uint256.Int
	Want       Hash
	WantAmount uint256.Int
	// Partial allows fills of part of GiveAmount.
	Partial bool
	// Expiry is the last Unix second (of the anchoring block) at which the
	// offer fills.
	Expiry uint64
	Salt   Hash
}

// StructHash is the EIP-712 hashStruct.
func (o *Offer) StructHash() Hash {
	var w structWriter
	w.hash(offerType)
	w.address(o.Maker)
	w.hash(o.Give)
	w.uint256(&o.GiveAmount)
	w.hash(o.Want)
	w.uint256(&o.WantAmount)
	var p uint64
	if o.Partial {
		p = 1
	}
	w.uint64(p)
	w.uint64(o.Expiry)
	w.hash(o.Salt)
	return w.sum()
}

// Check reports whether an offer can ever fill.
func (o *Offer) Check() error {
	switch {
	case o.GiveAmount.IsZero() || o.WantAmount.IsZero():
		return fmt.Errorf("%w: offer of or for nothing", ErrZeroAmount)
	case o.Give == o.Want:
		return fmt.Errorf("%w: offer gives and wants the same asset", ErrBadField)
	case o.Give.IsZero() || o.Want.IsZero() || o.Maker.IsZero():
		return fmt.Errorf("%w: offer with a zero asset or maker", ErrBadField)
	}
	return nil
}

func (o *Offer) encode(e *encoder) {
	e.address(o.Maker)
	e.asset(o.Give)
	e.amount(&o.GiveAmount)
	e.asset(o.Want)
	e.amount(&o.WantAmount)
	if o.Partial {
		e.byte1(1)
	} else {
		e.byte1(0)
	}
	e.uvarint(o.Expiry)
	e.bytes32(o.Salt)
}

func decodeOffer(d *decoder) Offer {
	var o Offer
	o.Maker = d.address("maker")
	o.Give = d.asset("give")
	o.GiveAmount = *d.amount("give amount")
	o.Want = d.asset("want")
	o.WantAmount = *d.amount("want amount")
	switch d.byte1("partial") {
	case 0:
	case 1:
		o.Partial = true
	default:
		d.fail("partial flag must be 0 or 1")
	}
	o.Expiry = d.uvarint("expiry")
	o.Salt = d.bytes32("salt")
	return o
}

// SignedOffer is an offer and its maker's signature: what gossips on the
// offer topic and what a Fill carries.
type SignedOffer struct {
	Offer
	Sig Sig
}

// ID is the offer's id in a domain.
func (s *SignedOffer) ID(d Domain) Hash { return d.Digest(s.Offer.StructHash()) }

// Encode is the wire form: 0x4F ‖ offer ‖ signature(65).
func (s *SignedOffer) Encode() []byte {
	e := encoder{buf: []byte{offerMagic}}
	s.Offer.encode(&e)
	e.buf = append(e.buf, s.Sig[:]...)
	return e.buf
}

const offerMagic = 0x4F // 'O'

// DecodeOffer parses the wire form.
func DecodeOffer(b []byte) (*SignedOffer, error) {
	if len(b) > MaxTxSize {
		return nil, fmt.Errorf("%w: offer of %d bytes", ErrDecode, len(b))
	}
	d := decoder{buf: b}
	if d.byte1("magic") != offerMagic && d.err == nil {
		d.fail("not an offer")
	}
	s := &SignedOffer{Offer: decodeOffer(&d)}
	copy(s.Sig[:], d.take(65, "signature"))
	if d.err != nil {
		return nil, d.err
	}
	if d.off != len(b) {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrDecode, len(b)-d.off)
	}
	return s, nil
}

// VerifyOffer checks an offer's fields and recovers its maker.
func VerifyOffer(s *SignedOffer, d Domain, rec Recoverer) (Hash, error) {
	return verifySigned(s.Check(), s.ID(d), s.Sig, s.Maker, "offer", rec)
}

// verifySigned checks a signed message that is not a transaction (an
// offer, a spend authorization): its fields (checked, the result of its
// Check), then that sig over id recovers to want. It returns id.
func verifySigned(checked error, id Hash, sig Sig, want Address, what string, rec Recoverer) (Hash, error) {
	if checked != nil {
		return Hash{}, checked
	}
	if err := sig.CheckFormat(); err != nil {
		return Hash{}, err
	}
	who, err := rec.Recover(id, sig)
	if err != nil {
		return Hash{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if who != want {
		return Hash{}, fmt.Errorf("%w: %s signed by %s, names %s", ErrWrongSigner, what, who.Hex(), want.Hex())
	}
	return id, nil
}

const (
	prefixOffer  = 'o' // 'o' ‖ offer id → amount of the give asset filled (minimal big-endian)
	prefixCancel = 'x' // 'x' ‖ offer id ‖ maker → cancelled by that maker
)

func offerKey(id Hash) string { return string(append([]byte{prefixOffer}, id[:]...)) }

func cancelKey(id Hash, maker Address) string {
	k := append([]byte{prefixCancel}, id[:]...)
	return string(append(k, maker[:]...))
}

// OfferFilled is how much of an offer's give asset has been filled.
func (o *Overlay) OfferFilled(id Hash) *uint256.Int {
	return new(uint256.Int).SetBytes(o.get(offerKey(id)))
}

// OfferCancelled reports whether the offer's maker cancelled it. A cancel
// counts only from the offer's own maker: nobody else can withdraw it.
func (o *Overlay) OfferCancelled(id Hash, maker Address) bool {
	return o.get(cancelKey(id, maker)) != nil
}

func (o *Overlay) setOfferFilled(id Hash, v *uint256.Int) {
	b := v.Bytes32()
	n := 32 - (v.BitLen()+7)/8
	o.put(offerKey(id), append([]byte(nil), b[n:]...))
}

// FillPrice is what a taker pays for take of an offer's give asset:
// ceil(take × wantAmount / giveAmount). Rounding never favours the taker.
// ok is false when it does not fit 256 bits.
func FillPrice(o *Offer, take *uint256.Int) (*uint256.Int, bool) {
	q, overflow := new(uint256.Int).MulDivOverflow(take, &o.WantAmount, &o.GiveAmount)
	if overflow {
		return nil, false
	}
	if !new(uint256.Int).MulMod(take, &o.WantAmount, &o.GiveAmount).IsZero() {
		if q.AddUint64(q, 1); q.IsZero() {
			return nil, false
		}
	}
	return q, true
}

// Fill takes Take of an offer's give asset, paying FillPrice of its want
// asset to the maker, both legs in one Apply.
type Fill struct {
	Taker Address
	Offer SignedOffer
	Take  uint256.Int
	Nonce uint64
}

// A Fill's EIP-712 type nests the Offer: wallets sign the whole offer.
var fillFields = []TypedField{{"taker", "address"}, {"offer", "Offer"}, {"take", "uint256"}, {"nonce", "uint64"}}

func (f *Fill) Kind() Kind           { return KindFill }
func (f *Fill) Signer() Address      { return f.Taker }
func (f *Fill) AccountNonce() uint64 { return f.Nonce }

// OfferID is the carried offer's id in d.
func (f *Fill) OfferID(d Domain) Hash { return f.Offer.ID(d) }

// StructHash is the EIP-712 hashStruct; the nested offer enters as its own
// hashStruct.
func (f *Fill) StructHash() Hash {
	var w structWriter
	w.hash(specOf(KindFill).typeHash)
	w.address(f.Taker)
	w.hash(f.Offer.Offer.StructHash())
	w.uint256(&f.Take)
	w.uint64(f.Nonce)
	return w.sum()
}

func (f *Fill) Check() error {
	if err := f.Offer.Check(); err != nil {
		return fmt.Errorf("the offer: %w", err)
	}
	switch {
	case f.Take.IsZero():
		return fmt.Errorf("%w: fill of nothing", ErrZeroAmount)
	case f.Taker == f.Offer.Maker:
		return fmt.Errorf("%w: a maker cannot fill its own offer", ErrBadField)
	case f.Take.Gt(&f.Offer.GiveAmount):
		return fmt.Errorf("%w: fill of %s exceeds the offer's %s", ErrBadField, f.Take.Dec(), f.Offer.GiveAmount.Dec())
	case !f.Offer.Partial && !f.Take.Eq(&f.Offer.GiveAmount):
		return fmt.Errorf("%w: the offer does not allow partial fills", ErrBadField)
	}
	if _, ok := FillPrice(&f.Offer.Offer, &f.Take); !ok {
		return fmt.Errorf("%w: fill price overflows", ErrBadField)
	}
	return f.Offer.Sig.CheckFormat()
}

func (f *Fill) encode(e *encoder) {
	e.address(f.Taker)
	f.Offer.Offer.encode(e)
	e.buf = append(e.buf, f.Offer.Sig[:]...)
	e.amount(&f.Take)
	e.uvarint(f.Nonce)
}

func (f *Fill) signedOffer() *SignedOffer { return &f.Offer }

func (f *Fill) execute(c *execContext) Reason {
	if _, ok := c.st.Card(f.Taker); ok {
		return ReasonCardAccount
	}
	return fillOffer(c.st, c.env, f.Taker, &f.Offer.Offer, c.tx.OfferID, &f.Take)
}

// fillOffer has taker take `take` of offer o's give asset (id is the
// offer's verified id) and pay its price; both legs or neither (Apply
// reverts the first when the second fails).
func fillOffer(st *Overlay, env Env, taker Address, o *Offer, id Hash, take *uint256.Int) Reason {
	if env.Time > o.Expiry {
		return ReasonOfferExpired
	}
	if st.OfferCancelled(id, o.Maker) {
		return ReasonOfferCancelled
	}
	prev := st.OfferFilled(id)
	if !o.Partial && !prev.IsZero() {
		return ReasonOfferFilled
	}
	filled, overflow := new(uint256.Int).AddOverflow(prev, take)
	if overflow || filled.Gt(&o.GiveAmount) {
		return ReasonOfferFilled
	}
	if !st.hasAsset(o.Give) || !st.hasAsset(o.Want) {
		return ReasonUnknownAsset
	}
	if _, ok := st.Card(o.Maker); ok {
		return ReasonCardAccount
	}
	pay, ok := FillPrice(o, take)
	if !ok {
		return ReasonBalanceOverflow
	}
	if r := st.move(o.Maker, taker, o.Give, take); r != ReasonNone {
		if r == ReasonInsufficientFunds {
			return ReasonMakerInsufficient
		}
		return r
	}
	if r := st.move(taker, o.Maker, o.Want, pay); r != ReasonNone {
		return r // Apply reverts the first leg
	}
	st.setOfferFilled(id, filled)
	return ReasonNone
}

// CancelOffer withdraws an offer: no fill applies after it.
type CancelOffer struct {
	Maker Address
	Offer Hash // the offer id
	Nonce uint64
}

var cancelFields = []TypedField{{"maker", "address"}, {"offer", "bytes32"}, {"nonce", "uint64"}}

func (c *CancelOffer) Kind() Kind           { return KindCancelOffer }
func (c *CancelOffer) Signer() Address      { return c.Maker }
func (c *CancelOffer) AccountNonce() uint64 { return c.Nonce }
func (c *CancelOffer) Check() error {
	if c.Offer.IsZero() {
		return fmt.Errorf("%w: zero offer id", ErrBadField)
	}
	return nil
}

func (c *CancelOffer) StructHash() Hash {
	var w structWriter
	w.hash(specOf(KindCancelOffer).typeHash)
	w.address(c.Maker)
	w.hash(c.Offer)
	w.uint64(c.Nonce)
	return w.sum()
}

func (c *CancelOffer) encode(e *encoder) {
	e.address(c.Maker)
	e.bytes32(c.Offer)
	e.uvarint(c.Nonce)
}

// execute cancels the offer for its maker. The ledger cannot tell an
// offer's maker from its id, so the cancel is keyed by (id, canceller) and
// a fill checks it under the offer's own maker: a cancel signed by anyone
// else changes nothing for the offer.
func (c *CancelOffer) execute(x *execContext) Reason {
	x.st.put(cancelKey(c.Offer, c.Maker), []byte{1})
	return ReasonNone
}

func init() {
	register(&kindSpec{
		kind: KindFill, name: "Fill", fields: fillFields, nested: map[string][]TypedField{"Offer": OfferFields},
		decode: func(d *decoder) Payload {
			var f Fill
			f.Taker = d.address("taker")
			f.Offer.Offer = decodeOffer(d)
			copy(f.Offer.Sig[:], d.take(65, "offer signature"))
			f.Take = *d.amount("take")
			f.Nonce = d.uvarint("nonce")
			return &f
		},
		fromJSON: func(msg json.RawMessage, at string) (Payload, error) {
			var j fillJSON
			if err := messageUnmarshal(msg, at, &j); err != nil {
				return nil, err
			}
			return &Fill{Taker: j.Taker, Offer: SignedOffer{Offer: j.Offer.offer()}, Take: j.Take.Int, Nonce: uint64(j.Nonce)}, nil
		},
		toJSON: func(p Payload) any {
			f := p.(*Fill)
			return fillJSON{Taker: f.Taker, Offer: offerMsgOf(&f.Offer.Offer), Take: jsonU256{f.Take}, Nonce: jsonU64(f.Nonce)}
		},
	})
	register(&kindSpec{
		kind: KindCancelOffer, name: "CancelOffer", fields: cancelFields,
		decode: func(d *decoder) Payload {
			var c CancelOffer
			c.Maker = d.address("maker")
			c.Offer = d.bytes32("offer")
			c.Nonce = d.uvarint("nonce")
			return &c
		},
		fromJSON: func(msg json.RawMessage, at string) (Payload, error) {
			var j cancelJSON
			if err := messageUnmarshal(msg, at, &j); err != nil {
				return nil, err
			}
			return &CancelOffer{Maker: j.Maker, Offer: j.Offer, Nonce: uint64(j.Nonce)}, nil
		},
		toJSON: func(p Payload) any {
			c := p.(*CancelOffer)
			return cancelJSON{c.Maker, c.Offer, jsonU64(c.Nonce)}
		},
	})
}

type cancelJSON struct {
	Maker Address `json:"maker"`
	Offer Hash    `json:"offer"`
	Nonce jsonU64 `json:"nonce"`
}

// offerMsgJSON is an offer exactly as wallets sign it (EIP-712 message).
type offerMsgJSON struct {
	Maker      Address  `json:"maker"`
	Give       Hash     `json:"give"`
	GiveAmount jsonU256 `json:"giveAmount"`
	Want       Hash     `json:"want"`
	WantAmount jsonU256 `json:"wantAmount"`
	Partial    bool     `json:"partial"`
	Expiry     jsonU64  `json:"expiry"`
	Salt       Hash     `json:"salt"`
}

func offerMsgOf(o *Offer) offerMsgJSON {
	return offerMsgJSON{o.Maker, o.Give, jsonU256{o.GiveAmount}, o.Want, jsonU256{o.WantAmount}, o.Partial, jsonU64(o.Expiry), o.Salt}
}

func (j *offerMsgJSON) offer() Offer {
	return Offer{Maker: j.Maker, Give: j.Give, GiveAmount: j.GiveAmount.Int, Want: j.Want, WantAmount: j.WantAmount.Int,
		Partial: j.Partial, Expiry: uint64(j.Expiry), Salt: j.Salt}
}

// signedJSON is a signed message that is not a transaction: {"message",
// "signature"}.
type signedJSON[M any] struct {
	Message   M   `json:"message"`
	Signature Sig `json:"signature"`
}

// MarshalJSON renders {"message": offer, "signature"}.
func (s *SignedOffer) MarshalJSON() ([]byte, error) {
	return json.Marshal(signedJSON[offerMsgJSON]{offerMsgOf(&s.Offer), s.Sig})
}

// UnmarshalJSON reads {"message": offer, "signature"}.
func (s *SignedOffer) UnmarshalJSON(b []byte) error {
	var j signedJSON[offerMsgJSON]
	if err := strictUnmarshal(b, &j); err != nil {
		return err
	}
	s.Offer, s.Sig = j.Message.offer(), j.Signature
	return nil
}

// OfferTypedData is the EIP-712 document of an offer for its maker's wallet.
func OfferTypedData(o *Offer, d Domain) map[string]any {
	return messageTypedData("Offer", OfferFields, offerMsgOf(o), d)
}

// messageTypedData is the EIP-712 document of a one-struct message.
func messageTypedData(name string, fields []TypedField, msg any, d Domain) map[string]any {
	return map[string]any{
		"types":       map[string][]TypedField{"EIP712Domain": DomainFields, name: fields},
		"primaryType": name,
		"domain":      DomainJSON(d),
		"message":     msg,
	}
}

type fillJSON struct {
	Taker Address      `json:"taker"`
	Offer offerMsgJSON `json:"offer"`
	Take  jsonU256     `json:"take"`
	Nonce jsonU64      `json:"nonce"`
}
