package ledger

import (
	"encoding/json"
	"fmt"

	"github.com/holiman/uint256"
)

// Transfer moves Amount base units of Asset from From to To.
type Transfer struct {
	From   Address
	To     Address
	Asset  Hash
	Amount uint256.Int
	Nonce  uint64
}

var transferFields = []TypedField{
	{"from", "address"}, {"to", "address"}, {"asset", "bytes32"}, {"amount", "uint256"}, {"nonce", "uint64"},
}

func init() {
	register(&kindSpec{
		kind:   KindTransfer,
		name:   "Transfer",
		fields: transferFields,
		decode: func(d *decoder) Payload {
			var t Transfer
			t.From = d.address("from")
			t.To = d.address("to")
			t.Asset = d.asset("asset")
			t.Amount = *d.amount("amount")
			t.Nonce = d.uvarint("nonce")
			return &t
		},
		fromJSON: func(msg json.RawMessage, at string) (Payload, error) {
			var j transferJSON
			if err := messageUnmarshal(msg, at, &j); err != nil {
				return nil, err
			}
			return &Transfer{From: j.From, To: j.To, Asset: j.Asset, Amount: j.Amount.Int, Nonce: uint64(j.Nonce)}, nil
		},
		toJSON: func(p Payload) any {
			t := p.(*Transfer)
			return transferJSON{t.From, t.To, t.Asset, jsonU256{t.Amount}, jsonU64(t.Nonce)}
		},
	})
}

type transferJSON struct {
	From   Address  `json:"from"`
	To     Address  `json:"to"`
	Asset  Hash     `json:"asset"`
	Amount jsonU256 `json:"amount"`
	Nonce  jsonU64  `json:"nonce"`
}

func (t *Transfer) Kind() Kind           { return KindTransfer }
func (t *Transfer) Signer() Address      { return t.From }
func (t *Transfer) AccountNonce() uint64 { return t.Nonce }

func (t *Transfer) StructHash() Hash {
	var w structWriter
	w.hash(specOf(KindTransfer).typeHash)
	w.address(t.From)
	w.address(t.To)
	w.hash(t.Asset)
	w.uint256(&t.Amount)
	w.uint64(t.Nonce)
	return w.sum()
}

func (t *Transfer) Check() error {
	switch {
	case t.Amount.IsZero():
		return fmt.Errorf("%w: transfer of nothing", ErrZeroAmount)
	case t.To.IsZero():
		return fmt.Errorf("%w: transfer to the zero address", ErrBadField)
	case t.To == t.From:
		return fmt.Errorf("%w: transfer to the sender itself", ErrBadField)
	case t.Asset.IsZero():
		return fmt.Errorf("%w: zero asset id", ErrBadField)
	}
	return nil
}

func (t *Transfer) encode(e *encoder) {
	e.address(t.From)
	e.address(t.To)
	e.asset(t.Asset)
	e.amount(&t.Amount)
	e.uvarint(t.Nonce)
}

func (t *Transfer) execute(c *execContext) Reason {
	if _, ok := c.st.Card(t.From); ok {
		return ReasonCardAccount
	}
	if !c.st.hasAsset(t.Asset) {
		return ReasonUnknownAsset
	}
	return c.st.move(t.From, t.To, t.Asset, &t.Amount)
}
