package api

import "github.com/anonex/anonex/ledger"

// Conversions: gift-card conversions (POST /v1/conversions, GET
// /v1/conversions/{id}) and conversions at payment time, which a terminal
// relays to the card owner's wallet node (POST /v1/pay-conversions and
// /v1/pay-conversions/{nonce}/record).

// ConversionRequest is POST /v1/conversions.
type ConversionRequest struct {
	Account string `json:"account"`          // the gift holder: NAME|ADDRESS
	Gift    string `json:"gift"`             // the gift asset: symbol or id
	Amount  string `json:"amount,omitempty"` // gift units to convert; default all
	To      string `json:"to,omitempty"`     // the open asset wanted; default what the offer gives
	// LoadCard, when set, moves the result to this card account (the
	// card's owner must be Account); the card takes its new value at its
	// next online contact (anonex card load --reader N writes it at once).
	LoadCard string `json:"load_card,omitempty"`
}

// Conversion is a conversion's record (GET /v1/conversions/{id}).
type Conversion struct {
	ID         ledger.Hash      `json:"id"`
	Status     ConversionStatus `json:"status"`
	Reason     string           `json:"reason,omitempty"`
	Account    ledger.Address   `json:"account"`
	Gift       ledger.Hash      `json:"gift"`
	GiftSymbol string           `json:"gift_symbol"`
	To         ledger.Hash      `json:"to"`
	ToSymbol   string           `json:"to_symbol"`
	Offer      ledger.Hash      `json:"offer"`
	GiftSpent  string           `json:"gift_spent"` // display units
	Received   string           `json:"received"`   // display units of To
	FillTx     *ledger.Hash     `json:"fill_tx,omitempty"`
	Card       *ledger.Address  `json:"card,omitempty"`
	LoadTx     *ledger.Hash     `json:"load_tx,omitempty"`
	// GiftLeft is the settled gift balance once settled; Depleted says it
	// is zero.
	GiftLeft string `json:"gift_left,omitempty"`
	Depleted bool   `json:"depleted"`
	Created  int64  `json:"created"` // Unix ms
	Updated  int64  `json:"updated"`
}

// PayConversionRequest is POST /v1/pay-conversions: the card's signed
// request as CONVERT phase 1 gave it, and the terminal's fields.
type PayConversionRequest struct {
	Card       ledger.Address `json:"card"`
	Fiat       ledger.Hash    `json:"fiat"`
	FiatAmount string         `json:"fiat_amount"` // base units
	Payee      ledger.Address `json:"payee"`
	Challenge  ledger.Hash    `json:"challenge"`
	Nonce      ledger.Hash    `json:"nonce"`
	Sealed     string         `json:"sealed"` // 0x hex
	Signature  ledger.Sig     `json:"signature"`
}

// PayConversionApproval is the answer: what the card is to sign.
type PayConversionApproval struct {
	Nonce     ledger.Hash    `json:"nonce"`
	Asset     ledger.Hash    `json:"asset"`
	Symbol    string         `json:"symbol"`
	Amount    string         `json:"amount"` // base units of Asset
	Collector ledger.Address `json:"collector"`
	Signature ledger.Sig     `json:"signature"` // the owner's, over ConversionApproval
	Expires   int64          `json:"expires"`   // Unix seconds: complete before
}

// PayConversionRecord is POST /v1/pay-conversions/{nonce}/record: the
// record the card signed (CONVERT phase 2).
type PayConversionRecord struct {
	Counter   uint64     `json:"counter"`
	Signature ledger.Sig `json:"signature"`
}

// PayConversionDone is what POST /v1/pay-conversions/{nonce}/record
// answers: the id of the ConvertPay the wallet submitted.
type PayConversionDone struct {
	Tx ledger.Hash `json:"tx"`
}
