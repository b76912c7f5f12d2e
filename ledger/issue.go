package ledger

import (
	"encoding/json"
	"fmt"

	"github.com/holiman/uint256"
)

// IssueAsset creates an asset whose id is this transaction's id and credits
// its whole supply to the issuer. Symbols are not unique: anyone can issue
// "EUR", so wallets and terminals trust asset ids, never symbols.
type IssueAsset struct {
	Issuer   Address
	Symbol   string
	Decimals uint8
	Supply   uint256.Int
	// Currency is the ISO 4217 numeric code of a fiat-denominated asset
	// (978 for EUR), or 0.
	Currency uint16
	// Metadata is the hash of an off-ledger document describing the asset.
	Metadata Hash
	Nonce    uint64
}

// Limits of IssueAsset fields.
const (
	MaxSymbolLen      = 12
	MaxAssetDecimals  = 36
	MaxCurrencyNumber = 999
)

var issueFields = []TypedField{
	{"issuer", "address"}, {"symbol", "string"}, {"decimals", "uint8"}, {"supply", "uint256"},
	{"currency", "uint16"}, {"metadata", "bytes32"}, {"nonce", "uint64"},
}

type issueJSON struct {
	Issuer   Address  `json:"issuer"`
	Symbol   string   `json:"symbol"`
	Decimals uint8    `json:"decimals"`
	Supply   jsonU256 `json:"supply"`
	Currency uint16   `json:"currency"`
	Metadata Hash     `json:"metadata"`
	Nonce    jsonU64  `json:"nonce"`
}

func init() {
	register(&kindSpec{
		kind:   KindIssueAsset,
		name:   "IssueAsset",
		fields: issueFields,
		decode: func(d *decoder) Payload {
			var a IssueAsset
			a.Issuer = d.address("issuer")
			a.Symbol = d.str("symbol", MaxSymbolLen)
			a.Decimals = d.byte1("decimals")
			a.Supply = *d.amount("supply")
			a.Currency = d.uint16("currency")
			a.Metadata = d.bytes32("metadata")
			a.Nonce = d.uvarint("nonce")
			return &a
		},
		fromJSON: func(msg json.RawMessage, at string) (Payload, error) {
			var j issueJSON
			if err := messageUnmarshal(msg, at, &j); err != nil {
				return nil, err
			}
			return &IssueAsset{Issuer: j.Issuer, Symbol: j.Symbol, Decimals: j.Decimals, Supply: j.Supply.Int,
				Currency: j.Currency, Metadata: j.Metadata, Nonce: uint64(j.Nonce)}, nil
		},
		toJSON: func(p Payload) any {
			a := p.(*IssueAsset)
			return issueJSON{a.Issuer, a.Symbol, a.Decimals, jsonU256{a.Supply}, a.Currency, a.Metadata, jsonU64(a.Nonce)}
		},
	})
}

func (a *IssueAsset) Kind() Kind           { return KindIssueAsset }
func (a *IssueAsset) Signer() Address      { return a.Issuer }
func (a *IssueAsset) AccountNonce() uint64 { return a.Nonce }

func (a *IssueAsset) StructHash() Hash {
	var w structWriter
	w.hash(specOf(KindIssueAsset).typeHash)
	w.address(a.Issuer)
	w.string(a.Symbol)
	w.uint64(uint64(a.Decimals))
	w.uint256(&a.Supply)
	w.uint64(uint64(a.Currency))
	w.hash(a.Metadata)
	w.uint64(a.Nonce)
	return w.sum()
}

// ValidSymbol reports whether s is 1–12 characters of A–Z, 0–9, '.' or '-',
// starting with a letter.
func ValidSymbol(s string) bool {
	if len(s) == 0 || len(s) > MaxSymbolLen || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func (a *IssueAsset) Check() error {
	switch {
	case !ValidSymbol(a.Symbol):
		return fmt.Errorf("%w: symbol %q must be 1-%d characters A-Z 0-9 . - starting with a letter", ErrBadField, a.Symbol, MaxSymbolLen)
	case a.Decimals > MaxAssetDecimals:
		return fmt.Errorf("%w: %d decimals exceeds %d", ErrBadField, a.Decimals, MaxAssetDecimals)
	case a.Currency > MaxCurrencyNumber:
		return fmt.Errorf("%w: currency %d is not an ISO 4217 numeric code", ErrBadField, a.Currency)
	case a.Supply.IsZero():
		return fmt.Errorf("%w: asset with zero supply", ErrZeroAmount)
	}
	return nil
}

func (a *IssueAsset) encode(e *encoder) {
	e.address(a.Issuer)
	e.str(a.Symbol)
	e.byte1(a.Decimals)
	e.amount(&a.Supply)
	e.uint16(a.Currency)
	e.bytes32(a.Metadata)
	e.uvarint(a.Nonce)
}

func (a *IssueAsset) execute(c *execContext) Reason {
	id := c.tx.ID
	if _, ok := c.st.Asset(id); ok {
		return ReasonAssetExists
	}
	c.st.setAsset(id, &Asset{ID: id, Issuer: a.Issuer, Symbol: a.Symbol, Decimals: a.Decimals,
		Supply: a.Supply, Currency: a.Currency, Metadata: a.Metadata})
	c.st.touch(a.Issuer)
	c.st.setBalance(a.Issuer, id, &a.Supply)
	return ReasonNone
}
