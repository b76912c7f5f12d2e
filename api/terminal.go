package api

import "github.com/anonex/anonex/ledger"

// TerminalInfo is GET /v1/terminal: the merchant terminal a node started
// with --readers runs on its readers (docs/web.md, the Terminal page).
type TerminalInfo struct {
	// Payee is the merchant's account: where payments go.
	Payee ledger.Address `json:"payee"`
	// Trusted are the issuers whose cards the terminal takes.
	Trusted []ledger.Address `json:"trusted"`
	// Currencies are the assets the terminal prices in, with their floor.
	Currencies []TerminalCurrency `json:"currencies"`
	// WaitSettled says an online payment is approved once it settled
	// (not only once the network has the record).
	WaitSettled bool `json:"wait_settled"`
	// Queue is the directory of the terminal's record queue.
	Queue string `json:"queue"`
}

// TerminalCurrency is an asset a terminal prices in. Floor is the highest
// amount it takes offline, in the asset's display units ("" when every
// payment in it goes online).
type TerminalCurrency struct {
	Asset    ledger.Hash `json:"asset"`
	Symbol   string      `json:"symbol"`
	Decimals uint8       `json:"decimals"`
	Currency uint16      `json:"currency,omitempty"` // ISO 4217 number
	Floor    string      `json:"floor,omitempty"`
}

// TerminalPaymentRequest is the body of POST /v1/terminal/payments: a
// payment to take from the card in a reader.
type TerminalPaymentRequest struct {
	Reader int `json:"reader"`
	// Currency is the asset's symbol or id.
	Currency string `json:"currency"`
	// Amount is in the currency's display units ("12.50").
	Amount string `json:"amount"`
	// Convert pays by conversion from another of the card's purses (its
	// ETH, say) even if it could pay in the currency. Without it the
	// terminal still converts when the card cannot pay in the currency.
	Convert bool `json:"convert"`
}

// The states of a terminal payment (TerminalPayment.State).
const (
	TerminalStateReading  = "reading"  // the terminal is talking to the card or the network
	TerminalStatePIN      = "pin"      // waiting for the cardholder's PIN
	TerminalStateQuote    = "quote"    // waiting for the cardholder to accept a conversion's quote
	TerminalStateApproved = "approved" // done: paid
	TerminalStateDeclined = "declined" // done: not paid (Result says why)
)

// TerminalPayment is a payment at the terminal as it goes: what POST
// /v1/terminal/payments starts and GET /v1/terminal/payments/{id}
// follows. Version grows with every change.
type TerminalPayment struct {
	ID          string      `json:"id"`
	Version     uint64      `json:"version"`
	Reader      int         `json:"reader"`
	Asset       ledger.Hash `json:"asset"`
	Symbol      string      `json:"symbol"`
	Amount      string      `json:"amount"` // display units
	AmountUnits string      `json:"amount_units"`
	Convert     bool        `json:"convert"`
	// State is reading, pin, quote, approved or declined.
	State string `json:"state"`
	// Mode is offline or online once the terminal knows.
	Mode string `json:"mode,omitempty"`
	// Steps is what happened so far, oldest first.
	Steps     []TerminalStep `json:"steps"`
	StartedMS int64          `json:"started_ms"`
	// PIN is set while the payment waits for the PIN.
	PIN *TerminalPINPrompt `json:"pin,omitempty"`
	// Quote is set once the card owner's wallet quoted a conversion;
	// while State is quote it waits for the cardholder's answer.
	Quote *TerminalQuote `json:"quote,omitempty"`
	// Result is set once the payment is done.
	Result *TerminalResult `json:"result,omitempty"`
}

// TerminalStep is one thing a payment did, with when (Unix ms).
type TerminalStep struct {
	AtMS int64  `json:"at_ms"`
	Text string `json:"text"`
}

// TerminalPINPrompt is the terminal asking for the PIN; Message says why
// again after a wrong one ("wrong PIN, 2 tries left").
type TerminalPINPrompt struct {
	Message string `json:"message"`
	// Tries is the tries left, once a wrong PIN told.
	Tries uint8 `json:"tries_left,omitempty"`
}

// TerminalQuote is a conversion as the card owner's wallet approved it,
// shown before the card signs: the card pays Amount of Symbol (to its
// owner's wallet), which pays the merchant FiatAmount of FiatSymbol.
type TerminalQuote struct {
	Card        ledger.Address `json:"card"`
	Fiat        ledger.Hash    `json:"fiat"`
	FiatSymbol  string         `json:"fiat_symbol"`
	FiatAmount  string         `json:"fiat_amount"` // display units
	Asset       ledger.Hash    `json:"asset"`
	Symbol      string         `json:"symbol"`
	Amount      string         `json:"amount"` // display units
	AmountUnits string         `json:"amount_units"`
	// Rate is the quote's rate in words: "2985.07 EUR per ETH".
	Rate string `json:"rate"`
	// Accepted is the cardholder's answer, once given.
	Accepted *bool `json:"accepted,omitempty"`
}

// TerminalPINEntry is the body of POST /v1/terminal/payments/{id}/pin.
type TerminalPINEntry struct {
	PIN string `json:"pin"`
}

// TerminalQuoteAnswer is the body of POST /v1/terminal/payments/{id}/quote.
type TerminalQuoteAnswer struct {
	Accept bool `json:"accept"`
}

// TerminalResult is how a payment ended (cardbridge/terminal's Result):
// approved or declined, with the decline's code and reason in words.
type TerminalResult struct {
	Mode   string `json:"mode"`   // offline | online
	Status string `json:"status"` // approved | declined
	// Code is the decline's code (insufficient_funds, wrong_pin,
	// pin_blocked, limit_exceeded, unknown_issuer, counterfeit,
	// hot_listed, card_removed, network_unavailable, refused,
	// not_confirmed).
	Code   string          `json:"code,omitempty"`
	Reason string          `json:"reason,omitempty"`
	TxID   *ledger.Hash    `json:"tx_id,omitempty"`
	Card   *ledger.Address `json:"card,omitempty"`
	APDUs  int             `json:"apdus"`
	// InDoubt is the challenge of a payment whose card was pulled after
	// it was asked to sign: put the card back and POST
	// /v1/terminal/recover with it.
	InDoubt    *ledger.Hash        `json:"in_doubt,omitempty"`
	Conversion *TerminalConversion `json:"conversion,omitempty"`
	// Updates are the update values written to the card's purses.
	Updates []TerminalUpdate `json:"updates"`
	// Available is what the card's purse could spend (display units)
	// when it had too little.
	Available string `json:"available,omitempty"`
}

// TerminalConversion is what a converted payment took from the card.
type TerminalConversion struct {
	Asset  ledger.Hash `json:"asset"`
	Symbol string      `json:"symbol"`
	Amount string      `json:"amount"` // display units
	// Record is the card's record (it pays its owner's wallet).
	Record ledger.Hash `json:"record"`
}

// TerminalUpdate is an update value written to a purse of the card: its
// T (settled credits) before and after, in display units.
type TerminalUpdate struct {
	Asset  ledger.Hash `json:"asset"`
	Symbol string      `json:"symbol"`
	Before string      `json:"before"`
	After  string      `json:"after"`
}

// TerminalRecover is the body of POST /v1/terminal/recover: the card of a
// payment left in doubt is back in a reader.
type TerminalRecover struct {
	Reader    int         `json:"reader"`
	Challenge ledger.Hash `json:"challenge"`
}

// TerminalQueue is GET /v1/terminal/queue: the card records the terminal
// holds that the network has not accepted yet.
type TerminalQueue struct {
	Records []TerminalRecord `json:"records"`
}

// TerminalRecord is one queued card record.
type TerminalRecord struct {
	ID      ledger.Hash    `json:"id"`
	Card    ledger.Address `json:"card"`
	Asset   ledger.Hash    `json:"asset"`
	Symbol  string         `json:"symbol,omitempty"`
	Amount  string         `json:"amount"` // display units (base units when the asset is unknown)
	Counter uint64         `json:"counter"`
	Mode    string         `json:"mode"` // offline | online | card
}

// TerminalForward answers POST /v1/terminal/queue/forward: how many
// records the network took, how many are left, and why (Error) when some
// are.
type TerminalForward struct {
	Forwarded int    `json:"forwarded"`
	Left      int    `json:"left"`
	Error     string `json:"error,omitempty"`
}
